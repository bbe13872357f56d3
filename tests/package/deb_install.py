#!/usr/bin/python3
"""Package test (as root): build the .deb, lint it, install it with apt,
run the INSTALLED daemon the way its systemd unit does on the lab, purge.

1. packaging/build-deb (dpkg-buildpackage + lintian: no error, no warning).
2. apt-get install ./erready_*.deb; every file where it should be; the
   config is not a dpkg conffile and survives a reinstall unchanged.
3. systemd-analyze verify on the unit; its security exposure printed (a
   figure, not a threshold); later, the system calls the running daemon
   and its children make (strace -f -c) must all be in the allow list its
   SystemCallFilter= lines build.
4. No systemd runs here: the unit's User=, NoNewPrivileges= and
   capabilities are read from the installed unit and applied with setpriv
   (uid erready, its groups, CAP_NET_ADMIN bounding/inheritable/ambient),
   its StateDirectory/RuntimeDirectory made as systemd would, and
   ExecStart= run inside the lab's customer-edge namespace (FRR). The
   privilege separation, from /proc/PID/status: the view process (ExecStart's)
   is erready with no capability in any thread and not in frrvty/bird; its
   child, the collector process, erready with CAP_NET_ADMIN alone and in
   frrvty. BGP, NAT and QoS are collected (by that child); a stock-configured snmpd (Debian's snmpd.conf
   access lines plus the package's snmpd.conf.d snippet) shows the MIB to
   community public; a NETCONF edit+commit, copied to startup, lands in
   /etc/erready/erready.json.
   Started again (as the unit would): kill -9 of the collector ends the
   service with a non-zero status in < 2 s; kill -9 of the view process
   ends the collector in < 2 s.
5. apt-get purge: nothing of the package is left (the system user stays,
   as Debian's policy wants).
Usage: deb_install.py   (from anywhere; refuses if erready is already installed)
"""
import configparser
import glob
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
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import nclib  # noqa: E402
from testlib import check, info, poll, free_udp_port, summary, stop  # noqa: E402

LAB = os.path.join(TOP, "tests", "lab", "lab.sh")
UNIT = "/lib/systemd/system/erreadyd.service"
ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
ROOT_OID = ".1.3.6.1.4.1.8072.9999.9999"
YANG = os.path.basename(glob.glob(os.path.join(TOP, "yang", "expressroute-readiness@*.yang"))[0])
CAP_BITS = {"CAP_SETGID": 6, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_ADMIN": 12}  # linux/capability.h
FILES = [
    ("/usr/sbin/erreadyd", "root", 0o755),
    ("/etc/erready", "erready", 0o750),
    ("/etc/erready/erready.json", "erready", 0o640),
    ("/var/lib/erready", "erready", 0o750),
    ("/usr/share/erready/erready.json", "root", 0o644),
    ("/usr/share/doc/erready/examples/erready.json", "root", 0o644),
    ("/usr/share/doc/erready/examples/erready-two-routers.json", "root", 0o644),
    ("/usr/share/doc/erready/examples/snmp.yml", "root", 0o644),
    ("/usr/share/doc/erready/examples/erready-alerts.yml", "root", 0o644),
    ("/usr/share/doc/erready/examples/erready-dashboard.json", "root", 0o644),
    ("/usr/share/doc/erready/examples/ansible/readiness.yml", "root", 0o644),
    ("/usr/share/snmp/mibs/EXPRESSROUTE-READINESS-MIB.txt", "root", 0o644),
    ("/usr/share/yang/modules/erready/" + YANG, "root", 0o644),
    ("/usr/share/yang/modules/erready/ietf-netconf-acm@2018-02-14.yang", "root", 0o644),
    ("/etc/snmp/snmpd.conf.d/erready.conf", "root", 0o644),
    (UNIT, "root", 0o644),
    ("/usr/share/man/man8/erreadyd.8.gz", "root", 0o644),
    ("/usr/share/man/man5/erready.json.5.gz", "root", 0o644),
]


def run(cmd, **kw):
    kw.setdefault("timeout", 600)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def apt(*args, cwd=None):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return run(["apt-get", "-y", "-q", "--no-install-recommends"] + list(args), cwd=cwd, env=env)


def installed():
    r = run(["dpkg-query", "-W", "-f=${Status}", "erready"])
    return r.returncode == 0 and "install ok installed" in r.stdout


def unit_service():
    """The [Service] section of the installed unit (of a repeated key, the last)."""
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(UNIT)
    return cp["Service"]


def unit_values(key):
    """Every value of @p key in the unit's [Service] section, in order."""
    out, section = [], None
    for line in open(UNIT):
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line.startswith(key + "="):
            out.append(line.split("=", 1)[1])
    return out


_groups = {}


def expand(names):
    """The system calls that systemd filter names stand for (@groups, recursively)."""
    out = set()
    for n in names:
        if not n.startswith("@"):
            out.add(n)
            continue
        if n not in _groups:
            lines = run(["systemd-analyze", "syscall-filter", n]).stdout.splitlines()
            _groups[n] = expand([l.strip() for l in lines[1:] if l.strip() and not l.strip().startswith("#")])
        out |= _groups[n]
    return out


def syscalls_allowed():
    """The allow list that the unit's SystemCallFilter= lines build, in order (the first is an allow list)."""
    allowed = set()
    for v in unit_values("SystemCallFilter"):
        if v.startswith("~"):
            allowed -= expand(v[1:].split())
        else:
            allowed |= expand(v.split())
    return allowed


def syscalls_used(path):
    """System calls in an `strace -f -c` summary."""
    used = set()
    for line in open(path):
        f = line.split()
        if f and re.match(r"[0-9.]+$", f[0]) and f[-1] != "total":
            used.add(f[-1])
    return used


def setpriv_argv(svc):
    """What systemd does with User=, NoNewPrivileges=, the capability sets, as setpriv arguments."""
    user = svc["User"]
    caps = [c.strip().lower().replace("cap_", "") for c in svc["CapabilityBoundingSet"].split()]
    amb = [c.strip().lower().replace("cap_", "") for c in svc["AmbientCapabilities"].split()]
    plus = lambda cs: "-all" + "".join(",+" + c for c in cs)  # noqa: E731
    argv = ["setpriv", "--reuid", user, "--regid", svc.get("Group", user), "--init-groups",
            "--bounding-set", plus(caps), "--inh-caps", plus(amb), "--ambient-caps", plus(amb)]
    if svc.get("NoNewPrivileges", "no") in ("yes", "true", "1"):
        argv.append("--no-new-privs")
    return argv


def proc_status(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def task_status(pid, tid):
    out = {}
    for line in open("/proc/%d/task/%s/status" % (pid, tid)):
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def child_of(ppid):
    """The pid of @p ppid's child (this kernel has no /proc/PID/task/TID/children)."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if proc_status(int(d)).get("PPid") == str(ppid):
                    return int(d)
            except OSError:
                pass
    raise RuntimeError("process %d has no child" % ppid)


class Lab:
    def __init__(self):
        r = run([LAB, "up", "frr"], timeout=120)
        m = re.search(r"ERLAB_ID=(\S+)", r.stdout + r.stderr)
        if r.returncode != 0 or not m:
            raise RuntimeError("lab up failed:\n" + r.stdout + r.stderr)
        self.id = m.group(1)
        self.env = dict(os.environ, ERLAB_ID=self.id)
        self.ns = ["ip", "netns", "exec", "erl%s-ce" % self.id]

    def config(self, path):
        r = run([LAB, "config", path], env=self.env)
        if r.returncode != 0:
            raise RuntimeError("lab config failed:\n" + r.stderr)
        return json.load(open(path))

    def down(self):
        run([LAB, "down"], env=self.env, timeout=60)


def build(d):
    t0 = time.monotonic()
    r = run([os.path.join(TOP, "packaging", "build-deb"), d], timeout=900)
    lint = [l for l in (r.stdout + r.stderr).splitlines() if re.match(r"[EWIXPN]: ", l)]
    check(r.returncode == 0, "packaging/build-deb: built, lintian without errors or warnings (%.0f s)%s"
          % (time.monotonic() - t0, "" if r.returncode == 0 else "\n" + (r.stdout + r.stderr)[-4000:]))
    for l in lint:
        info("lintian " + l)
    debs = glob.glob(os.path.join(d, "erready_*.deb"))
    return debs[0] if len(debs) == 1 else None


def check_files():
    for path, owner, mode in FILES:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            check(False, "installed: %s" % path)
            continue
        got_owner = pwd.getpwuid(st.st_uid).pw_name
        check(got_owner == owner and (st.st_mode & 0o7777) == mode,
              "installed: %s (%s %04o)" % (path, got_owner, st.st_mode & 0o7777))
    r = run(["dpkg-query", "-W", "-f=${Conffiles}", "erready"])
    conff = [l.split()[0] for l in r.stdout.strip().splitlines() if l.strip()]
    check(conff == ["/etc/snmp/snmpd.conf.d/erready.conf"],
          "the only dpkg conffile is the snmpd snippet; erready.json is erreadyd's to rewrite (%s)" % conff)
    check(pwd.getpwnam("erready").pw_shell in ("/usr/sbin/nologin", "/bin/false"), "system user erready")
    cfg = run(["/usr/sbin/erreadyd", "-n", "-c", "/etc/erready/erready.json"])
    check(cfg.returncode == 0, "the installed config is valid: %s" % (cfg.stdout + cfg.stderr).strip())
    r = run(["/usr/sbin/erreadyd", "--help"])
    check("/var/lib/erready" in r.stdout and "--syslog" in r.stdout, "--help names the state dir default and -s")
    man = run(["man", "--warnings", "-l", "/usr/share/man/man5/erready.json.5.gz"], env=dict(os.environ, MANWIDTH="80"))
    check(man.returncode == 0 and "agent/netconf/unix-socket/path" in man.stdout and not man.stderr.strip(),
          "erready.json(5) renders, with the YANG module's config nodes: %s" % man.stderr.strip()[:200])


def check_unit():
    r = run(["systemd-analyze", "verify", UNIT])
    check(r.returncode == 0 and not r.stderr.strip(), "systemd-analyze verify %s %s" % (UNIT, r.stderr.strip()))
    r = run(["systemd-analyze", "security", "--offline=true", "--no-pager", UNIT])
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", r.stdout)
    info("systemd-analyze security --offline=true erreadyd.service: exposure %s %s (target <= 2.0)"
         % (m.group(1), m.group(2)) if m else "systemd-analyze security: %s" % (r.stdout + r.stderr)[-300:])
    for l in r.stdout.splitlines():
        if l.startswith("\u2717"):
            info("  " + re.sub(r"\s{2,}", "  ", l.strip()))


def reinstall_keeps_config(deb):
    p = "/etc/erready/erready.json"
    cfg = json.load(open(p))
    cfg["expressroute-readiness:expressroute"]["agent"]["poll-interval"] = 45
    with open(p, "w") as f:
        json.dump(cfg, f)
    r = apt("install", "--reinstall", "./" + os.path.basename(deb), cwd=os.path.dirname(deb))
    after = json.load(open(p))["expressroute-readiness:expressroute"]["agent"]["poll-interval"]
    check(r.returncode == 0 and after == 45, "a reinstall (upgrade path) keeps /etc/erready/erready.json (%s)" % after)


def write_config(lab, tmp, agentx):
    cfg = lab.config(os.path.join(tmp, "lab.json"))
    er = cfg["expressroute-readiness:expressroute"]
    er["agent"].update({"poll-interval": 5, "alert-hold-down": 0,
                        "snmp": {"mode": "subagent", "agentx-socket": agentx},
                        "netconf": {"ssh": {"enabled": False}}})
    p = "/etc/erready/erready.json"
    with open(p, "w") as f:  # in place: owner and mode stay the package's
        json.dump(cfg, f, indent=1)


def start_snmpd(lab, tmp, port, agentx):
    """snmpd with Debian's stock access lines and the package's snippet, on a private port and socket."""
    stock = [l for l in open("/etc/snmp/snmpd.conf") if re.match(r"\s*(view|rocommunity6?|rouser)\s", l)]
    conf = os.path.join(tmp, "snmpd.conf")
    with open(conf, "w") as f:
        f.write("agentaddress udp:127.0.0.1:%d\n" % port)
        f.writelines(stock)
        f.write("includeFile /etc/snmp/snmpd.conf.d/erready.conf\n")
        f.write("agentXSocket %s\ndontLogTCPWrappersConnects yes\n" % agentx)
    os.makedirs(os.path.join(tmp, "snmp"), exist_ok=True)
    shutil.chown(os.path.join(tmp, "snmp"), "Debian-snmp", "Debian-snmp")
    env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(tmp, "snmp"), MIBS="")
    log = open(os.path.join(tmp, "snmpd.log"), "w")
    return subprocess.Popen(lab.ns + ["/usr/sbin/snmpd", "-f", "-LOw", "-Lf", os.path.join(tmp, "snmpd.log"),
                                      "-C", "-c", conf, "-u", "Debian-snmp", "-g", "Debian-snmp", "-I",
                                      "-smux,mteTrigger,mteTriggerConf"], stdout=log, stderr=subprocess.STDOUT,
                            env=env)


def run_installed(lab, tmp):
    svc = unit_service()
    exec_start = svc["ExecStart"].split()
    # what systemd makes before ExecStart: RuntimeDirectory= (StateDirectory= exists: the package made it)
    run_dir = "/run/" + svc["RuntimeDirectory"]
    os.makedirs(run_dir, exist_ok=True)
    shutil.chown(run_dir, svc["User"], svc.get("Group", svc["User"]))
    os.chmod(run_dir, int(svc.get("RuntimeDirectoryMode", "0755"), 8))
    # first as installed: no circuit, no snmpd yet
    first = os.path.join(tmp, "first.log")
    with open(first, "w") as log:
        agent = subprocess.Popen(lab.ns + setpriv_argv(svc) + ["--"] + exec_start, stdout=log,
                                 stderr=subprocess.STDOUT, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        ok = poll(lambda: "erreadyd running" in open(first).read() or agent.poll() is not None, 30)
        rc = stop(agent, 10)
    text = open(first, errors="replace").read()
    good = ok and rc == 0 and "notice: no circuit configured" in text
    check(good, "with the installed config (no circuit) it starts and says \"no circuit configured\" (exit %s)%s"
          % (rc, "" if good else "\n" + text[-2000:]))
    snmp_port = free_udp_port()
    agentx = os.path.join(tmp, "agentx", "master")
    write_config(lab, tmp, agentx)
    snmpd = start_snmpd(lab, tmp, snmp_port, agentx)
    logp = os.path.join(tmp, "erreadyd.log")
    log = open(logp, "w")
    st = os.fstat(log.fileno())
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino),
           "LANG": "C.UTF-8"}
    # strace -f -c: the system calls of erreadyd and its children (vtysh, the nft query), to hold against
    # the unit's SystemCallFilter=, which only systemd could enforce
    scp = os.path.join(tmp, "strace.txt")
    open(scp, "w").close()
    shutil.chown(scp, svc["User"])  # strace runs as the service's user
    argv = lab.ns + setpriv_argv(svc) + ["--", "strace", "-f", "-qq", "-c", "-o", scp] + exec_start
    info("running: " + " ".join(argv))
    agent = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, umask=int(svc["UMask"], 8))
    procs = [agent, snmpd]
    try:
        text = lambda: open(logp, errors="replace").read()  # noqa: E731
        if not check(poll(lambda: "erreadyd running" in text() or agent.poll() is not None, 60) and
                     agent.poll() is None, "the installed erreadyd runs as the unit would"):
            return
        pid = child_of(agent.pid)  # strace's only child: erreadyd
        uid = pwd.getpwnam(svc["User"]).pw_uid
        check_split(pid, uid, svc)
        for line in ("<6>collector bgp: ok (frr)", "<6>collector nat: ok (nftables)",
                     "<6>collector qos: ok (nftables+tc)", "<6>collector interfaces: ok (netlink)"):
            check(line in text().splitlines(), "collected as user erready: %s" % line[3:])
        # the single-router lab terminates both links on one router: degraded (check 11 warns)
        check("<4>readiness degraded at start" in text(), "readiness degraded at start (one router: check 11)")
        # SNMP through Debian's stock view + the package's snippet
        check(poll(lambda: "registered with the AgentX master" in text(), 20),
              "AgentX subagent registered with snmpd (socket group erready)")
        walk = lambda: run(lab.ns + ["snmpwalk", "-v2c", "-c", "public", "-On", "-t", "2", "-r", "1",  # noqa: E731
                                     "127.0.0.1:%d" % snmp_port, ROOT_OID], env=dict(os.environ, MIBS=""))
        w = poll(lambda: walk().stdout.count(ROOT_OID) > 100 and walk(), 20, 0.5)
        n = w.stdout.count("\n" + ROOT_OID) + 1 if w else 0
        check(n > 100 and "No Such Object" not in w.stdout,
              "snmpwalk of the readiness MIB through the stock 'systemonly' view: %d varbinds" % n)
        # NETCONF over the UNIX socket, edit + commit -> the file
        u = nclib.connect_unix(os.path.join(run_dir, "netconf.sock"))
        u.edit_config(target="candidate", config='<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
                      '<expressroute xmlns="%s"><agent><poll-interval>7</poll-interval></agent></expressroute>'
                      '</config>' % ER_NS)
        u.commit()
        # running -> startup (the :startup capability): erreadyd writes its -c file atomically
        u.copy_config(source="running", target="startup")
        nclib.close_quietly(u)
        cfg = json.load(open("/etc/erready/erready.json"))
        st = os.stat("/etc/erready/erready.json")
        check(cfg["expressroute-readiness:expressroute"]["agent"]["poll-interval"] == 7 and
              pwd.getpwuid(st.st_uid).pw_name == "erready",
              "NETCONF edit+commit, copy-config to startup: /etc/erready/erready.json rewritten (poll-interval 7, owner %s, mode %04o)"
              % (pwd.getpwuid(st.st_uid).pw_name, st.st_mode & 0o7777))
        check("config changed by NETCONF user \"root\"" in text(), "and the log says who changed what")
        os.kill(pid, signal.SIGTERM)  # strace exits with its tracee's status
        try:
            rc = agent.wait(20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "SIGTERM: erreadyd exits 0 (%s)" % rc)
        used, allowed = syscalls_used(scp), syscalls_allowed()
        check(len(used) > 40 and used <= allowed,
              "the %d system calls erreadyd and its children made are all in the unit's SystemCallFilter= "
              "(outside it: %s)" % (len(used), sorted(used - allowed)))
        kill_either(lab, tmp, svc, exec_start, env)
    finally:
        for p in procs:
            stop(p, 10)
        if failures_now():
            sys.stdout.write("---- erreadyd log\n" + open(logp, errors="replace").read()[-6000:])
            p = os.path.join(tmp, "snmpd.log")
            if os.path.exists(p):
                sys.stdout.write("---- snmpd log\n" + open(p, errors="replace").read()[-3000:])


def check_split(pid, uid, svc):
    """The two processes of the privilege separation, from /proc."""
    s = proc_status(pid)
    caps = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            ts = task_status(pid, t)
        except OSError:
            continue
        caps |= int(ts["CapEff"], 16) | int(ts["CapPrm"], 16) | int(ts["CapAmb"], 16)
    side = set()
    for g in ("frrvty", "bird"):
        try:
            side.add(str(grp.getgrnam(g).gr_gid))
        except KeyError:
            pass
    check(s["Uid"].split() == [str(uid)] * 4 and int(s["CapEff"], 16) == 0 and caps == 0 and
          s["NoNewPrivs"] == "1" and not set(s["Groups"].split()) & side,
          "view process: uid %s, CapEff %s in every thread, NoNewPrivs %s, groups %s (not frrvty/bird)"
          % (s["Uid"].split()[0], s["CapEff"], s["NoNewPrivs"], s["Groups"]))
    c = proc_status(child_of(pid))
    want = "%016x" % (1 << CAP_BITS["CAP_NET_ADMIN"])
    check(c["Uid"].split() == [str(uid)] * 4 and c["CapEff"] == c["CapPrm"] == want and c["NoNewPrivs"] == "1" and
          (not side or set(c["Groups"].split()) & side),
          "collector process: uid %s, CapEff %s CapPrm %s (CAP_NET_ADMIN alone), NoNewPrivs %s, groups %s"
          % (c["Uid"].split()[0], c["CapEff"], c["CapPrm"], c["NoNewPrivs"], c["Groups"]))


def kill_either(lab, tmp, svc, exec_start, env):
    """kill -9 of either process ends the service (non-zero) and the other one, at once."""
    for victim in ("collector", "view"):
        logp = os.path.join(tmp, "kill-%s.log" % victim)
        with open(logp, "w") as log:
            agent = subprocess.Popen(lab.ns + setpriv_argv(svc) + ["--"] + exec_start, stdout=log,
                                     stderr=subprocess.STDOUT, env=env, umask=int(svc["UMask"], 8))
        try:
            if not check(poll(lambda: "erreadyd running" in open(logp).read() or agent.poll() is not None, 60) and
                         agent.poll() is None, "started again for kill -9 of the %s process" % victim):
                continue
            coll = child_of(agent.pid)
            t0 = time.monotonic()
            os.kill(coll if victim == "collector" else agent.pid, signal.SIGKILL)
            if victim == "collector":
                try:
                    rc = agent.wait(5)
                except subprocess.TimeoutExpired:
                    rc = None
                dt = time.monotonic() - t0
                check(rc not in (None, 0) and dt < 2, "kill -9 of the collector: the service exits %s after %.3f s"
                      % (rc, dt))
            else:
                agent.wait(5)
                poll(lambda: not os.path.exists("/proc/%d" % coll) or
                     proc_status(coll).get("State", "").startswith("Z"), 5, 0.005)
                dt = time.monotonic() - t0
                gone = not os.path.exists("/proc/%d" % coll) or proc_status(coll).get("State", "").startswith("Z")
                check(gone and dt < 2, "kill -9 of the view process: the collector is gone after %.3f s" % dt)
        finally:
            stop(agent, 10)


def failures_now():
    import testlib
    return testlib.failures()


def purge():
    r = apt("purge", "erready")
    check(r.returncode == 0 and not installed(), "apt-get purge erready")
    left = [p for p, _, _ in FILES if os.path.lexists(p)] + [p for p in ("/run/erready",) if os.path.lexists(p)]
    check(not left, "nothing of the package is left after the purge (%s)" % left)
    info("the system user erready stays after the purge, as Debian's policy for system users wants")


def main():
    if os.geteuid() != 0:
        print("deb_install.py must run as root (it installs and purges the package)", file=sys.stderr)
        return 77
    if installed():
        print("erready is already installed here: not touching it", file=sys.stderr)
        return 77
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="erready-deb-")
    os.chmod(tmp, 0o755)
    lab = None
    done_install = False
    try:
        deb = build(tmp)
        if not deb:
            return summary(t0)
        r = apt("install", "./" + os.path.basename(deb), cwd=tmp)
        done_install = check(r.returncode == 0 and installed(), "apt-get install ./%s%s" % (
            os.path.basename(deb), "" if r.returncode == 0 else ": " + (r.stdout + r.stderr)[-1500:]))
        if not done_install:
            return summary(t0)
        check_files()
        check_unit()
        reinstall_keeps_config(deb)
        lab = Lab()
        run_installed(lab, tmp)
    finally:
        if lab:
            lab.down()
        if done_install or installed():
            purge()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
