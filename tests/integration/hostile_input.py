#!/usr/bin/python3
"""Integration test: erreadyd against oversized NETCONF messages and a
hostile or careless config path (issue 16).

One erreadyd (host state from --observed, NETCONF on a UNIX socket only),
its config file reached through a symbolic link, a stale temporary file
beside it at start:

- the stale FILE.tmp.XXXXXX is removed at start, and logged;
- max-message-size set to 12,000,000 bytes (above libxml2's own 10 MB
  limit): messages of limit - 1 and limit bytes are answered, limit + 1
  gets too-big with its message-id, in base:1.1 framing;
- max-buffered equal to it: while one session holds most of a message,
  another's message gets resource-denied; once the first has gone on, the
  second's passes;
- max-message-size changed to 1,000,000 by edit-config (it applies at
  once): the same at the new limit in base:1.0 and base:1.1 framing
  (libnetconf2 reads a base:1.0 message of 12 MB in about 7 s, a minute
  under ASan; chunks in 0.5 s);
- copy-config running -> startup through the link: the link stays a link,
  its target (mode 0600) holds the edit;
- an edit-config whose <config> holds "<r:t/><t/>" (an unbound prefix: libyang
  2.1.30, libnetconf2's parser, dereferences NULL on it) is answered
  malformed-message by the guard, and erreadyd lives on;
- SIGHUP with the config path a FIFO, then a link to /dev/zero: refused at
  once with a message naming it, the running config stays, and NETCONF
  answers meanwhile (the daemon never blocks on the path).

Usage: hostile_input.py ERREADYD
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from testlib import check, poll  # noqa: E402

NC_NS = nclib.NC_NS
ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
LIMIT = 12000000


def sized_rpc(mid, size):
    """An <rpc> <get/> of exactly size bytes (white space before </rpc>)."""
    head = ('<rpc xmlns="%s" message-id="%s"><get/>' % (NC_NS, mid)).encode()
    tail = b"</rpc>"
    return head + b" " * (size - len(head) - len(tail)) + tail


def tag_of(reply):
    r = reply.decode("utf-8", "replace")
    if "<rpc-error>" not in r:
        return "ok" if "<data" in r or "<ok/>" in r else "?"
    return r.split("<error-tag>")[1].split("</error-tag>")[0]


def test_sizes(sock, base11, limit):
    name = "%s, limit %d" % ("base:1.1" if base11 else "base:1.0", limit)
    c = nclib.RawUnixNetconf(sock, timeout=60, base11=base11)
    try:
        check(c.base11 == base11, "%s: framing as asked" % name)
        for mid, size, want in (("m1", limit - 1, "ok"), ("m2", limit, "ok"), ("m3", limit + 1, "too-big")):
            t0 = time.monotonic()
            c.send(sized_rpc(mid, size))
            r = c.recv(60)
            got = tag_of(r)
            ok = got == want and ('message-id="%s"' % mid).encode() in r
            if want == "too-big":
                ok = ok and b"<error-type>rpc</error-type>" in r and \
                    (b"message of %d bytes is larger than max-message-size (%d bytes)" % (size, limit)) in r
            check(ok, "%s: a message of limit%+d bytes: %s (got %s in %.1f s: %s)" % (
                name, size - limit, want, got, time.monotonic() - t0, r[:300]))
        # the session goes on after a dropped message
        r = c.rpc("<get/>", "m4")
        check(tag_of(r) == "ok", "%s: the session answers after the too-big message" % name)
    finally:
        c.close()


def test_budget(sock):
    a = nclib.RawUnixNetconf(sock, timeout=60, base11=True)
    b = nclib.RawUnixNetconf(sock, timeout=60, base11=True)
    try:
        msg = sized_rpc("a1", LIMIT - 1000)
        cut = LIMIT - 2000000
        a.send_raw(b"\n#%d\n" % len(msg) + msg[:cut])   # 10 MB held by a's guard, the message not finished
        time.sleep(0.5)
        b.send(sized_rpc("b1", 3000000))
        r = b.recv(60)
        check(tag_of(r) == "resource-denied" and b'message-id="b1"' in r,
              "max-buffered: a second session's 3 MB message while 10 MB are held: resource-denied (got %s)"
              % r[:300])
        a.send_raw(msg[cut:] + b"\n##\n")
        r = a.recv(60)
        check(tag_of(r) == "ok", "max-buffered: the first session's message completes")
        r = b.rpc("<get/>", "b2")
        check(tag_of(r) == "ok", "max-buffered: the second session's next message passes")
    finally:
        a.close()
        b.close()


def hup_and_answer(agent, sock, logp, cfg_link, what, want_log):
    """SIGHUP with the config path replaced by what; NETCONF must answer at once."""
    mark = os.path.getsize(logp)
    t0 = time.monotonic()
    agent.send_signal(signal.SIGHUP)
    logged = poll(lambda: want_log in open(logp).read()[mark:], 5)
    took = time.monotonic() - t0
    check(logged, "SIGHUP with the config path %s: refused, the log says \"%s\" (%.2f s)" % (what, want_log, took))
    check(took < 2, "SIGHUP with the config path %s: handled within 2 s (%.2f s)" % (what, took))
    c = nclib.RawUnixNetconf(sock, timeout=5)
    try:
        r = c.rpc('<get-config><source><running/></source></get-config>', "h1")
        check(tag_of(r) == "ok" and b"er-ams-1" in r, "after it NETCONF answers, the running config kept")
    finally:
        c.close()
    check(agent.poll() is None, "erreadyd still running")


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    t0 = time.monotonic()
    d = tempfile.mkdtemp(prefix="erready-hostile-")
    agent = None
    logp = os.path.join(d, "erreadyd.log")
    try:
        sock = os.path.join(d, "nc.sock")
        real_dir = os.path.join(d, "real")
        os.mkdir(real_dir, 0o700)
        real = os.path.join(real_dir, "erready.json")
        link = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": sock, "mode": "0600"},
                        "max-message-size": LIMIT, "max-buffered": LIMIT}})
        with open(real, "w") as f:
            json.dump(cfg, f, indent=1)
        os.symlink(os.path.relpath(real, d), link)
        stale = real + ".tmp.AbC123"
        with open(stale, "w") as f:
            f.write('{"md5-key": "a secret a killed save left"}')
        os.chmod(stale, 0o644)

        log = open(logp, "w")
        agent = subprocess.Popen([erreadyd, "-c", link, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 20), "UNIX socket appears")
        check(not os.path.exists(stale), "the stale temporary file is gone at start")
        check("removed %s" % stale in open(logp).read(), "its removal is logged")

        test_sizes(sock, True, LIMIT)
        test_budget(sock)
        c = nclib.RawUnixNetconf(sock, timeout=10)
        try:
            r = c.rpc('<edit-config><target><running/></target><config><expressroute xmlns="%s"><agent><netconf>'
                      '<max-message-size>1000000</max-message-size></netconf></agent></expressroute></config>'
                      '</edit-config>' % ER_NS, "l1")
            check(tag_of(r) == "ok", "edit-config max-message-size 1000000")
        finally:
            c.close()
        test_sizes(sock, False, 1000000)
        test_sizes(sock, True, 1000000)

        # XML that crashes libyang's parser never reaches libnetconf2
        c = nclib.RawUnixNetconf(sock, timeout=10, base11=True)
        try:
            r = c.rpc("<edit-config><target><running/></target><config><r:t/><t/></config></edit-config>", "x1")
            check(tag_of(r) == "malformed-message" and b"Namespace prefix r on t is not defined" in r,
                  "edit-config with <r:t/><t/> (crashes libyang): malformed-message (got %s)" % r[:300])
            r = c.rpc("<get/>", "x2")
            check(tag_of(r) == "ok" and agent.poll() is None, "erreadyd and the session live on")
        finally:
            c.close()

        # a save through the link keeps the link
        c = nclib.RawUnixNetconf(sock, timeout=10)
        try:
            r = c.rpc('<edit-config><target><running/></target><config><expressroute xmlns="%s"><agent>'
                      '<poll-interval>301</poll-interval></agent></expressroute></config></edit-config>' % ER_NS, "e1")
            check(tag_of(r) == "ok", "edit running")
            r = c.rpc("<copy-config><target><startup/></target><source><running/></source></copy-config>", "e2")
            check(tag_of(r) == "ok", "copy-config running -> startup through the link (got %s)" % r[:300])
        finally:
            c.close()
        check(os.path.islink(link) and os.readlink(link) == os.path.relpath(real, d),
              "the config path is still the same symbolic link")
        saved = json.load(open(real))
        check(saved["expressroute-readiness:expressroute"]["agent"]["poll-interval"] == 301,
              "its target holds the edit")
        check(stat.S_IMODE(os.stat(real).st_mode) == 0o600, "its target has mode 0600")
        check(not [n for n in os.listdir(real_dir) if ".tmp." in n] and not [n for n in os.listdir(d) if ".tmp." in n],
              "no temporary file left")

        # SIGHUP: a FIFO, then a link to /dev/zero, at the config path
        os.unlink(link)
        os.mkfifo(link, 0o600)
        hup_and_answer(agent, sock, logp, link, "a FIFO", "%s: a FIFO, not a regular file: not read" % link)
        os.unlink(link)
        os.symlink("/dev/zero", link)
        hup_and_answer(agent, sock, logp, link, "a link to /dev/zero",
                       "%s: a character device, not a regular file: not read" % link)
        os.unlink(link)
        os.symlink(os.path.relpath(real, d), link)
        mark = os.path.getsize(logp)
        agent.send_signal(signal.SIGHUP)
        check(poll(lambda: "configuration reloaded from %s" % link in open(logp).read()[mark:], 10),
              "SIGHUP with the link back: reloaded")
    finally:
        if agent:
            rc = nclib.stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        nclib.log_tail_on_failure(logp, 20000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary(t0)


if __name__ == "__main__":
    sys.exit(main())
