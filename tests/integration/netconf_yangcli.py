#!/usr/bin/python3
"""Integration test: erreadyd's NETCONF server driven by yangcli (yuma123 2.13).

erreadyd runs on a host-state snapshot (--observed) with NETCONF over SSH on
a free loopback port (an ed25519 user key made for the run) and over a UNIX
socket, which ncclient uses to check what yangcli changed.  yangcli runs in
batch mode through nclib.yangcli_run; it exits 0 whatever happens, so every
check reads its output (the reply blocks "RPC Data|OK|Error Reply N").
  - one session: get-config (the circuit is there), get with an XPath filter
    (xget), merge of agent/poll-interval on running, evaluate-now;
  - ncclient sees the new poll-interval in running;
  - an out-of-range poll-interval is refused by erreadyd with an rpc-error
    (invalid-value) shown by yangcli, and running keeps its value.  yangcli
    checks ranges itself before sending a merge, so the bad value goes as
    edit-config config=@FILE, whose content it does not validate.
Usage: netconf_yangcli.py ERREADYD
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, poll, try_ as _try  # noqa: E402

ER_NS = nclib.ERR_NS
MODULE = "expressroute-readiness"
CIRCUIT = "er-ams-1"  # the circuit of examples/erready.json


REPLY = re.compile(r"^RPC (Data|OK|Error) Reply \d+ for session \d+:\s*$", re.M)


def replies(out):
    """[(kind, text)] of yangcli's reply blocks, in order; kind Data, OK or Error.
    A block runs to the next block or to a line yangcli prints between commands."""
    marks = list(REPLY.finditer(out))
    blocks = []
    for i, mk in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(out)
        text = out[mk.end():end]
        stop = re.search(r"^(Script '|ses: |mgr_|Error: )", text, re.M)
        blocks.append((mk.group(1), text[:stop.start()] if stop else text))
    return blocks


def show(out, lines=40):
    tail = out.strip().splitlines()[-lines:]
    print("    | " + "\n    | ".join(tail))


def running_poll_interval(sock):
    m = nclib.connect_unix(sock)
    try:
        r = m.get_config("running", filter=("subtree", '<expressroute xmlns="%s"><agent><poll-interval/>'
                                            '</agent></expressroute>' % ER_NS))
        v = re.search(r"<poll-interval>(\d+)</poll-interval>", r.xml)
        return int(v.group(1)) if v else None
    finally:
        nclib.close_quietly(m)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-yc-")
    agent = None
    t_start = time.monotonic()
    try:
        key = os.path.join(d, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        port = free_tcp_port()
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests", "data", "observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples", "erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0600"},
                        "user": [{"name": "admin", "authorized-key": [open(key + ".pub").read().strip()]}]}})
        with open(cfgp, "w") as f:
            json.dump(cfg, f, indent=1)
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        if not check(poll(lambda: os.path.exists(sock), 10), "erreadyd serves NETCONF"):
            return 1
        # The SSH listener comes up with the UNIX one; make sure it takes a session before yangcli runs.
        m = poll(lambda: _try(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key)), 10, 0.2)
        check(m is not None, "SSH endpoint on 127.0.0.1:%d answers" % port)
        if m is not None:
            nclib.close_quietly(m)
        modpath = os.path.join(SRC, "yang")

        def yangcli(commands, extra=()):
            t0 = time.monotonic()
            rc, out = nclib.yangcli_run("127.0.0.1", port, "admin", key + ".pub", key, commands,
                                        modpath=modpath, modules=[MODULE], timeout=60, extra_args=extra)
            print("     yangcli %s: %.2f s" % ("; ".join(c.split()[0] for c in commands), time.monotonic() - t0))
            return rc, out

        # One session: read, filter, edit running, run the module's RPC.
        rc, out = yangcli(["get-config source=running",
                           "xget /expressroute/readiness/checks-fail",
                           "merge /expressroute/agent/poll-interval value=120",
                           "evaluate-now",
                           "close-session"], extra=["--force-target=running"])
        ok = check(rc == 0 and nclib.yangcli_session_ok(out), "yangcli: NETCONF session over SSH (rc %s)" % rc)
        check("load OK" in out and "Error: " + MODULE not in out,
              "yangcli loaded %s from --modpath" % MODULE)
        blocks = replies(out)
        if not check(ok and len(blocks) >= 4, "yangcli: a reply for each of the 4 RPCs (%d)" % len(blocks)):
            show(out)
        blocks += [("none", "")] * (4 - len(blocks))
        kind, text = blocks[0]
        check(kind == "Data" and "<name>%s</name>" % CIRCUIT in text and "<poll-interval>300</poll-interval>" in text
              and "<readiness>" not in text,
              "get-config running: circuit %s and the agent settings, no state data" % CIRCUIT)
        kind, text = blocks[1]
        check(kind == "Data" and re.search(r"<checks-fail>0</checks-fail>", text) and "<checks-pass>" not in text
              and "<circuit>" not in text and "<agent>" not in text,
              "get with an XPath filter (xget): only readiness/checks-fail")
        kind, text = blocks[2]
        check(kind == "OK", "merge of agent/poll-interval 120 on running: <ok/> (%s)" % kind)
        check(running_poll_interval(sock) == 120, "ncclient (UNIX socket) sees poll-interval 120 in running")
        kind, text = blocks[3]
        m = re.search(r"<checks-pass[^>]*>(\d+)</checks-pass>", text)
        check(kind == "Data" and re.search(r"<readiness[^>]*>ready</readiness>", text) and m and int(m.group(1)) > 0
              and "<last-evaluation" in text,
              "evaluate-now: readiness ready, %s checks pass" % (m.group(1) if m else "?"))

        # Refused edit: out of range (poll-interval is 5..86400), checked by erreadyd.
        bad = os.path.join(d, "bad-edit.xml")
        with open(bad, "w") as f:
            f.write('<expressroute xmlns="%s"><agent><poll-interval>1</poll-interval></agent></expressroute>\n' % ER_NS)
        rc, out = yangcli(["edit-config target=running config=@%s" % bad, "close-session"])
        blocks = replies(out)
        errs = [t for k, t in blocks if k == "Error"]
        ok = check(nclib.yangcli_session_ok(out) and len(errs) == 1 and "<rpc-error>" in errs[0],
                   "out-of-range edit: yangcli shows an rpc-error")
        if ok:
            e = errs[0]
            check("<error-tag>invalid-value</error-tag>" in e and "<error-type>application</error-type>" in e
                  and "poll-interval" in e, "  error-tag invalid-value, error-type application, names poll-interval")
        else:
            show(out)
        check("canceled" in out, "yangcli cancels the rest of its script after the rpc-error")
        check(running_poll_interval(sock) == 120, "running keeps poll-interval 120 after the refused edit")
        if "invalid XPath expression" in out:
            print("     note: yangcli cannot parse the error-path (module-name prefix without xmlns)")

        # Out of the box: no --modpath, no --module. erreadyd's yang-library:1.0
        # capability makes yangcli read /modules-state and fetch the module with
        # get-schema, so path commands work as on any device.
        t0 = time.monotonic()
        rc, out = nclib.yangcli_run("127.0.0.1", port, "admin", key + ".pub", key,
                                    ["sget /expressroute/readiness/readiness",
                                     "merge /expressroute/agent/poll-interval value=90",
                                     "commit",
                                     "xget /expressroute/agent/poll-interval",
                                     "close-session"], timeout=60)
        print("     yangcli without --modpath/--module: %.2f s" % (time.monotonic() - t0))
        blocks = replies(out)
        ok = check(rc == 0 and nclib.yangcli_session_ok(out) and "Getting yang-library module set" in out,
                   "yangcli without --module/--modpath reads erreadyd's yang library")
        ok = check(ok and len(blocks) >= 4 and [k for k, _ in blocks[:4]] == ["Data", "OK", "OK", "Data"],
                   "  sget, merge, commit, xget by path: %s" % [k for k, _ in blocks[:4]]) and ok
        if ok:
            check('xmlns="%s"' % ER_NS in blocks[0][1] and re.search(r"<readiness>(ready|degraded|not-ready|unknown)"
                                                                      r"</readiness>", blocks[0][1]),
                  "  the readiness in the module's namespace (the module was loaded with get-schema)")
            check("<poll-interval>90</poll-interval>" in blocks[3][1], "  the committed poll-interval reads 90")
        else:
            show(out)
        check(running_poll_interval(sock) == 90, "ncclient sees poll-interval 90 in running")
    finally:
        # Stop and clean up first: nothing printed here may keep the temp dir.
        rc = None
        if agent:
            rc = nclib.stop(agent, 15)
        logp = os.path.join(d, "erreadyd.log")
        logtext = open(logp, errors="replace").read() if os.path.exists(logp) else ""
        shutil.rmtree(d, ignore_errors=True)
        if agent:
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        if nclib.failures():
            sys.stdout.write(logtext)
    return nclib.summary(t_start)


if __name__ == "__main__":
    sys.exit(main())
