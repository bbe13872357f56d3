#!/usr/bin/python3
"""Integration test: a NETCONF client that stops reading delays nobody else.

erreadyd on a synthetic 1000-session configuration (tests/bench/gen_synthetic.py,
--observed), NETCONF on a UNIX socket. Client A asks for the whole state
(a 4.9 MB reply) five times and never reads: its session's thread blocks
writing. Meanwhile client B's requests (filtered and full gets, an edit and
a commit) and a new session must be served as usual; A's session must not
hold the agent lock, and erreadyd must still stop cleanly.
Then SSH: clients that open a TCP connection and never speak hold their
connection threads in the handshake (up to the 10 s auth timeout); a real
SSH login behind eight of them must still get in at once.
Usage: netconf_stall.py ERREADYD
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, poll  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
READINESS = ('<get><filter type="subtree"><expressroute xmlns="%s"><readiness><readiness/></readiness>'
             '</expressroute></filter></get>' % ER_NS)


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-ncstall-")
    agent = None
    stalled = None
    try:
        subprocess.run([sys.executable, os.path.join(SRC, "tests/bench/gen_synthetic.py"), "1000", d],
                       check=True, stdout=subprocess.DEVNULL)
        sock = os.path.join(d, "nc.sock")
        key = os.path.join(d, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        port = free_tcp_port()
        cfgp = os.path.join(d, "erready.json")
        cfg = json.load(open(cfgp))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "snmp": {"enabled": False},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0600"},
                        "user": [{"name": "admin", "authorized-key": [open(key + ".pub").read().strip()]}]}})
        json.dump(cfg, open(cfgp, "w"))
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", os.path.join(d, "observed.json"),
                                  "--state-dir", os.path.join(d, "state")], stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 60), "UNIX socket appears")
        b = nclib.RawUnixNetconf(sock, timeout=30, base11=True)
        base = []
        for i in range(10):
            t = time.monotonic()
            b.rpc(READINESS, message_id="b%d" % i)
            base.append(time.monotonic() - t)

        # A: five full gets, never read
        stalled = nclib.RawUnixNetconf(sock, timeout=30, base11=True)
        for i in range(5):
            stalled.send('<rpc xmlns="%s" message-id="a%d"><get/></rpc>' % (NC_NS, i))
        time.sleep(1.0)  # A's thread is now blocked writing its first reply

        during = []
        for i in range(20):
            t = time.monotonic()
            r = b.rpc(READINESS, message_id="c%d" % i)
            during.append(time.monotonic() - t)
        check(b"<readiness>" in r, "B's filtered get answered while A stalls")
        print("info filtered get: median %.1f ms before A stalled, %.1f ms (max %.1f ms) while it stalls"
              % (statistics.median(base) * 1000, statistics.median(during) * 1000, max(during) * 1000))
        check(max(during) < 2.0, "no filtered get of B waits on A (max %.0f ms)" % (max(during) * 1000))
        t = time.monotonic()
        r = b.rpc("<get/>", message_id="full", timeout=60)
        check(r.count(b"<bgp-session>") == 1000, "B's full get: 1000 sessions in %.0f ms while A stalls"
              % ((time.monotonic() - t) * 1000))
        edit = ('<edit-config><target><candidate/></target><config><expressroute xmlns="%s"><circuit>'
                '<name>erbench-00007</name><maintenance>true</maintenance></circuit></expressroute></config>'
                '</edit-config>' % ER_NS)
        ok = b"<ok/>" in b.rpc(edit, message_id="e") and b"<ok/>" in b.rpc("<commit/>", message_id="c")
        check(ok, "B's edit-config and commit while A stalls")
        c = nclib.connect_unix(sock, timeout=10)
        check(c is not None and "erbench-00007" in c.get_config("running", filter=(
            "subtree", '<expressroute xmlns="%s"><circuit><name>erbench-00007</name><maintenance/></circuit>'
            '</expressroute>' % ER_NS)).xml, "a new session opens and reads the commit while A stalls")
        nclib.close_quietly(c)
        b.close()

        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        time.sleep(0.3)
        t = time.monotonic()
        m = nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key, timeout=30))
        took = time.monotonic() - t
        check(m is not None and took < 5.0, "an SSH login behind 8 silent TCP clients gets in (%.2f s; they hold "
              "their handshakes for 10 s)" % took)
        nclib.close_quietly(m)
        for x in silent:
            x.close()
    finally:
        if stalled:
            stalled.close()
        if agent:
            rc = nclib.stop(agent, 20)
            check(rc == 0, "erreadyd stops cleanly with a stalled client (exit %s)" % rc)
        logp = os.path.join(d, "erreadyd.log")
        nclib.log_tail_on_failure(logp, 5000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
