#!/usr/bin/python3
"""Integration test: SIGHUP reloads the config file of a running erreadyd,
and refuses a file without the module's data (empty, "{}", truncated):
the running configuration stays, the log says why. A good file after that
is still taken, so the refusal is not a reload that never happens.

Runs erreadyd on a host-state snapshot (--observed), SNMP off, NETCONF on a
UNIX socket in a temporary directory only (read back with get-config).
Usage: sighup_reload.py ERREADYD
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from testlib import check, failures, log_tail_on_failure, poll, stop, try_  # noqa: E402
from lxml import etree  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"


def running(sock):
    """(circuit names, poll-interval) of running, read over a fresh session."""
    m = nclib.connect_unix(sock)
    try:
        r = m.get_config(source="running")
        data = etree.fromstring(r.xml.encode() if isinstance(r.xml, str) else r.xml)
        ns = {"er": ER_NS}
        names = [e.text for e in data.iterfind(".//er:circuit/er:name", ns)]
        pi = data.find(".//er:agent/er:poll-interval", ns)
        return names, pi.text if pi is not None else None
    finally:
        nclib.close_quietly(m)


def log_has(path, text, start):
    with open(path, errors="replace") as f:
        f.seek(start)
        return text in f.read()


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-sighup-")
    agent = None
    logp = os.path.join(d, "erreadyd.log")
    try:
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": sock, "mode": "0600"}}})
        good = json.dumps(cfg, indent=1)
        with open(cfgp, "w") as f:
            f.write(good)
        log = open(logp, "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 10), "erreadyd up (UNIX socket appears)")
        check(try_(lambda: running(sock)) == (["er-ams-1"], "300"), "running: circuit er-ams-1, poll-interval 300")

        for name, text in (("empty file", ""), ("{}", "{}\n"), ('truncated {"broken":', '{"broken":'),
                           ("file cut after the module's member name", good[:42])):
            with open(cfgp, "w") as f:
                f.write(text)
            start = os.path.getsize(logp)
            agent.send_signal(signal.SIGHUP)
            check(poll(lambda: log_has(logp, "SIGHUP: configuration not reloaded, the running one stays: %s: no "
                                       "/expressroute-readiness:expressroute data" % cfgp, start), 10),
                  "%s: reload refused and logged" % name)
            check(agent.poll() is None, "%s: erreadyd still running" % name)
            check(try_(lambda: running(sock)) == (["er-ams-1"], "300"), "%s: running config kept" % name)

        cfg["expressroute-readiness:expressroute"]["agent"]["poll-interval"] = 600
        with open(cfgp, "w") as f:
            json.dump(cfg, f, indent=1)
        start = os.path.getsize(logp)
        agent.send_signal(signal.SIGHUP)
        check(poll(lambda: log_has(logp, "config changed by SIGHUP (reload of %s): replace "
                                         "/expressroute-readiness:expressroute/agent/poll-interval" % cfgp, start), 10),
              "good file: reloaded and logged")
        check(poll(lambda: try_(lambda: running(sock)) == (["er-ams-1"], "600"), 10),
              "good file: running has poll-interval 600")
    finally:
        if agent:
            rc = stop(agent)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        log_tail_on_failure(logp)
        shutil.rmtree(d, ignore_errors=True)
    print("%d failure(s)" % failures())
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
