#!/usr/bin/env python3
"""Integration test: GET requests whose response cannot fit (issue 16).

erreadyd runs as its own SNMP master on loopback (example config, host
state from --observed). Net-SNMP 5.9.3's agent code sent nothing at all
when a response outgrew a UDP datagram, and logged one line per varbind.
RFC 3416 4.2.1: such a response is replaced by one with error-status
tooBig, error-index 0 and no varbinds. snmpget sends at most 128 varbinds
a request, so the large requests here are built by hand (BER, SNMPv2c):

- 1000 varbinds whose response fits (about 22 KB): the full response;
- 1000 varbinds of a long string column (over 100 KB of response): tooBig,
  error-index 0, no varbinds; five times, and the log gets one line;
- GETNEXT the same way;
- snmpget (Net-SNMP) with 128 varbinds still gets all of them, and the
  agent answers normally afterwards.

Usage: snmp_toobig.py ERREADYD
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from testlib import check, free_udp_port, poll, stop, summary  # noqa: E402

ROOT = "1.3.6.1.4.1.8072.9999.9999"
READINESS = ROOT + ".1.1.1.0"


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(t, v):
    return bytes([t]) + ber_len(len(v)) + v


def ber_oid(s):
    p = [int(x) for x in s.strip(".").split(".")]
    out = bytes([40 * p[0] + p[1]])
    for x in p[2:]:
        enc = [x & 0x7F]
        x >>= 7
        while x:
            enc.append(0x80 | (x & 0x7F))
            x >>= 7
        out += bytes(reversed(enc))
    return tlv(6, out)


def ber_int(i):
    return tlv(2, i.to_bytes(4, "big", signed=True))


def request(pdu_tag, oids, reqid):
    vbs = b"".join(tlv(0x30, ber_oid(o) + b"\x05\x00") for o in oids)
    pdu = tlv(pdu_tag, ber_int(reqid) + ber_int(0) + ber_int(0) + tlv(0x30, vbs))
    return tlv(0x30, ber_int(1) + tlv(4, b"public") + pdu)


def read_tlv(b, i):
    t = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return t, b[i:i + n], i + n


def parse_response(b):
    """(request-id, error-status, error-index, number of varbinds)."""
    _, msg, _ = read_tlv(b, 0)
    _, _, i = read_tlv(msg, 0)        # version
    _, _, i = read_tlv(msg, i)        # community
    _, pdu, _ = read_tlv(msg, i)
    _, reqid, j = read_tlv(pdu, 0)
    _, es, j = read_tlv(pdu, j)
    _, ei, j = read_tlv(pdu, j)
    _, vbs, _ = read_tlv(pdu, j)
    n, k = 0, 0
    while k < len(vbs):
        _, _, k = read_tlv(vbs, k)
        n += 1
    return int.from_bytes(reqid, "big"), int.from_bytes(es, "big"), int.from_bytes(ei, "big"), n


def ask(port, pdu_tag, oids, reqid):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(request(pdu_tag, oids, reqid), ("127.0.0.1", port))
        data, _ = s.recvfrom(70000)
        return parse_response(data), len(data)
    except socket.timeout:
        return None, 0
    finally:
        s.close()


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    t0 = time.monotonic()
    d = tempfile.mkdtemp(prefix="erready-toobig-")
    env = dict(os.environ, SNMP_PERSISTENT_DIR=d, SNMPCONFPATH=d, MIBS="")
    agent = None
    logp = os.path.join(d, "erreadyd.log")
    try:
        port = free_udp_port()
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "netconf": {"enabled": False},
            "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:%d" % port]}})
        cfgp = os.path.join(d, "erready.json")
        json.dump(cfg, open(cfgp, "w"))
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed",
                                  os.path.join(SRC, "tests/data/observed-healthy.json")],
                                 stdout=open(logp, "w"), stderr=subprocess.STDOUT, env=env)
        get1 = ["snmpget", "-v2c", "-c", "public", "-On", "-t", "2", "-r", "1", "udp:127.0.0.1:%d" % port]
        check(poll(lambda: subprocess.run(get1 + [READINESS], capture_output=True).returncode == 0, 20),
              "erreadyd answers snmpget")
        # the longest values of the MIB: check detail strings (erCheckDetail)
        walk = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-On", "udp:127.0.0.1:%d" % port, ROOT],
                              capture_output=True, text=True, env=env).stdout.splitlines()
        longest = max(walk, key=len).split(" = ")[0]
        check(len(max(walk, key=len)) > 120, "a long string instance to ask for: %s" % longest)
        mark = os.path.getsize(logp)

        r, size = ask(port, 0xA0, [READINESS] * 1000, 1)
        check(r == (1, 0, 0, 1000), "GET of 1000 varbinds whose response fits: all 1000 answered "
              "(%s, %d bytes)" % (r, size))
        for k in range(5):
            r, size = ask(port, 0xA0, [longest] * 1000, 10 + k)
            check(r == (10 + k, 1, 0, 0), "GET of 1000 long varbinds (over 100 KB of response), #%d: tooBig, "
                  "error-index 0, no varbinds (%s, %d bytes)" % (k + 1, r, size))
        r, size = ask(port, 0xA1, [ROOT + ".1.7"] * 2900, 20)
        check(r is not None and r[1:] == (1, 0, 0), "GETNEXT the same way: tooBig (%s)" % (r,))
        new = open(logp).read()[mark:]
        lines = [ln for ln in new.splitlines() if ln.strip()]
        check(sum("answered tooBig" in ln for ln in lines) == 1 and len(lines) <= 2,
              "the log: one line for all of them (%d lines: %s)" % (len(lines), lines[:3]))
        check(not any("    -- " in ln for ln in lines), "no line per varbind")

        out = subprocess.run(get1 + [longest] * 128, capture_output=True, text=True, env=env)
        check(out.returncode == 0 and len(out.stdout.splitlines()) == 128,
              "snmpget of 128 long varbinds (its most): all 128 (%d lines, rc %d)"
              % (len(out.stdout.splitlines()), out.returncode))
        out = subprocess.run(get1 + [READINESS], capture_output=True, text=True, env=env)
        check(out.returncode == 0 and "INTEGER" in out.stdout, "snmpget still answered normally")
        check(agent.poll() is None, "erreadyd still running")
    finally:
        if agent:
            rc = stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        shutil.rmtree(d, ignore_errors=True)
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
