"""The two-router lab (tests/lab/lab2.sh) for integration tests (as root).

    with Lab2(erreadyd) as lab:          # up; down on every exit path
        lab.edit_config("a", fn)         # optional, before the agents start
        lab.start_agent("b"); lab.start_agent("a")
        m = nclib.connect_unix(lab.sock("a"))
        lab.fault("stop-msee-priv-secondary"); ...; lab.restore(...)

CE-A (FRR, namespace lab.ns("a")) holds the primary links, CE-B (BIRD) the
secondary links of circuits erlab-<id>-c1 (Amsterdam, private + Microsoft
peering) and erlab-<id>-c2 (London, private peering), resiliency group
erlab-<id> (intended tier maximum). Each router's erreadyd names the other
as partner (ce-a / ce-b) over the partner link, 198.51.100.1 / .2 port 830.
tests/lab/README.md ("Two-router lab") has the addressing and the faults.
"""
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
LAB2 = os.path.join(HERE, "..", "lab", "lab2.sh")
STATE_ROOT = os.environ.get("ERLAB_STATE_ROOT", "/run/erready-lab")
ROOT = "expressroute-readiness:expressroute"


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Lab2:
    def __init__(self, erreadyd, poll=5, timeout=120):
        """Brings the lab up and writes both routers' configs (agent/poll-interval = poll)."""
        self.erreadyd = os.path.abspath(erreadyd)
        env = dict(os.environ, ERLAB_POLL_INTERVAL=str(poll), ERREADYD=self.erreadyd)
        env.pop("ERLAB_ID", None)
        r = _run([LAB2, "up"], env=env, timeout=timeout)
        m = re.search(r"ERLAB_ID=(\S+)", r.stdout + r.stderr)
        if r.returncode != 0 or not m:
            raise RuntimeError("lab2 up failed:\n" + r.stdout + r.stderr)
        self.id = m.group(1)
        self.env = dict(env, ERLAB_ID=self.id)
        self.state = os.path.join(STATE_ROOT, self.id)
        try:
            for x in "ab":
                self.lab("config", x.upper(), self.config(x))
        except Exception:
            self.down()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def lab(self, *args, timeout=120):
        """lab2.sh ARGS for this lab; its stdout, or RuntimeError with its output."""
        r = _run([LAB2] + list(args), env=self.env, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("lab2 %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def ns(self, x):
        """Network namespace of router x ("a" or "b")."""
        return "erl%s-%s" % (self.id, x)

    def dir(self, x):
        """State directory of router x's erreadyd (keys, config, socket, log)."""
        return os.path.join(self.state, "agent-" + x)

    def config(self, x):
        return os.path.join(self.dir(x), "erready.json")

    def sock(self, x):
        """NETCONF UNIX socket of router x's erreadyd."""
        return os.path.join(self.dir(x), "netconf.sock")

    def log(self, x):
        return os.path.join(self.dir(x), "erreadyd.log")

    def edit_config(self, x, fn):
        """fn(tree) edits router x's config (the expressroute container) in place."""
        path = self.config(x)
        with open(path) as f:
            cfg = json.load(f)
        fn(cfg[ROOT])
        with open(path + ".tmp", "w") as f:
            json.dump(cfg, f, indent=1)
        os.replace(path + ".tmp", path)

    def start_agent(self, x, *wrapper):
        """erreadyd in router x's namespace; wrapper (e.g. valgrind ...) goes before it.
        Returns once its NETCONF UNIX socket is there."""
        self.lab("agent", "start", x.upper(), *(list(wrapper) + [self.erreadyd]), timeout=300)

    def stop_agent(self, x):
        self.lab("agent", "stop", x.upper())

    def pid(self, x):
        """pid of router x's erreadyd, or None."""
        try:
            with open(os.path.join(self.dir(x), "erreadyd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def fault(self, name, *arg):
        self.lab("fault", name, *arg)

    def restore(self, name, *arg):
        self.lab("restore", name, *arg)

    def wait(self, timeout=30):
        """Every BGP session Established on both sides and BFD up."""
        self.lab("wait", str(timeout), timeout=timeout + 30)

    def check(self, x, timeout=120):
        """erreadyd --check --json with router x's config, in x's namespace:
        (exit status, the parsed readiness container)."""
        r = _run(["ip", "netns", "exec", self.ns(x), self.erreadyd, "--check", "--json", "-c", self.config(x),
                  "--state-dir", self.dir(x)], timeout=timeout)
        if r.returncode not in (0, 1, 2, 3):
            raise RuntimeError("erreadyd --check exited %d: %s" % (r.returncode, r.stderr))
        return r.returncode, json.loads(r.stdout)[ROOT]["readiness"]

    def down(self):
        _run([LAB2, "down"], env=self.env, timeout=120)
