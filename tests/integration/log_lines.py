#!/usr/bin/python3
"""Integration test: erreadyd's log lines, as the journal would file them.

erreadyd runs on a host-state snapshot file (--observed) with its stderr
going to a file whose device:inode is in JOURNAL_STREAM, as systemd sets it,
so every line carries syslog's <N> level prefix (sd-daemon(3)). A collector
failure, a NETCONF edit+commit, an SNMP SET, a SIGHUP reload, a refused
SSH login and two refused SNMP requests must each give exactly one line with the right level and content;
a collection where nothing changed gives none; no secret of the config
(md5-key, SNMP keys and communities, password hash, passwords tried) ever
appears in the whole log. Outside the journal, lines carry a timestamp.
Usage: log_lines.py ERREADYD
"""
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
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, free_udp_port, poll, try_  # noqa: E402
from ncclient import manager  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
P = "/expressroute-readiness:expressroute"
POLL_OID = ".1.3.6.1.4.1.8072.9999.9999.1.2.1.0"  # erPollInterval.0
SECRETS = {
    "md5-key": "Md5LogSecret42",
    "auth-key": "AuthLogSecret-123",
    "priv-key": "PrivLogSecret-456",
    "community": "CommLogSecret7",
    "trap community": "TrapLogSecret8",
    "password": "Right-Log-Pass-1",
    "wrong password": "Wrong-Log-Pass-2",
    "wrong community": "WrongCommLog3",
    "wrong auth-key": "WrongAuthLog-44",
}


class Log(object):
    """The daemon's stderr file, read as lines; mark() then new() gives what came since."""

    def __init__(self, path):
        self.path = path
        self.pos = 0

    def lines(self):
        return open(self.path, errors="replace").read().splitlines()

    def mark(self):
        self.pos = len(self.lines())

    def new(self, substring=None):
        got = self.lines()[self.pos:]
        return [l for l in got if substring is None or substring in l]


def one_line(log, substring, want, what, timeout=10):
    """Exactly one new line containing substring, and it matches the regex want."""
    got = poll(lambda: log.new(substring), timeout)
    time.sleep(0.3)  # a second line would come with the first
    got = log.new(substring)
    check(len(got) == 1 and re.fullmatch(want, got[0]) is not None,
          "%s: one line %s (got %s)" % (what, want, got))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-log-")
    agent = None
    logp = os.path.join(d, "erreadyd.log")
    try:
        key = os.path.join(d, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        port, snmp_port = free_tcp_port(), free_udp_port()
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        obs = json.load(open(os.path.join(SRC, "tests/data/observed-healthy.json")))
        json.dump(obs, open(obsp, "w"))
        h = subprocess.run(["openssl", "passwd", "-6", SECRETS["password"]], capture_output=True, text=True,
                           check=True).stdout.strip()
        SECRETS["password hash"] = h
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        er = cfg["expressroute-readiness:expressroute"]
        er["circuit"][0]["peering"][0]["md5-key"] = SECRETS["md5-key"]
        er["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0,
            "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:%d" % snmp_port], "community": SECRETS["community"],
                     "user": [{"name": "nms", "auth-protocol": "sha-256", "auth-key": SECRETS["auth-key"],
                               "priv-protocol": "aes", "priv-key": SECRETS["priv-key"], "access": "read-write"}],
                     "trap-sink": [{"address": "127.0.0.1", "port": free_udp_port(),
                                    "community": SECRETS["trap community"]}]},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0600"},
                        "user": [{"name": "admin", "authorized-key": [open(key + ".pub").read().strip()]},
                                 {"name": "ops", "password": h}]}})
        json.dump(cfg, open(cfgp, "w"), indent=1)

        # stderr is the "journal": JOURNAL_STREAM names its device and inode
        logf = open(logp, "w")
        st = os.fstat(logf.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=logf, stderr=subprocess.STDOUT, env=env)
        log = Log(logp)
        check(poll(lambda: any("erreadyd running" in l for l in log.lines()), 15), "erreadyd runs")
        lines = log.lines()
        check(all(re.match(r"<[0-7]>", l) for l in lines), "every line has a <N> prefix under the journal")
        coll = [l for l in lines if l.startswith("<6>collector ")]
        check(len(coll) == 5 and "<6>collector bgp: ok (frr)" in coll,
              "at start one info line per collector (%s)" % coll)
        # examples/erready.json terminates both links on one router: degraded (check 11), a warning
        check(any(l.startswith("<4>readiness degraded at start") for l in lines), "readiness at start, warning (degraded)")
        u = nclib.connect_unix(sock)

        # a collector fails: one warning line, source, old -> new, daemon and its message
        log.mark()
        obs["sources"]["bgp"] = {"status": "error", "daemon": "frr", "duration-ms": 3,
                                 "message": "vtysh exited with status 1: bgpd is not running"}
        # ... and the SNAT rule toward eth2.300 goes: check 280 fails, readiness degraded -> not-ready
        obs["nat"]["rules"] = [r for r in obs["nat"]["rules"] if r.get("output-interface") != "eth2.300"]
        json.dump(obs, open(obsp + ".tmp", "w"))
        os.rename(obsp + ".tmp", obsp)
        r = nclib.rpc(u, '<evaluate-now xmlns="%s"/>' % ER_NS)
        check(not nclib.errors(r), "evaluate-now")
        one_line(log, "collector ", re.escape("<4>collector bgp: ok -> error (frr): vtysh exited with status 1: "
                                              "bgpd is not running"), "collector failure")
        check(len(log.new("readiness degraded -> not-ready")) == 1, "and one readiness change line")
        # nothing changed: nothing logged (once the traps of that change have left their rate-limited queue)
        def settled():
            n = len(log.lines())
            time.sleep(1.0)
            return len(log.lines()) == n
        check(poll(settled, 30, 0), "the traps of that change are sent")
        log.mark()
        nclib.rpc(u, '<evaluate-now xmlns="%s"/>' % ER_NS)
        time.sleep(0.5)
        check(log.new() == [], "a collection that changes nothing logs nothing (%s)" % log.new())

        # NETCONF edit (candidate) + commit: one notice line naming user, session and path
        log.mark()
        u.edit_config(target="candidate", config='<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
                      '<expressroute xmlns="%s"><agent><poll-interval>120</poll-interval></agent></expressroute>'
                      '</config>' % ER_NS)
        u.commit()
        me = pwd.getpwuid(os.getuid()).pw_name
        one_line(log, "config changed", re.escape('<5>config changed by NETCONF user "%s" session %s (UNIX socket): '
                                                  'replace %s/agent/poll-interval' % (me, u.session_id, P)),
                 "NETCONF edit+commit")

        # SNMP SET (v3 user): one notice line naming the user, where from, and the path
        log.mark()
        r = subprocess.run(["snmpset", "-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A",
                            SECRETS["auth-key"], "-x", "AES", "-X", SECRETS["priv-key"], "-On", "-t", "2", "-r", "0",
                            "127.0.0.1:%d" % snmp_port, POLL_OID, "u", "90"], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 0, "snmpset erPollInterval.0 = 90 (%s)" % (r.stdout + r.stderr).strip()[:120])
        one_line(log, "config changed", re.escape('<5>config changed by SNMP SET of v3 user "nms" from UDP: '
                                                  '[127.0.0.1]:') + r"\d+->\[127\.0\.0\.1\]:%d: " % snmp_port +
                 re.escape("replace %s/agent/poll-interval" % P), "SNMP SET")

        # refused SNMP requests: a wrong community (never logged itself), a v3 user with a wrong key
        log.mark()
        r = subprocess.run(["snmpget", "-v2c", "-c", SECRETS["wrong community"], "-On", "-t", "1", "-r", "0",
                            "127.0.0.1:%d" % snmp_port, POLL_OID], capture_output=True, text=True, timeout=30)
        check(r.returncode != 0, "snmpget with a wrong community gets no answer")
        one_line(log, "authentication failure", re.escape("<4>snmp: authentication failure: SNMPv2c from 127.0.0.1:") +
                 r"\d+" + re.escape(", method community (unknown community, or a source community-source does "
                                    "not allow)"), "refused v2c request")
        log.mark()
        r = subprocess.run(["snmpget", "-v3", "-u", "nms", "-l", "authPriv", "-a", "SHA-256", "-A",
                            SECRETS["wrong auth-key"], "-x", "AES", "-X", SECRETS["priv-key"], "-On", "-t", "1", "-r",
                            "0", "127.0.0.1:%d" % snmp_port, POLL_OID], capture_output=True, text=True, timeout=30)
        check(r.returncode != 0, "snmpget with a wrong v3 authentication key refused")
        one_line(log, "authentication failure", re.escape("<4>snmp: authentication failure: SNMPv3, 1 x wrong digest "
                                                          "(authentication key) (Net-SNMP's USM does not say from "
                                                          "where)"), "refused v3 request")

        # SIGHUP after an edit of the file: one notice line
        log.mark()
        cur = json.load(open(cfgp))
        cur["expressroute-readiness:expressroute"]["agent"]["alert-hold-down"] = 5
        json.dump(cur, open(cfgp, "w"))
        agent.send_signal(signal.SIGHUP)
        one_line(log, "config changed", re.escape("<5>config changed by SIGHUP (reload of %s): replace "
                                                  "%s/agent/alert-hold-down" % (cfgp, P)), "SIGHUP reload")

        # a refused login: one warning line with address, user and method
        log.mark()
        m = try_(lambda: manager.connect(host="127.0.0.1", port=port, username="ops", password=SECRETS["wrong password"],
                                         hostkey_verify=False, allow_agent=False, look_for_keys=False, timeout=10))
        check(m is None, "SSH login with a wrong password refused")
        one_line(log, "authentication failure", re.escape('<4>NETCONF: authentication failure: SSH from 127.0.0.1, '
                                                          'user "ops", method password'), "refused login")
        m = try_(lambda: manager.connect(host="127.0.0.1", port=port, username="ops", password=SECRETS["password"],
                                         hostkey_verify=False, allow_agent=False, look_for_keys=False, timeout=10))
        check(m is not None, "SSH login with the right password")
        nclib.close_quietly(m)
        nclib.close_quietly(u)
        rc = nclib.stop(agent, 10)
        agent = None
        check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)

        text = open(logp, errors="replace").read()
        for what, s in sorted(SECRETS.items()):
            check(s not in text, "the %s never appears in the log" % what)

        # not the journal (no JOURNAL_STREAM, or another file's): timestamps and level words
        for jenv in (None, "1:2"):
            e = dict(os.environ)
            e.pop("JOURNAL_STREAM", None)
            if jenv:
                e["JOURNAL_STREAM"] = jenv
            r = subprocess.run([erreadyd, "-c", os.path.join(d, "missing.json")], capture_output=True, text=True,
                               env=e, timeout=30)
            check(r.returncode == 4 and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} erreadyd: "
                                                 r"warning: bad configuration: ", r.stderr) is not None,
                  "outside the journal (JOURNAL_STREAM %s): a timestamp and the level: %s" % (jenv, r.stderr.strip()))
    finally:
        if agent:
            nclib.stop(agent, 10)
        nclib.log_tail_on_failure(logp, 10 ** 6)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
