"""Integration test: issue 12 on the two-router lab (tests/lab/lab2.sh), as root.

CE-A (FRR) holds the primary links, CE-B (BIRD) the secondary links of two
circuits in two peering locations; each router's erreadyd is the other's
partner over NETCONF/SSH on the partner link. Checks, per the issue:
  - healthy: both agents READY, the same circuit results, tier Maximum;
  - CE-B's MSEE session stopped: both agents report redundancy lost and send
    redundancy-lost naming themselves; restored;
  - CE-B's erreadyd killed: CE-A reports the secondary link unknown and the
    partner check warns within two poll intervals, and recovers;
  - CE-B's erreadyd hung (SIGSTOP): the same, with timeout, and CE-A keeps
    answering NETCONF meanwhile;
  - a wrong partner host key: refused, logged, warned;
  - a prefix advertised on one circuit only: the parity check warns naming it.
Usage: lab_resiliency.py ERREADYD
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from lab2 import Lab2  # noqa: E402
from lxml import etree  # noqa: E402
from testlib import check, info, log_tail_on_failure, poll, summary, try_  # noqa: E402

NS = {"e": "urn:erready:params:xml:ns:yang:expressroute-readiness"}
POLL = 5


def state(lab, x):
    """(checks {(circuit, peering, path, code): (status, detail)}, overall readiness, tree) of router x."""
    m = nclib.connect_unix(lab.sock(x))
    try:
        r = nclib.rpc(m, '<get><filter type="subtree"><expressroute xmlns="%s"/></filter></get>' % NS["e"], timeout=10)
        t = etree.fromstring(r.xml.encode())
    finally:
        nclib.close_quietly(m)
    out = {}
    for c in t.iterfind(".//e:readiness/e:check", NS):
        out[(c.findtext("e:circuit", "", NS), c.findtext("e:peering", "", NS), c.findtext("e:path", "", NS),
             int(c.findtext("e:code", "0", NS)))] = (c.findtext("e:status", "", NS), c.findtext("e:detail", "", NS))
    return out, t.findtext(".//e:readiness/e:readiness", "", NS), t


def circuit_readiness(t):
    return {c.findtext("e:name", "", NS): c.findtext("e:state/e:readiness", "", NS)
            for c in t.iterfind(".//e:circuit", NS) if c.find("e:name", NS) is not None}


def wait_ready(lab, x, timeout):
    return poll(lambda: try_(lambda: state(lab, x)[1] == "ready"), timeout, 0.5)


def subscribe(lab, x):
    m = nclib.connect_unix(lab.sock(x))
    nclib.rpc(m, '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>')
    return m


def take(m, name, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        n = try_(lambda: nclib.take_notification(m, max(0.1, end - time.monotonic())))
        if n is not None and n.name == name:
            return n.leaves
    return None


def main():
    t0 = time.monotonic()
    with Lab2(sys.argv[1], poll=POLL) as lab:
        c1, c2 = "erlab-%s-c1" % lab.id, "erlab-%s-c2" % lab.id
        try:
            lab.wait(30)
            # no hold-down: the time from a session loss to the notification is what is measured
            for x in "ab":
                lab.edit_config(x, lambda t: t["agent"].update({"alert-hold-down": 0}))
            lab.start_agent("b")
            lab.start_agent("a")

            # -- healthy -------------------------------------------------------------------
            ra, rb = wait_ready(lab, "a", 4 * POLL + 10), wait_ready(lab, "b", 4 * POLL + 10)
            check(bool(ra), "CE-A READY (primary links here, secondary on ce-b)")
            check(bool(rb), "CE-B READY (secondary links here, primary on ce-a)")
            sa, _, ta = state(lab, "a")
            sb, _, tb = state(lab, "b")
            check(circuit_readiness(ta) == circuit_readiness(tb) and set(circuit_readiness(ta).values()) == {"ready"},
                  "both compute the same circuit readiness (%s / %s)" % (circuit_readiness(ta), circuit_readiness(tb)))
            diff = {k: (sa[k][0], sb.get(k, ("absent",))[0]) for k in sa if sa[k][0] != sb.get(k, ("absent",))[0]}
            check(not diff, "and the same check results (%s)" % diff)
            for t, x in ((ta, "A"), (tb, "B")):
                tier = t.findtext(".//e:resiliency-group/e:state/e:tier-reached", "", NS)
                check(tier == "maximum", "CE-%s: resiliency tier maximum (%s)" % (x, tier))
            d = sa.get((c1, "azure-private", "secondary", 20), ("", ""))[1]
            check(d == "on ce-b: secondary session to 172.16.0.6 Established", "CE-A names ce-b's link: %s" % d)

            # -- CE-B's MSEE session lost: both report it ----------------------------------------
            subs = {x: subscribe(lab, x) for x in "ab"}
            t1 = time.monotonic()
            lab.fault("stop-msee-priv-secondary")
            for x in "ab":
                n = take(subs[x], "redundancy-lost", 3 * POLL + 10)
                check(n is not None and n.get("router") == "ce-" + x and n.get("circuit") == c1
                      and n.get("path") == "secondary",
                      "CE-%s sends redundancy-lost for %s secondary, naming itself (%s)" % (x.upper(), c1, n))
                if n:
                    dt = time.monotonic() - t1
                    info("CE-%s: redundancy-lost %.1f s after the fault (poll %d s)" % (x.upper(), dt, POLL))
                    if x == "a":
                        check(dt <= 2 * POLL + 1, "CE-A's notification for CE-B's link within two polls + 1 s (%.1f s)" % dt)
            for x in "ab":
                s, overall, _ = state(lab, x)
                check(s.get((c1, "azure-private", "secondary", 20), ("",))[0] == "fail" and overall == "not-ready",
                      "CE-%s: secondary session check fails, not ready" % x.upper())
            lab.restore("stop-msee-priv-secondary")
            for x in "ab":
                n = take(subs[x], "redundancy-restored", 3 * POLL + 15)
                check(n is not None and n.get("router") == "ce-" + x, "CE-%s sends redundancy-restored" % x.upper())
                nclib.close_quietly(subs[x])
            check(bool(wait_ready(lab, "a", 3 * POLL + 10)), "CE-A ready again")

            # -- CE-B's erreadyd killed, then hung ------------------------------------------
            for fault, reason in (("kill-agent-b", "connection-refused"), ("hang-agent-b", "timeout")):
                t1 = time.monotonic()
                lab.fault(fault)

                def down():
                    s, _, _ = state(lab, "a")
                    s20 = s.get((c1, "azure-private", "secondary", 20), ("", ""))
                    s13 = s.get((c1, "azure-private", "", 13), ("", ""))
                    p20 = s.get((c1, "azure-private", "primary", 20), ("", ""))
                    return s20[0] == "unknown" and s13[0] == "warn" and (s20, s13, p20)
                got = poll(lambda: try_(down), 2 * POLL + 3, 0.5)
                took = time.monotonic() - t1
                check(bool(got) and took <= 2 * POLL + 3,
                      "%s: CE-A's secondary link unknown and check 13 warns in %.1f s (%s)" % (fault, took, got))
                if got:
                    check(reason in got[1][1], "%s: the reason is %s (%s)" % (fault, reason, got[1][1]))
                    check(got[2][0] == "pass", "%s: CE-A's own primary link unaffected" % fault)
                lab.restore(fault)
                check(bool(wait_ready(lab, "a", 4 * POLL + 10)), "%s restored: CE-A ready again" % fault)

            # -- wrong partner host key ---------------------------------------------------------
            lab.fault("wrong-partner-hostkey")

            def refused():
                s, _, _ = state(lab, "a")
                s13 = s.get((c1, "azure-private", "", 13), ("", ""))
                return "host-key-mismatch" in s13[1] and s13
            got = poll(lambda: try_(refused), 3 * POLL + 5, 0.5)
            check(bool(got) and got[0] == "warn", "wrong host key: refused and warned (%s)" % (got,))
            check("partner ce-b: host-key-mismatch" in open(lab.log("a")).read(), "wrong host key: logged")
            lab.restore("wrong-partner-hostkey")
            check(bool(wait_ready(lab, "a", 4 * POLL + 10)), "host key restored: CE-A ready again")

            # -- a prefix on one circuit only ------------------------------------------------
            lab.fault("parity-adv-circuit2-missing")

            def uneven():
                s, _, _ = state(lab, "a")
                r = s.get((c2, "", "", 430), ("", ""))
                return r[0] == "warn" and r
            got = poll(lambda: try_(uneven), 3 * POLL + 10, 0.5)
            check(bool(got) and "missing on %s: 10.21.0.0/16 (advertised on %s)" % (c2, c1) in got[1],
                  "route-set parity warns naming 10.21.0.0/16 on %s (%s)" % (c2, got))
            lab.restore("parity-adv-circuit2-missing")
            check(bool(wait_ready(lab, "a", 4 * POLL + 10)), "parity restored: CE-A ready again")
        finally:
            for x in "ab":
                log_tail_on_failure(lab.log(x), 6000)
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
