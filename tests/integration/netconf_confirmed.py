#!/usr/bin/python3
"""Integration test: confirmed commit with persist, persist-id and
cancel-commit (RFC 6241 8.4), also across a restart of erreadyd.

erreadyd on a host-state snapshot, NETCONF on a UNIX socket only; every
check reads running back with ncclient (agent/poll-interval is the value
edited: 300 in the config file).
Usage: netconf_confirmed.py ERREADYD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, poll  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
EDIT = ('<edit-config><target><candidate/></target><config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
        '<expressroute xmlns="%s"><agent><poll-interval>%%d</poll-interval></agent></expressroute></config>'
        '</edit-config>' % ER_NS)
POLL = ('<expressroute xmlns="%s"><agent><poll-interval/></agent></expressroute>' % ER_NS)


class Agent(object):
    def __init__(self, erreadyd, d):
        self.cmd = [erreadyd, "-c", os.path.join(d, "erready.json"), "--observed", os.path.join(d, "observed.json"),
                    "--state-dir", os.path.join(d, "state")]
        self.sock = os.path.join(d, "nc.sock")
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


def running(m):
    r = m.get_config("running", filter=("subtree", POLL))
    x = r.xml
    i = x.find("<poll-interval>")
    return int(x[i + 15:x.index("<", i + 15)]) if i >= 0 else None


def ok(reply):
    return not nclib.errors(reply)


def tag(reply):
    e = nclib.errors(reply)
    return e[0].get("error-tag") if e else None


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-nccc-")
    agent = Agent(erreadyd, d)
    try:
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), os.path.join(d, "observed.json"))
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": agent.sock, "mode": "0600"}}})
        json.dump(cfg, open(os.path.join(d, "erready.json"), "w"))
        check(agent.start(), "erreadyd serves NETCONF")
        a = nclib.connect_unix(agent.sock)
        b = nclib.connect_unix(agent.sock)

        # persist: another session confirms or cancels with the persist-id
        check(ok(nclib.rpc(a, EDIT % 120)) and ok(nclib.rpc(a, '<commit><confirmed/><confirm-timeout>120'
                                                           '</confirm-timeout><persist>p1</persist></commit>')),
              "confirmed commit with persist p1")
        check(running(b) == 120, "running has the confirmed commit's value")
        r = nclib.rpc(b, "<commit><persist-id>wrong</persist-id></commit>")
        check(tag(r) == "invalid-value" and running(b) == 120, "a commit with the wrong persist-id: invalid-value (%s)"
              % tag(r))
        r = nclib.rpc(b, "<cancel-commit><persist-id>wrong</persist-id></cancel-commit>")
        check(tag(r) == "invalid-value", "cancel-commit with the wrong persist-id: invalid-value (%s)" % tag(r))
        r = nclib.rpc(b, "<cancel-commit><persist-id>p1</persist-id></cancel-commit>")
        check(ok(r) and running(b) == 300, "cancel-commit with persist-id p1 from another session rolls back")
        r = nclib.rpc(b, "<cancel-commit/>")
        check(bool(nclib.errors(r)), "cancel-commit with nothing pending: rpc-error (%s)" % tag(r))

        # without persist: only the same session confirms; its end rolls back
        check(ok(nclib.rpc(a, EDIT % 130)) and ok(nclib.rpc(a, "<commit><confirmed/></commit>")),
              "confirmed commit without persist")
        r = nclib.rpc(b, "<commit/>")
        check(tag(r) == "in-use", "another session cannot confirm it: in-use (%s)" % tag(r))
        nclib.close_quietly(a)
        check(poll(lambda: running(b) == 300, 5, 0.1), "the session that made it ended: rolled back")

        # persist survives the session and a restart; then it is confirmed
        c = nclib.connect_unix(agent.sock)
        check(ok(nclib.rpc(c, EDIT % 140)) and ok(nclib.rpc(c, '<commit><confirmed/><confirm-timeout>120'
                                                           '</confirm-timeout><persist>p2</persist></commit>')),
              "confirmed commit with persist p2")
        nclib.close_quietly(c)
        nclib.close_quietly(b)
        check(agent.stop() == 0, "erreadyd stops with a confirmed commit pending")
        check(os.path.exists(os.path.join(d, "state", "confirmed-commit")), "the pending commit is in the state dir")
        check(agent.start(), "erreadyd starts again")
        m = nclib.connect_unix(agent.sock)
        check(running(m) == 140, "after the restart running still has the pending commit (persist)")
        r = nclib.rpc(m, "<commit><persist-id>p2</persist-id></commit>")
        check(ok(r) and running(m) == 140, "a new session confirms it with persist-id p2")
        check(not os.path.exists(os.path.join(d, "state", "confirmed-commit")), "nothing pending is kept once confirmed")

        # a timeout that passes while erreadyd is down rolls back at the next start
        check(ok(nclib.rpc(m, EDIT % 150)) and ok(nclib.rpc(m, '<commit><confirmed/><confirm-timeout>2'
                                                           '</confirm-timeout><persist>p3</persist></commit>')),
              "confirmed commit with persist p3 and a 2 s timeout")
        nclib.close_quietly(m)
        check(agent.stop() == 0, "erreadyd stops before the timeout")
        time.sleep(3)
        check(agent.start(), "erreadyd starts after the timeout has passed")
        m = nclib.connect_unix(agent.sock)
        check(running(m) == 140, "rolled back at start: the timeout passed while erreadyd was down")

        # a session-bound one does not survive a restart either: its session is still open when
        # erreadyd stops (closed first, the rollback would be seen live; both end the same way)
        check(ok(nclib.rpc(m, EDIT % 160)) and ok(nclib.rpc(m, "<commit><confirmed/></commit>")),
              "confirmed commit without persist")
        check(not os.path.exists(os.path.join(d, "state", "confirmed-commit")),
              "a commit without persist keeps nothing in the state dir (it ends with its session)")
        check(agent.stop() == 0, "erreadyd stops with the session still open")
        nclib.close_quietly(m)
        check(agent.start(), "erreadyd starts again")
        m = nclib.connect_unix(agent.sock)
        # running is not kept across a restart (startup loads at boot): what matters is that the
        # session-bound commit left nothing to restore
        check(running(m) == 300 and not os.path.exists(os.path.join(d, "state", "confirmed-commit")),
              "its session ended with erreadyd: rolled back, nothing restored (running = startup, %s)" % running(m))
        startup = json.load(open(os.path.join(d, "erready.json")))
        check(startup["expressroute-readiness:expressroute"]["agent"]["poll-interval"] == 300,
              "startup was never touched by these commits")
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
