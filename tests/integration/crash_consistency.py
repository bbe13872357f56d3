#!/usr/bin/python3
"""Integration test: kill -9 against saves of the config file (issue 16).

Each round starts erreadyd (NETCONF on a UNIX socket, config file erready.json),
makes one edit and saves it (edit-config running, copy-config running ->
startup) and waits for the reply: that edit is acknowledged. It then sends
the next edit and save without waiting and kills erreadyd with SIGKILL after
a random 0-20 ms, so some kills land in the middle of a save. After every
kill:

- the config file is whole, valid JSON, and holds the acknowledged edit (or
  the one in flight, if its save finished);
- every temporary file left beside it (FILE.tmp.XXXXXX) is readable by its
  owner only;
and after every restart no temporary file is left.

Usage: crash_consistency.py ERREADYD [ROUNDS]   (default 100)
"""
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from testlib import check, info, poll  # noqa: E402

NC_NS = nclib.NC_NS
ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"


def edit_and_save(c, value, mid):
    c.send('<rpc xmlns="%s" message-id="%s-e"><edit-config><target><running/></target><config>'
           '<expressroute xmlns="%s"><agent><poll-interval>%d</poll-interval></agent></expressroute>'
           '</config></edit-config></rpc>' % (NC_NS, mid, ER_NS, value))
    c.send('<rpc xmlns="%s" message-id="%s-s"><copy-config><target><startup/></target><source><running/>'
           '</source></copy-config></rpc>' % (NC_NS, mid))


def temp_files(d):
    return [os.path.join(d, n) for n in os.listdir(d) if n.startswith("erready.json.tmp.")]


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    t0 = time.monotonic()
    d = tempfile.mkdtemp(prefix="erready-crash-")
    os.chmod(d, 0o755)  # others may list it: what matters is that they cannot read a temp file
    agent = None
    logp = os.path.join(d, "erreadyd.log")
    bad = {"invalid": 0, "lost": 0, "readable": 0, "left": 0, "start": 0}
    temps_seen = mid_save = 0
    rng = random.Random(16)
    try:
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": sock, "mode": "0600"}}})
        with open(cfgp, "w") as f:
            json.dump(cfg, f, indent=1)
        os.chmod(cfgp, 0o600)
        log = open(logp, "w")
        for i in range(rounds):
            if os.path.exists(sock):
                os.unlink(sock)
            agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir",
                                      os.path.join(d, "state")], stdout=log, stderr=subprocess.STDOUT)
            if not poll(lambda: os.path.exists(sock) or agent.poll() is not None, 20) or agent.poll() is not None:
                bad["start"] += 1
                check(False, "round %d: erreadyd starts (exit %s)" % (i, agent.poll()))
                break
            if temp_files(d):
                bad["left"] += 1
                info("round %d: temporary files after the start: %s" % (i, temp_files(d)))
            acked, inflight = 1000 + 2 * i, 1001 + 2 * i
            c = nclib.RawUnixNetconf(sock, timeout=20)
            edit_and_save(c, acked, "a%d" % i)
            r1, r2 = c.recv(), c.recv()
            if b"<ok/>" not in r1 or b"<ok/>" not in r2:
                check(False, "round %d: edit and save acknowledged (%s %s)" % (i, r1[:200], r2[:200]))
                break
            edit_and_save(c, inflight, "b%d" % i)
            time.sleep(rng.uniform(0, 0.02))
            agent.send_signal(signal.SIGKILL)
            agent.wait()
            agent = None
            c.close()
            temps = temp_files(d)
            temps_seen += len(temps)
            mid_save += bool(temps)
            for t in temps:
                if stat.S_IMODE(os.stat(t).st_mode) & 0o077:
                    bad["readable"] += 1
                    info("round %d: %s has mode %o" % (i, t, stat.S_IMODE(os.stat(t).st_mode)))
            try:
                saved = json.load(open(cfgp))
                v = saved["expressroute-readiness:expressroute"]["agent"]["poll-interval"]
            except (ValueError, KeyError) as x:
                bad["invalid"] += 1
                info("round %d: config file not valid: %s" % (i, x))
                continue
            if v not in (acked, inflight):
                bad["lost"] += 1
                info("round %d: poll-interval %s after the kill, acknowledged %d" % (i, v, acked))
        n = rounds
        check(bad["start"] == 0, "erreadyd started every round")
        check(bad["invalid"] == 0, "%d kills: the config file was valid after every one (%d not)" % (n, bad["invalid"]))
        check(bad["lost"] == 0, "%d kills: every acknowledged edit was in it (%d lost)" % (n, bad["lost"]))
        check(bad["readable"] == 0, "%d kills: no temporary file readable by others (%d were)" % (n, bad["readable"]))
        check(bad["left"] == 0, "%d restarts: no temporary file left after the start (%d had)" % (n, bad["left"]))
        info("%d of %d kills left a temporary file (%d files), each removed at the next start"
             % (mid_save, n, temps_seen))
    finally:
        if agent:
            nclib.stop(agent, 10)
        nclib.log_tail_on_failure(logp, 20000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary(t0)


if __name__ == "__main__":
    sys.exit(main())
