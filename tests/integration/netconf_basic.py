#!/usr/bin/python3
"""Integration test: erreadyd's NETCONF view driven by ncclient (and yangcli).

Runs erreadyd on a host-state snapshot file (--observed) with NETCONF over
SSH on a free loopback port and over a UNIX socket in a temporary directory.
Usage: netconf_basic.py ERREADYD
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, free_udp_port, poll, try_  # noqa: E402
from ncclient import manager  # noqa: E402
from lxml import etree  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"


SNMP_V3 = ["-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A", "auth-pass-123", "-x", "AES",
           "-X", "priv-pass-123", "-On", "-t", "2", "-r", "0"]
POLL_OID = ".1.3.6.1.4.1.8072.9999.9999.1.2.1.0"  # erPollInterval.0


def snmpget(port):
    return subprocess.run(["snmpget"] + SNMP_V3 + ["127.0.0.1:%d" % port, POLL_OID],
                          capture_output=True, text=True, timeout=30)


def snmpset(port, value):
    return subprocess.run(["snmpset"] + SNMP_V3 + ["127.0.0.1:%d" % port, POLL_OID, "u", str(value)],
                          capture_output=True, text=True, timeout=30)


def auth_methods(port, user):
    """The methods the SSH server offers @p user, from OpenSSH's 'Permission denied (...)'."""
    r = subprocess.run(["ssh", "-p", str(port), "-o", "BatchMode=yes", "-o", "PreferredAuthentications=none",
                        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "-o", "ConnectTimeout=5", "%s@127.0.0.1" % user, "true"],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"Permission denied \(([^)]*)\)", r.stderr)
    return m.group(1).split(",") if m else r.stderr.strip()


def connect_password(port, user, password):
    return manager.connect(host="127.0.0.1", port=port, username=user, password=password, hostkey_verify=False,
                           allow_agent=False, look_for_keys=False, timeout=10)


def netconf_edit(m, inner):
    return nclib.rpc(m, '<edit-config><target><running/></target><config xmlns="urn:ietf:params:xml:ns:netconf:'
                     'base:1.0"><expressroute xmlns="%s"><agent><netconf>%s</netconf></agent></expressroute>'
                     '</config></edit-config>' % (ER_NS, inner))


def test_password(port, sock, key):
    """Password login is offered only once some user has a crypt(3) password, and only that one works."""
    check(auth_methods(port, "admin") == ["publickey"], "SSH offers publickey only while no user has a password "
          "(%s)" % auth_methods(port, "admin"))
    h = subprocess.run(["openssl", "passwd", "-6", "s3cret-pass"], capture_output=True, text=True,
                       check=True).stdout.strip()
    u = nclib.connect_unix(sock)
    r = netconf_edit(u, "<user><name>ops</name><password>%s</password></user>" % h)
    check(not nclib.errors(r), "a user with a crypt(3) password added by edit-config")
    check("password" in auth_methods(port, "ops"), "then SSH offers password too (%s)" % auth_methods(port, "ops"))
    m = try_(lambda: connect_password(port, "ops", "s3cret-pass"))
    check(m is not None and "<poll-interval>" in m.get_config("running").xml, "password login with the right password")
    nclib.close_quietly(m)
    check(try_(lambda: connect_password(port, "ops", "wrong-pass")) is None, "password login refused with a wrong one")
    check(try_(lambda: connect_password(port, "admin", "s3cret-pass")) is None,
          "password login refused for a user without a password")
    r = u.get_config("running", filter=("subtree", '<expressroute xmlns="%s"><agent><netconf><user/></netconf>'
                                        '</agent></expressroute>' % ER_NS))
    check("ops" in r.xml and h not in r.xml and "<password" not in r.xml, "the password hash is never read back")
    r = nclib.rpc(u, '<edit-config><target><running/></target><config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
                  '<expressroute xmlns="%s"><agent><netconf><user xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
                  'nc:operation="delete"><name>ops</name></user></netconf></agent></expressroute></config>'
                  '</edit-config>' % ER_NS)
    check(not nclib.errors(r) and auth_methods(port, "ops") == ["publickey"],
          "the user deleted: password login no longer offered")
    nclib.close_quietly(u)


def test_limits(sock, port, key):
    """max-sessions, hello-timeout and idle-timeout, applied at once by an edit of running."""
    lim = nclib.connect_unix(sock)
    r = netconf_edit(lim, "<max-sessions>2</max-sessions><hello-timeout>2</hello-timeout>"
                          "<idle-timeout>3</idle-timeout>")
    check(not nclib.errors(r), "max-sessions 2, hello-timeout 2 s, idle-timeout 3 s set")
    lim.create_subscription()  # a subscribed session is exempt from the idle timeout
    second = nclib.connect_unix(sock)
    m = try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key))
    check(m is None or poll(lambda: not m.connected, 5, 0.1), "a third session over SSH is closed at max-sessions 2")
    nclib.close_quietly(m)
    # root on the UNIX socket is the recovery path: it gets in beyond max-sessions (issue 16)
    if os.geteuid() == 0:
        third = try_(lambda: nclib.connect_unix(sock, timeout=5))
        check(third is not None and try_(lambda: third.get_config("running")) is not None,
              "root on the UNIX socket gets a third session at max-sessions 2 (recovery)")
        nclib.close_quietly(third)
    t0 = time.monotonic()
    closed = poll(lambda: not second.connected, 10, 0.1)
    check(closed, "a session without RPCs is closed after idle-timeout 3 s (%.1f s)" % (time.monotonic() - t0))
    nclib.close_quietly(second)
    raw = nclib.RawUnixNetconf(sock, timeout=5, hello=False)
    t0 = time.monotonic()
    check(raw.closed_by_peer(10), "a client that never sends its hello is dropped after hello-timeout 2 s (%.1f s)"
          % (time.monotonic() - t0))
    raw.close()
    check(lim.connected, "the subscribed session outlived the idle timeout")
    r = netconf_edit(lim, "<max-sessions>64</max-sessions><hello-timeout>30</hello-timeout>"
                          "<idle-timeout>3600</idle-timeout>")
    check(not nclib.errors(r), "limits back to their defaults (interleave: an RPC on a subscribed session)")
    nclib.close_quietly(lim)


def test_ssh_guard(port, key):
    """SSH sessions pass the message guard too (erreadyd terminates SSH
    itself): the envelope and XML faults libnetconf2 would mishandle."""
    NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
    get_cfg = "<get-config><source><running/></source></get-config>"
    for base11 in (False, True):
        tag = "base:1.1" if base11 else "base:1.0"
        try:
            raw = nclib.RawSshNetconf("127.0.0.1", port, "admin", key, timeout=5, base11=base11)
        except Exception as x:
            check(False, "raw SSH session (%s): %s" % (tag, x))
            continue
        check(raw.base11 == base11, "raw SSH session, %s framing" % tag)
        cases = [
            ('<rpc xmlns="%s">%s</rpc>' % (NC, get_cfg), "missing-attribute", None),
            ('<rpc xmlns="%s" message-id="s1"><get-config>' % NC,
             "malformed-message" if base11 else "operation-failed", "s1"),
            ('<rpc xmlns="urn:example:bogus" message-id="s2">%s</rpc>' % get_cfg, "unknown-namespace", "s2"),
            ('<rpc xmlns="%s" message-id="s3"><edit-config><target><running/></target><config>'
             '<expressroute xmlns="%s" xmlns:nc="%s" nc:operation="frob"/></config></edit-config></rpc>'
             % (NC, ER_NS, NC), "bad-attribute", "s3"),
        ]
        for msg, want, mid in cases:
            raw.send(msg)
            try:
                rep = raw.recv(5)
                e = nclib.errors(rep)
                got = e[0].get("error-tag") if e else None
                has = re.search(rb'<rpc-reply[^>]*message-id="([^"]*)"', rep)
                check(got == want and (has.group(1).decode() if has else None) == mid,
                      "SSH %s: %s gets %s%s (got %s, message-id %s)" % (
                          tag, msg[:40], want, " with message-id " + mid if mid else "", got,
                          has.group(1) if has else None))
            except (TimeoutError, EOFError) as x:
                check(False, "SSH %s: %s gets %s (no reply: %s)" % (tag, msg[:40], want, x))
        try:
            rep = raw.rpc(get_cfg, message_id="s9", timeout=5)
            check(b'message-id="s9"' in rep and not nclib.errors(rep), "SSH %s: the session goes on" % tag)
        except (TimeoutError, EOFError, ValueError) as x:
            check(False, "SSH %s: the session goes on (%s)" % (tag, x))
        raw.close()


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-nc-")
    agent = None
    try:
        key = os.path.join(d, "id_ed25519")
        bad = os.path.join(d, "other_ed25519")
        for k in (key, bad):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k], check=True)
        port = free_tcp_port()
        snmp_port = free_udp_port()
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0,
            # the embedded master on loopback, for SETs against a NETCONF lock
            "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:%d" % snmp_port],
                     "user": [{"name": "nms", "auth-protocol": "sha-256", "auth-key": "auth-pass-123",
                               "priv-protocol": "aes", "priv-key": "priv-pass-123", "access": "read-write"}]},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0600"},
                        "user": [{"name": "admin", "authorized-key": [open(key + ".pub").read().strip()]}]}})
        json.dump(cfg, open(cfgp, "w"), indent=1)
        startup_before = open(cfgp).read()
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 10), "UNIX socket appears")
        st = os.stat(sock)
        check(stat.S_IMODE(st.st_mode) == 0o600, "UNIX socket mode is 0600 as configured")
        hk = os.stat(os.path.join(d, "state", "ssh_host_ed25519_key"))
        check(stat.S_IMODE(hk.st_mode) == 0o600, "host key created with mode 0600")

        m = poll(lambda: try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key)), 10, 0.2)
        check(m is not None, "SSH session with the configured key")
        def ss_timer():
            # the socket's timer: keepalive once nothing is in flight
            return subprocess.run(["ss", "-tnoH", "state", "established", "( sport = :%d )" % port],
                                  capture_output=True, text=True).stdout.strip()
        check(poll(lambda: "keepalive" in ss_timer(), 3, 0.1),
              "TCP keepalives on the server side of the SSH session (%s)" % ss_timer()[-40:])
        caps = set(m.server_capabilities)
        for c in ("urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1",
                  "urn:ietf:params:netconf:capability:writable-running:1.0",
                  "urn:ietf:params:netconf:capability:candidate:1.0",
                  "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
                  "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
                  "urn:ietf:params:netconf:capability:validate:1.1",
                  "urn:ietf:params:netconf:capability:startup:1.0",
                  "urn:ietf:params:netconf:capability:xpath:1.0",
                  "urn:ietf:params:netconf:capability:notification:1.0",
                  "urn:ietf:params:netconf:capability:interleave:1.0",
                  "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit"
                  "&also-supported=report-all,report-all-tagged,trim"):
            check(c in caps, "capability " + c.split(":")[-2] + ":" + c.split(":")[-1][:40])
        check(not any(c.startswith("urn:ietf:params:netconf:capability:url") for c in caps), "no :url")

        try:
            nclib.connect_ssh("127.0.0.1", port, "admin", bad)
            refused = False
        except Exception:
            refused = True
        check(refused, "SSH refused with a key that is not configured")
        test_ssh_guard(port, key)

        r = m.get_config("running")
        check("er-ams-1" in r.xml and "md5-key" not in r.xml, "get-config running: circuits, no md5-key")
        r = m.get(filter=("subtree", '<expressroute xmlns="%s"><readiness><readiness/></readiness></expressroute>'
                          % ER_NS))
        # examples/erready.json: one router holds both links, so healthy reads degraded (check 11)
        check("<readiness>degraded</readiness>" in r.xml and "circuit" not in r.xml, "get with a subtree filter")
        r = m.get(filter=("xpath", ({"er": ER_NS}, "/er:expressroute/er:readiness/er:checks-fail")))
        check("<checks-fail>" in r.xml and "<checks-pass>" not in r.xml, "get with an XPath filter")
        # an unfiltered <get> sends the expressroute part as text printed once (the guard splices it in):
        # the same content as a filtered one, then the other modules, over SSH and UNIX alike
        u = nclib.connect_unix(sock)
        for name, mm in (("SSH", m), ("UNIX", u)):
            full = mm.get().data_ele
            er = [c for c in full if c.tag == "{%s}expressroute" % ER_NS]
            flt = mm.get(filter=("subtree", '<expressroute xmlns="%s"/>' % ER_NS)).data_ele
            tops = sorted(etree.QName(c).namespace for c in full)
            check(len(er) == 1 and etree.tostring(er[0], method="c14n") ==
                  etree.tostring(flt[0], method="c14n"),
                  "%s: unfiltered get holds the same expressroute tree as a filtered one" % name)
            check(any("ietf-netconf-monitoring" in t for t in tops) and any("yang-library" in t for t in tops),
                  "%s: unfiltered get also holds netconf-state and yang-library (%s)" % (name, tops))
            ra = mm.get(with_defaults="report-all").data_ele
            check(ra is not None and len(etree.tostring(ra)) > len(etree.tostring(full)),
                  "%s: report-all adds the defaults" % name)
        nclib.close_quietly(u)
        r = m.get(filter=("subtree", '<yang-library xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library"/>'))
        check("expressroute-readiness" in r.xml, "yang-library in get")
        r = nclib.rpc(m, '<get-schema xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">'
                      '<identifier>expressroute-readiness</identifier></get-schema>')
        check("module expressroute-readiness" in r.xml, "get-schema of our module")

        edit = ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><expressroute xmlns="%s"><agent>'
                '<poll-interval>%s</poll-interval></agent></expressroute></config>')
        m.edit_config(target="running", config=edit % (ER_NS, "120"))
        r = m.get_config("running", filter=("subtree", '<expressroute xmlns="%s"><agent><poll-interval/></agent>'
                                            '</expressroute>' % ER_NS))
        check("<poll-interval>120</poll-interval>" in r.xml, "edit-config merge on running")
        check(open(cfgp).read() == startup_before, "startup untouched by an edit of running")
        r = nclib.rpc(m, '<edit-config><target><running/></target>' + edit % (ER_NS, "1") + '</edit-config>')
        e = nclib.errors(r)
        check(e and e[0].get("error-tag") == "invalid-value", "out-of-range value: invalid-value (%s)" %
              (e[0].get("error-message") if e else r.xml[:200]))
        m.copy_config(source="running", target="startup")
        check(json.load(open(cfgp))["expressroute-readiness:expressroute"]["agent"]["poll-interval"] == 120,
              "copy-config running -> startup saves the file")

        # candidate and commit
        m.edit_config(target="candidate", config=edit % (ER_NS, "240"))
        r = m.get_config("running")
        check("<poll-interval>120</poll-interval>" in r.xml, "candidate edit leaves running alone")
        m.commit()
        r = m.get_config("running")
        check("<poll-interval>240</poll-interval>" in r.xml, "commit applies the candidate")

        # confirmed commit that times out
        m.edit_config(target="candidate", config=edit % (ER_NS, "360"))
        m.commit(confirmed=True, timeout="2")
        check("<poll-interval>360</poll-interval>" in m.get_config("running").xml, "confirmed commit applied")
        rolled = poll(lambda: "<poll-interval>240</poll-interval>" in m.get_config("running").xml, 6, 0.2)
        check(rolled, "confirmed commit not confirmed: rolled back after its timeout")

        # locks across two sessions (the second over the UNIX socket)
        u = nclib.connect_unix(sock)
        check(u is not None, "UNIX socket session")
        m.lock("running")
        r = nclib.rpc(u, '<edit-config><target><running/></target>' + edit % (ER_NS, "90") + '</edit-config>')
        e = nclib.errors(r)
        check(e and e[0].get("error-tag") == "lock-denied" and
              str(m.session_id) in json.dumps(e[0]), "lock-denied with the holder's session id")
        r = snmpset(snmp_port, 91)
        check(r.returncode != 0 and "resourceUnavailable" in r.stdout + r.stderr,
              "SNMP SET refused (resourceUnavailable) while NETCONF holds the running lock: %s"
              % (r.stdout + r.stderr).strip().replace("\n", " | ")[:160])
        check("<poll-interval>240</poll-interval>" in u.get_config("running").xml, "running untouched by that SET")
        nclib.close_quietly(m)
        ok = poll(lambda: not nclib.errors(nclib.rpc(u, '<edit-config><target><running/></target>' +
                                                     edit % (ER_NS, "90") + '</edit-config>')), 5, 0.1)
        check(ok, "lock released when its session ends")
        r = snmpset(snmp_port, 92)
        check(r.returncode == 0 and "<poll-interval>92</poll-interval>" in u.get_config("running").xml,
              "SNMP SET applies once the lock is gone, and NETCONF reads the value it set: %s"
              % (r.stdout + r.stderr).strip().replace("\n", " | ")[:160])
        m2 = nclib.connect_unix(sock)
        m2.edit_config(target="running", config=edit % (ER_NS, "93"))
        seen = poll(lambda: "Gauge32: 93" in snmpget(snmp_port).stdout, 5, 0.05)
        check(seen, "an edit over NETCONF is what SNMP reads (erPollInterval.0 = 93)")
        nclib.close_quietly(m2)

        # evaluate-now and notifications
        r = nclib.rpc(u, '<evaluate-now xmlns="%s"/>' % ER_NS)
        check(">degraded</readiness>" in r.xml, "evaluate-now answers the summary")
        u.create_subscription()
        obs = json.load(open(obsp))
        obs["bgp"]["neighbors"][1]["state"] = "idle"
        json.dump(obs, open(obsp + ".new", "w"))
        os.rename(obsp + ".new", obsp)
        u2 = nclib.connect_unix(sock)
        nclib.rpc(u2, '<evaluate-now xmlns="%s"/>' % ER_NS)
        got = []
        end = time.time() + 10
        while time.time() < end and not any(n.name == "redundancy-lost" for n in got):
            n = nclib.take_notification(u, timeout=1)
            if n:
                got.append(n)
        check(any(n.name == "redundancy-lost" for n in got), "redundancy-lost notification (%s)" %
              ",".join(n.name for n in got))
        t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        nclib.rpc(u2, '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
                  '<startTime>%s</startTime></create-subscription>' % t0)
        names = []
        for _ in range(50):
            n = nclib.take_notification(u2, timeout=2)
            if not n:
                break
            names.append(n.name)
            if n.name == "replayComplete":
                break
        check("redundancy-lost" in names and names[-1] == "replayComplete", "replay then replayComplete")

        # kill-session
        r = nclib.rpc(u2, '<kill-session><session-id>%s</session-id></kill-session>' % u.session_id)
        check(not nclib.errors(r), "kill-session")
        check(poll(lambda: not u.connected, 5, 0.1), "killed session is closed")
        nclib.close_quietly(u2)

        test_password(port, sock, key)
        test_limits(sock, port, key)
    finally:
        if agent:
            rc = nclib.stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        logp = os.path.join(d, "erreadyd.log")
        nclib.log_tail_on_failure(logp, 10 ** 9)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
