#!/usr/bin/python3
"""Privilege separation on the live FRR lab (issue 14; as root).

erreadyd is started as root in the lab's customer-edge namespace with
--user erready (the user is created for the test when absent, and removed
afterwards), SNMP as embedded master on 127.0.0.1:1161 and NETCONF on SSH
port 830 (a port below 1024: bound before the last capability goes) and on
a UNIX socket. Then, from /proc/PID/status:
  - the view process (the one started) has every uid erready, CapEff,
    CapPrm and CapAmb 0 in every thread, NoNewPrivs 1, and neither frrvty
    nor bird among its groups;
  - its one child, the collector process, has every uid erready, CapEff =
    CapPrm = CapBnd = CAP_NET_ADMIN alone, NoNewPrivs 1, and frrvty;
and through the views:
  - the collectors of BGP (FRR over vtysh), NAT (nftables) and QoS (tc) are
    "ok" (the privileged side works), read with a NETCONF <get>;
  - an SNMP get answers, a NETCONF edit of the candidate and <commit/> work,
    and after copy-config running -> startup the change is in the
    configuration file (the startup datastore), which belongs to erready;
  - kill -9 of the collector ends erreadyd with a non-zero status in < 2 s;
  - restarted, kill -9 of the view process: the collector is gone in < 2 s.
A --user that does not exist is refused at once (exit 67, with how to
create it). The lab is taken down on every exit path.
Usage: privsep_lab.py ERREADYD
"""
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lab_checks import Lab  # noqa: E402
import nclib  # noqa: E402
from testlib import check, failures, info, poll, try_  # noqa: E402

ER = nclib.ERR_NS
CAP_NET_ADMIN = 1 << 12
USER = "erready"
MIB_SUMMARY = ".1.3.6.1.4.1.8072.9999.9999.1.1.1.0"


def status(pid):
    """/proc/PID/status as a dict (None when the process is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
    except OSError:
        return None


def threads_caps(pid):
    """CapEff|CapPrm|CapAmb of every thread of pid, or'ed."""
    v = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                for l in f:
                    if l.split(":")[0] in ("CapEff", "CapPrm", "CapAmb"):
                        v |= int(l.split()[1], 16)
        except OSError:
            pass
    return v


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d))
    return out


def gone(pid):
    s = status(pid)
    return s is None or s.get("State", "").startswith("Z")


class User:
    """The user erready (and its group), made here when absent."""

    def __init__(self):
        self.created = False
        try:
            pwd.getpwnam(USER)
        except KeyError:
            subprocess.run(["adduser", "--system", "--group", "--no-create-home", "--home", "/nonexistent",
                            "--quiet", USER], check=True)
            self.created = True
        for g in ("frrvty", "bird"):
            try:
                if USER not in grp.getgrnam(g).gr_mem:
                    subprocess.run(["adduser", "--quiet", USER, g], check=True, stdout=subprocess.DEVNULL)
            except KeyError:
                pass
        pw = pwd.getpwnam(USER)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def remove(self):
        if self.created:
            subprocess.run(["deluser", "--system", "--quiet", USER], check=False)
            subprocess.run(["delgroup", "--system", "--quiet", USER], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Agent:
    def __init__(self, lab, erreadyd, user):
        self.lab, self.erreadyd = lab, erreadyd
        self.top = tempfile.mkdtemp(prefix="erready-privsep-")
        os.chmod(self.top, 0o711)
        # the configuration directory is the service's (the package does the same for /etc/erready)
        self.dir = os.path.join(self.top, "etc")
        os.mkdir(self.dir, 0o750)
        os.chown(self.dir, user.uid, user.gid)
        self.cfg = os.path.join(self.dir, "erready.json")
        self.state = os.path.join(self.top, "state")
        self.sock = os.path.join(self.dir, "nc.sock")
        self.log = os.path.join(self.top, "erreadyd.log")
        self.proc = None
        with open(lab.cfg) as f:
            cfg = json.load(f)
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 5, "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:1161"]},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": 830},
                        "unix-socket": {"path": self.sock, "mode": "0600"}}})
        with open(self.cfg, "w") as f:  # root's file: erreadyd gives it to the user
            json.dump(cfg, f, indent=1)

    def start(self):
        env = dict(os.environ)
        env.pop("ERREADYD_USER", None)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        with open(self.log, "ab") as f:
            self.proc = subprocess.Popen(["ip", "netns", "exec", "erl%s-ce" % self.lab.id, self.erreadyd,
                                          "-c", self.cfg, "--state-dir", self.state, "--user", USER],
                                         stdout=f, stderr=subprocess.STDOUT, env=env)

    def up(self, timeout=60):
        def ready():
            m = try_(lambda: nclib.connect_unix(self.sock, timeout=5))
            if m:
                nclib.close_quietly(m)
            return m is not None
        return poll(lambda: self.proc.poll() is None and os.path.exists(self.sock) and ready(), timeout, 0.1)

    def collector(self):
        kids = children(self.proc.pid)
        return kids[0] if len(kids) == 1 else None

    def stop(self, sig=signal.SIGTERM):
        p, self.proc = self.proc, None
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def cleanup(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.top, ignore_errors=True)


def collectors(m):
    r = m.get(filter=("subtree", '<expressroute xmlns="%s"><readiness><collector/></readiness></expressroute>' % ER))
    out = {}
    for blk in re.findall(r"<collector>(.*?)</collector>", r.xml, re.S):
        src = re.search(r"<source>([^<]+)</source>", blk)
        st = re.search(r"<status>([^<]+)</status>", blk)
        dm = re.search(r"<daemon>([^<]*)</daemon>", blk)
        if src and st:
            out[src.group(1)] = (st.group(1), dm.group(1) if dm else "")
    return out


def check_processes(agent, user):
    view = agent.proc.pid
    coll = agent.collector()
    vs = status(view)
    check(coll is not None, "the view process has exactly one child, the collector process")
    uids = "\t".join([str(user.uid)] * 4)
    check(vs["Uid"] == uids, "view process: every uid is erready's (%s)" % vs["Uid"])
    check(int(vs["CapEff"], 16) == 0 and int(vs["CapPrm"], 16) == 0, "view process: CapEff 0, CapPrm 0 (%s, %s)" %
          (vs["CapEff"], vs["CapPrm"]))
    check(threads_caps(view) == 0, "view process: no capability in any of its %s threads" % vs["Threads"])
    check(vs["NoNewPrivs"] == "1", "view process: NoNewPrivs 1")
    frrvty = [g.gr_gid for g in grp.getgrall() if g.gr_name in ("frrvty", "bird")]
    check(not set(int(g) for g in vs["Groups"].split()) & set(frrvty),
          "view process: not in frrvty or bird (groups: %s)" % vs["Groups"].strip())
    if coll is None:
        return
    cs = status(coll)
    check(cs["Uid"] == uids, "collector process: every uid is erready's (%s)" % cs["Uid"])
    check(int(cs["CapEff"], 16) == CAP_NET_ADMIN and int(cs["CapPrm"], 16) == CAP_NET_ADMIN and
          int(cs["CapBnd"], 16) == CAP_NET_ADMIN and int(cs["CapAmb"], 16) == 0,
          "collector process: CAP_NET_ADMIN only (CapEff %s, CapPrm %s, CapBnd %s)" %
          (cs["CapEff"], cs["CapPrm"], cs["CapBnd"]))
    check(cs["NoNewPrivs"] == "1", "collector process: NoNewPrivs 1")
    try:
        g = grp.getgrnam("frrvty").gr_gid
        check(str(g) in cs["Groups"].split(), "collector process: in frrvty (groups: %s)" % cs["Groups"].strip())
    except KeyError:
        info("no group frrvty on this machine")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 64
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77
    erreadyd = os.path.abspath(sys.argv[1])
    # a --user that does not exist: a clear message and exit 67, before anything starts
    r = subprocess.run([erreadyd, "-c", "/nonexistent.json", "--user", "no-such-user-er"], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 67 and "user no-such-user-er does not exist: create it (adduser --system --group "
          "no-such-user-er) or name another with --user" in r.stderr,
          "--user that does not exist: exit %d, %s" % (r.returncode, r.stderr.strip()[-160:]))
    user = User()
    lab = agent = None
    try:
        lab = Lab("frr")
        lab.lab("wait", "60")
        agent = Agent(lab, erreadyd, user)
        agent.start()
        if not check(agent.up(), "erreadyd started as root with --user erready serves NETCONF"):
            print(agent.log_text())
            return 1
        check_processes(agent, user)
        log = agent.log_text()
        check("NETCONF: SSH on 127.0.0.1 port 830" in log, "NETCONF SSH bound port 830 before the last capability went")
        check("privileges dropped: user erready" in log, "the log says the privileges were dropped")

        m = nclib.connect_unix(agent.sock, timeout=15)
        got = {}
        poll(lambda: got.update(collectors(m)) or all(got.get(s, ("",))[0] == "ok" for s in ("bgp", "nat", "qos")),
             30, 0.5)
        for s, daemon in (("bgp", "frr"), ("nat", "nftables"), ("qos", "nftables+tc")):
            check(got.get(s) == ("ok", daemon), "collector %s: ok (%s) through the collector process (%s)" %
                  (s, daemon, got.get(s)))

        r = subprocess.run(["ip", "netns", "exec", "erl%s-ce" % lab.id, "snmpget", "-v2c", "-c", "public", "-On",
                            "-t", "2", "-r", "1", "127.0.0.1:1161", MIB_SUMMARY], capture_output=True, text=True)
        check(r.returncode == 0 and "INTEGER" in r.stdout, "SNMP get of erOverallReadiness: %s" % r.stdout.strip())

        r = nclib.rpc(m, '<edit-config><target><candidate/></target><config><expressroute xmlns="%s"><agent>'
                      '<poll-interval>7</poll-interval></agent></expressroute></config></edit-config>' % ER)
        ok = r.ok and not nclib.errors(r)
        r = nclib.rpc(m, "<commit/>")
        check(ok and r.ok and not nclib.errors(r), "NETCONF edit-config (candidate) and commit")
        # the file is the startup datastore (:startup): written by the view process, as erready
        r = nclib.rpc(m, "<copy-config><target><startup/></target><source><running/></source></copy-config>")
        check(r.ok and not nclib.errors(r), "NETCONF copy-config running -> startup")
        nclib.close_quietly(m)
        with open(agent.cfg) as f:
            saved = json.load(f)
        agent_saved = saved["expressroute-readiness:expressroute"]["agent"]
        check(agent_saved.get("poll-interval") == 7, "the commit is in the configuration file (poll-interval %s)" %
              agent_saved.get("poll-interval"))
        check(os.stat(agent.cfg).st_uid == user.uid, "the configuration file belongs to erready")

        coll = agent.collector()
        t0 = time.monotonic()
        os.kill(coll, signal.SIGKILL)
        try:
            rc = agent.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        dt = time.monotonic() - t0
        check(rc not in (None, 0) and dt < 2, "kill -9 of the collector: erreadyd exited %s after %.3f s" % (rc, dt))
        check("collector process killed by signal 9" in agent.log_text(), "the log says the collector was killed")
        agent.proc = None

        agent.start()
        if check(agent.up(), "restarted"):
            coll = agent.collector()
            t0 = time.monotonic()
            agent.proc.kill()
            agent.proc.wait()
            poll(lambda: gone(coll), 5, 0.005)
            dt = time.monotonic() - t0
            check(coll is not None and gone(coll) and dt < 2,
                  "kill -9 of the view process: the collector is gone after %.3f s" % dt)
            agent.proc = None
    finally:
        if agent:
            if failures():
                print(agent.log_text()[-6000:])
            agent.cleanup()
        if lab:
            lab.down()
        user.remove()
    print("%s" % ("PASS" if not failures() else "FAIL (%d)" % failures()))
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
