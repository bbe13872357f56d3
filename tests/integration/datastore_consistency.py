#!/usr/bin/python3
"""Integration test: one rule for every writer while a NETCONF confirmed
commit is pending (issue 16, "Datastore consistency across views").

The rule: until the confirmed commit is confirmed, cancelled or rolled
back, running and startup (the config file) change only through it. SNMP
SETs are refused with resourceUnavailable, NETCONF edit-config/copy-config
of running or startup with in-use, SIGHUP reloads with a log line; so the
rollback, which restores the config from before the confirmed commit (RFC
6241 8.4.1), never undoes an acknowledged edit, and no restart can bring
back an unconfirmed one from the file.

erreadyd on a host-state snapshot, NETCONF on a UNIX socket (ncclient), the
embedded SNMP master on loopback (net-snmp's snmpset/snmpget, v3 authPriv).
At each step the test reads running over NETCONF, erPollInterval.0 over
SNMP, and agent/poll-interval in the file. The file starts at 300.
Usage: datastore_consistency.py ERREADYD
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_udp_port, poll  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
CFG = ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><expressroute xmlns="%s"><agent>'
       '<poll-interval>%%d</poll-interval></agent></expressroute></config>' % ER_NS)
EDIT_CAND = '<edit-config><target><candidate/></target>' + CFG + '</edit-config>'
EDIT_RUN = '<edit-config><target><running/></target>' + CFG + '</edit-config>'
POLL = '<expressroute xmlns="%s"><agent><poll-interval/></agent></expressroute>' % ER_NS
SNMP_V3 = ["-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A", "auth-pass-123", "-x", "AES",
           "-X", "priv-pass-123", "-On", "-t", "2", "-r", "0"]
POLL_OID = ".1.3.6.1.4.1.8072.9999.9999.1.2.1.0"  # erPollInterval.0
PENDING = "a confirmed commit is pending"


class Agent(object):
    def __init__(self, erreadyd, d):
        self.cfgp = os.path.join(d, "erready.json")
        self.cmd = [erreadyd, "-c", self.cfgp, "--observed", os.path.join(d, "observed.json"),
                    "--state-dir", os.path.join(d, "state")]
        self.sock = os.path.join(d, "nc.sock")
        self.ccp = os.path.join(d, "state", "confirmed-commit")
        self.logp = os.path.join(d, "erreadyd.log")
        self.proc = None

    def start(self):
        log = open(self.logp, "a")
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        ok = poll(lambda: nclib.try_(lambda: nclib.connect_unix(self.sock)), 30, 0.1)
        if ok:
            nclib.close_quietly(ok)
        return bool(ok)

    def stop(self):
        rc = nclib.stop(self.proc, 20) if self.proc else None
        self.proc = None
        return rc

    def file_value(self):
        return json.load(open(self.cfgp))["expressroute-readiness:expressroute"]["agent"]["poll-interval"]

    def log(self):
        return open(self.logp, errors="replace").read()


def running(m):
    x = m.get_config("running", filter=("subtree", POLL)).xml
    i = x.find("<poll-interval>")
    return int(x[i + 15:x.index("<", i + 15)]) if i >= 0 else None


def snmpget(port):
    r = subprocess.run(["snmpget"] + SNMP_V3 + ["127.0.0.1:%d" % port, POLL_OID],
                       capture_output=True, text=True, timeout=30)
    out = r.stdout.strip()
    return int(out.rsplit(" ", 1)[1]) if r.returncode == 0 and "Gauge32:" in out else None


def snmpset(port, value):
    r = subprocess.run(["snmpset"] + SNMP_V3 + ["127.0.0.1:%d" % port, POLL_OID, "u", str(value)],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, (r.stdout + r.stderr).strip().replace("\n", " | ")[:200]


def err(reply):
    e = nclib.errors(reply)
    return (e[0].get("error-tag"), e[0].get("error-message") or "") if e else (None, "")


def views(agent, m, port, want, what):
    """running (NETCONF), erPollInterval.0 (SNMP, after the re-evaluation) and the file, at one step."""
    r = running(m)
    s = poll(lambda: snmpget(port) == want, 5, 0.05)
    f = agent.file_value()
    check(r == want and s and f == want,
          "%s: running %s, SNMP %s, file %s (want %d)" % (what, r, snmpget(port), f, want))


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-dscons-")
    agent = Agent(erreadyd, d)
    try:
        port = free_udp_port()
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), os.path.join(d, "observed.json"))
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300,
            "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:%d" % port],
                     "user": [{"name": "nms", "auth-protocol": "sha-256", "auth-key": "auth-pass-123",
                               "priv-protocol": "aes", "priv-key": "priv-pass-123", "access": "read-write"}]},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": agent.sock, "mode": "0600"}}})
        json.dump(cfg, open(agent.cfgp, "w"), indent=1)
        check(agent.start(), "erreadyd serves NETCONF and SNMP")
        a = nclib.connect_unix(agent.sock)
        b = nclib.connect_unix(agent.sock)
        views(agent, b, port, 300, "at start")

        # A confirmed commit with persist; a commit does not write the file (startup).
        check(not nclib.errors(nclib.rpc(a, EDIT_CAND % 120)) and
              not nclib.errors(nclib.rpc(a, '<commit><confirmed/><confirm-timeout>12</confirm-timeout>'
                                            '<persist>p1</persist></commit>')),
              "confirmed commit of 120 with persist p1, 12 s to confirm")
        t_commit = time.monotonic()
        r, f = running(b), agent.file_value()
        check(r == 120 and poll(lambda: snmpget(port) == 120, 5, 0.05) and f == 300,
              "pending: running and SNMP read 120, the file keeps 300 (%s, %s)" % (r, f))

        # Every other writer is refused while it is pending.
        rc, out = snmpset(port, 90)
        check(rc != 0 and "resourceUnavailable" in out, "SNMP SET refused with resourceUnavailable: %s" % out)
        check("snmp set refused: a NETCONF confirmed commit is pending" in agent.log(), "the log says why")
        tg, msg = err(nclib.rpc(b, EDIT_RUN % 95))
        check(tg == "in-use" and "edit-config of running: " + PENDING in msg,
              "edit-config of running from another session: in-use, %r" % msg)
        tg, msg = err(nclib.rpc(a, EDIT_RUN % 96))
        check(tg == "in-use" and PENDING in msg, "and from the committing session too: %s" % tg)
        tg, msg = err(nclib.rpc(b, '<copy-config><target><startup/></target><source><running/></source>'
                                   '</copy-config>'))
        check(tg == "in-use" and "copy-config to startup: " + PENDING in msg,
              "copy-config running -> startup: in-use, %r" % msg)
        check(not nclib.errors(nclib.rpc(b, '<edit-config><target><running/></target><test-option>test-only'
                                            '</test-option>' + CFG % 97 + '</edit-config>')),
              "a test-only edit-config of running changes nothing and is answered")
        os.kill(agent.proc.pid, signal.SIGHUP)
        check(poll(lambda: "SIGHUP: configuration not reloaded, the running one stays: a NETCONF confirmed "
                           "commit is pending" in agent.log(), 5, 0.05), "SIGHUP refused, logged")
        r, f = running(b), agent.file_value()
        check(r == 120 and snmpget(port) == 120 and f == 300,
              "after the refused writers: running and SNMP 120, file 300 (%s, %s)" % (r, f))

        # A restart inside the window: persist restores the pending commit, the file is unchanged.
        nclib.close_quietly(a)
        nclib.close_quietly(b)
        check(agent.stop() == 0 and os.path.exists(agent.ccp), "erreadyd stops with the commit pending (kept)")
        check(agent.start(), "erreadyd starts again inside the window")
        m = nclib.connect_unix(agent.sock)
        r, f = running(m), agent.file_value()
        check(r == 120 and poll(lambda: snmpget(port) == 120, 5, 0.05) and f == 300,
              "after the restart: running and SNMP 120 (restored), file 300 (%s, %s)" % (r, f))
        rc, out = snmpset(port, 91)
        check(rc != 0 and "resourceUnavailable" in out, "SNMP SET still refused after the restart: %s" % out)
        check(time.monotonic() - t_commit < 12, "all of this inside the 12 s window (%.1f s)"
              % (time.monotonic() - t_commit))

        # The timeout: running rolls back to the config from before the commit, which is the file's.
        check(poll(lambda: running(m) == 300, 20, 0.2), "confirm-timeout passed: running rolled back")
        views(agent, m, port, 300, "after the rollback")
        check(not os.path.exists(agent.ccp), "nothing pending is kept")
        rc, out = snmpset(port, 90)
        check(rc == 0, "SNMP SET accepted once nothing is pending: %s" % out)
        views(agent, m, port, 90, "after the SET")
        nclib.close_quietly(m)

        # A restart after the rollback brings back exactly what was acknowledged.
        check(agent.stop() == 0, "erreadyd stops")
        check(agent.start(), "erreadyd starts after the rollback")
        m = nclib.connect_unix(agent.sock)
        views(agent, m, port, 90, "after the restart")

        # Without persist: the same rule; cancel-commit restores the SET value, SETs work again.
        check(not nclib.errors(nclib.rpc(m, EDIT_CAND % 130)) and
              not nclib.errors(nclib.rpc(m, "<commit><confirmed/></commit>")), "confirmed commit of 130")
        rc, out = snmpset(port, 92)
        check(rc != 0 and "resourceUnavailable" in out, "SNMP SET refused: %s" % out)
        check(not nclib.errors(nclib.rpc(m, "<cancel-commit/>")), "cancel-commit")
        views(agent, m, port, 90, "after cancel-commit")
        rc, out = snmpset(port, 93)
        check(rc == 0, "SNMP SET accepted again: %s" % out)
        views(agent, m, port, 93, "after that SET")

        # A confirmed commit that is confirmed: running has it, the file keeps the last SET until a
        # copy-config to startup (or the next SET) writes it; SETs work again.
        check(not nclib.errors(nclib.rpc(m, EDIT_CAND % 140)) and
              not nclib.errors(nclib.rpc(m, "<commit><confirmed/></commit>")) and
              not nclib.errors(nclib.rpc(m, "<commit/>")), "confirmed commit of 140, confirmed")
        check(running(m) == 140 and agent.file_value() == 93, "running 140, file 93 (startup not written)")
        rc, out = snmpset(port, 94)
        check(rc == 0, "SNMP SET accepted after the confirmation: %s" % out)
        views(agent, m, port, 94, "after that SET")

        # Without persist, a restart inside the window rolls back at start: to the file's value,
        # since no SET could be saved meanwhile.
        check(not nclib.errors(nclib.rpc(m, EDIT_CAND % 150)) and
              not nclib.errors(nclib.rpc(m, "<commit><confirmed/></commit>")), "confirmed commit of 150")
        rc, out = snmpset(port, 95)
        check(rc != 0 and "resourceUnavailable" in out, "SNMP SET refused: %s" % out)
        nclib.close_quietly(m)
        check(agent.stop() == 0, "erreadyd stops inside the window")
        check(agent.start(), "erreadyd starts again")
        m = nclib.connect_unix(agent.sock)
        views(agent, m, port, 94, "session-bound commit rolled back at start")
        check(not os.path.exists(agent.ccp), "nothing pending is kept")
        nclib.close_quietly(m)
    finally:
        rc = agent.stop()
        if rc is not None:
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        nclib.log_tail_on_failure(agent.logp, 6000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
