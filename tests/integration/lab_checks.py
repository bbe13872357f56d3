#!/usr/bin/env python3
"""Integration test: erreadyd --check --json against the live lab (as root).

Brings up the lab (tests/lab/lab.sh) with an FRR or a BIRD customer edge,
checks that every applicable check passes, then applies each fault and
asserts that exactly the expected checks change status (by code, peering,
path), and that restoring the fault brings every check back. All waits are
bounded polls. With --valgrind, the healthy and the daemon-stopped
evaluations run under valgrind memcheck.
Usage: lab_checks.py [--valgrind] ERREADYD VARIANT [FAULT ...]
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "lab", "lab.sh")

P, S = "primary", "secondary"
PRIV, MSFT = "azure-private", "microsoft"

NA = "not-applicable"


def down_link(peering, path):
    """What one link of a peering going down changes (its BGP sessions stop)."""
    # nothing advertised to count for the prefix limit (180, and 181 on the IPv6 sessions of Microsoft peering)
    want = {(20, peering, path): "fail", (160, peering, path): NA, (180, peering, path): NA, (210, peering, None): NA}
    if peering == PRIV:
        want[(410, PRIV, path)] = NA  # nothing received to count
    if peering == MSFT:
        for code in (181, 190, 200, 230, 240):
            want[(code, MSFT, path)] = NA
    return want


def merge(*dicts):
    out = {}
    for d in dicts:
        out.update(d)
    return out


def both_down(peering):
    want = {}
    for path in (P, S):
        want.update(down_link(peering, path))
    want[(141, peering, None)] = NA
    if peering == PRIV:
        want[(270, PRIV, None)] = NA
    if peering == MSFT:
        for code in (250, 260, 321):
            want[(code, MSFT, None)] = NA  # nothing received
    return want


def bfd_down(peering, *paths):
    """The MSEEs run BFD on private and Microsoft peering: a stopped MSEE or link takes it down."""
    return {(170, peering, p): "fail" for p in paths}


# Checks that need BGP state: unknown when the BGP daemon is gone.
BGP_CODES = {10, 20, 60, 130, 140, 141, 142, 150, 160, 170, 180, 181, 190, 200, 210, 220, 230, 240, 250, 260, 270, 321,
             410, 411}

# fault -> {(code, peering, path): expected status}; path None for peering checks.
FAULTS = {
    # The private peering has an MD5 key (the secondary session uses it): a stopped MSEE is a silent peer.
    "stop-msee-priv-secondary": merge(down_link(PRIV, S), {(170, PRIV, S): "fail", (150, PRIV, S): "warn"}),
    "stop-both-msft": merge(both_down(MSFT), bfd_down(MSFT, P, S)),
    # The customer edge refuses the OPEN from AS 12077: that link goes down.
    "wrong-peer-as": down_link(MSFT, P),
    "wrong-peer-as-accepted": {(130, MSFT, P): "fail"},
    "adv-rfc1918-msft": {
        (190, MSFT, P): "fail", (190, MSFT, S): "fail", (200, MSFT, P): "fail", (200, MSFT, S): "fail",
    },
    "adv-default-msft": {
        (190, MSFT, P): "fail", (190, MSFT, S): "fail", (200, MSFT, P): "fail", (200, MSFT, S): "fail",
    },
    # ::/0 on the IPv6 Microsoft sessions (the BIRD route parser once dropped a net starting with ':').
    "adv-default6-msft": {
        (190, MSFT, P): "fail", (190, MSFT, S): "fail", (200, MSFT, P): "fail", (200, MSFT, S): "fail",
    },
    # The MSEEs drop the IPv4 sessions and ignore the CE's reconnects; the IPv6 ones stay up.
    # BFD (on Microsoft peering too) goes down with them, and FRR's "BFD down received"
    # replaces the Cease reason (see README): a down session has nothing to count, so
    # rule 18 is not applicable. BIRD keeps the Cease (VARIANT below).
    "exceed-prefix-limit-msft": merge(
        {k: v for k, v in both_down(MSFT).items() if k[0] in (20, 160, 180, 210, 240)},
        bfd_down(MSFT, P, S)),
    # With BFD on, FRR replaces the Cease reason by "BFD down received" within a
    # second, so rule 18 is not applicable, like any down session (see README); BIRD keeps it.
    # The MSEEs disable the sessions: silent peers for rule 15 (the private peering has an MD5 key).
    "exceed-prefix-limit-priv": merge(both_down(PRIV), {(170, PRIV, P): "fail", (170, PRIV, S): "fail",
                                                        (150, PRIV, P): "warn", (150, PRIV, S): "warn"}),
    "differ-adv-priv": {(210, PRIV, None): "fail"},
    "remove-snat": {(280, MSFT, None): "fail"},
    "snat-private-pool": {(280, MSFT, None): "fail"},
    "remove-dscp": {(360, MSFT, None): "fail"},
    "remove-ef-queue": {(370, MSFT, P): "fail", (370, MSFT, S): "fail"},
    # The kernel flushes the neighbour entries of a downed link: the MSEE is unverified at layer 2.
    "link-down-msft1": merge(down_link(MSFT, P), {(30, MSFT, P): "fail", (40, MSFT, P): "fail",
                                                  (31, MSFT, P): "warn"}, bfd_down(MSFT, P)),
    "msft-zero-received": {(240, MSFT, P): "fail", (240, MSFT, S): "fail",
                           (250, MSFT, None): NA, (260, MSFT, None): NA, (321, MSFT, None): NA},
    "msft-prefix-to-inet": {(220, MSFT, None): "fail"},
    "msft-route-via-inet": {(321, MSFT, None): "fail"},
    # AS 174 also sends 13.107.6.0/24 (path 174 8075): the CE's default local-pref lets 12076 win on
    # AS-path length only, which Microsoft's maintenance prepends would undo (rule 26).
    "inet-sends-msft-prefix": {(260, MSFT, None): "warn"},
    # ... and the MSEEs prepend 12076 twice (maintenance): the Internet path wins, and the kernel
    # sends 13.107.6.0/24 out of the Internet link.
    "inet-wins-msft-prefix": {(260, MSFT, None): "fail", (321, MSFT, None): "fail"},
    # 123.0.0.0/25 to the Internet, more specific than the /24 sent to Microsoft.
    "msft-more-specific-to-inet": {(220, MSFT, None): "fail"},
    # Azure sends a default route on private peering: reported under rule 27, not a VNet overlap (rule 6).
    "default-route-priv": {(270, PRIV, None): "warn"},
    # MTU 9000 on both ends: BGP stays up, only the MTU check (a warning off ExpressRoute Direct).
    "mtu-9000-msft-primary": {(100, MSFT, P): "warn"},
    # The MSEE stops answering ARP: the entry fails, BFD and then BGP go down on that link (a silent
    # peer for rule 15: the private secondary session has an MD5 key).
    "arp-fail-priv-secondary": merge(down_link(PRIV, S), {(170, PRIV, S): "fail", (31, PRIV, S): "fail",
                                                          (150, PRIV, S): "warn"}),
    # keepalived with and without use_vmac: the virtual MAC, or VRRP's multicast group.
    "vrrp-vmac-msft-primary": {(120, MSFT, P): "fail"},
    "vrrp-msft-secondary": {(120, MSFT, S): "fail"},
    # Another key on the MSEE: the kernel refuses its SYNs, so rule 15 says mismatch, not silent (BFD has no
    # key and stays up). Late in the run: once the counters are not 0, each --check with a keyed session down
    # watches them for up to 3 s, which would slow the faults that race a BGP retry (prefix limits).
    "md5-mismatch-priv-secondary": merge(down_link(PRIV, S), {(150, PRIV, S): "fail"}),
    "stop-frr": None,  # computed from the baseline: every passing BGP check becomes unknown
}

# Per-variant differences.
VARIANT = {
    "bird": {
        # BIRD drops the BFD session with the neighbour when the link goes down: none, not down.
        "link-down-msft1": merge(down_link(MSFT, P), {(30, MSFT, P): "fail", (40, MSFT, P): "fail",
                                                      (31, MSFT, P): "warn", (170, MSFT, P): "warn"}),
        "exceed-prefix-limit-priv": merge(both_down(PRIV), {(170, PRIV, P): "fail", (170, PRIV, S): "fail",
                                                  (180, PRIV, P): "fail", (180, PRIV, S): "fail",
                                                  (150, PRIV, P): "warn", (150, PRIV, S): "warn"}),
        "exceed-prefix-limit-msft": merge(
            {k: v for k, v in both_down(MSFT).items() if k[0] in (20, 160, 210, 240)},
            bfd_down(MSFT, P, S), {(180, MSFT, P): "fail", (180, MSFT, S): "fail"}),
    },
}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Lab:
    def __init__(self, variant):
        r = run([LAB, "up", variant], timeout=120)
        m = re.search(r"ERLAB_ID=(\S+)", r.stdout + r.stderr)
        if r.returncode != 0 or not m:
            raise RuntimeError("lab up failed:\n" + r.stdout + r.stderr)
        self.id = m.group(1)
        self.env = dict(os.environ, ERLAB_ID=self.id)
        self.cfg = "/run/erready-lab/%s/erready.json" % self.id
        r = run([LAB, "config", self.cfg], env=self.env)
        if r.returncode != 0:
            raise RuntimeError("lab config failed:\n" + r.stderr)

    def lab(self, *args, timeout=120):
        r = run([LAB] + list(args), env=self.env, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("lab %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))

    def down(self):
        run([LAB, "down"], env=self.env, timeout=60)


SUPP = os.path.join(HERE, "..", "valgrind.supp")


def statuses(erreadyd, lab, valgrind=False):
    """(code, peering, path) -> (status, detail) from one evaluation."""
    cmd = [erreadyd, "--check", "--json", "-c", lab.cfg]
    if valgrind:
        cmd = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
               "--errors-for-leak-kinds=definite,indirect", "--suppressions=" + SUPP] + cmd
    t0 = time.monotonic()
    r = run(["ip", "netns", "exec", "erl%s-ce" % lab.id] + cmd, timeout=120)
    elapsed = time.monotonic() - t0
    if r.returncode == 99:
        raise RuntimeError("valgrind found errors:\n" + r.stderr)
    if r.returncode not in (0, 1, 2, 3):
        raise RuntimeError("erreadyd exited %d: %s" % (r.returncode, r.stderr))
    d = json.loads(r.stdout)["expressroute-readiness:expressroute"]["readiness"]
    out = {}
    for c in d["check"]:
        out[(c["code"], c.get("peering"), c.get("path"))] = (c["status"], c.get("detail", ""))
    return out, d, elapsed


def wait_for(erreadyd, lab, want, base, timeout):
    """Poll until every check is as in base updated with want; return the last view."""
    deadline = time.monotonic() + timeout
    while True:
        st, summary, _ = statuses(erreadyd, lab)
        diff = {k: v[0] for k, v in st.items() if k in base and base[k][0] != v[0]}
        expect = {k: s for k, s in want.items()}
        if diff == expect:
            return st, diff, True
        if time.monotonic() > deadline:
            return st, diff, False
        time.sleep(0.5)


def main():
    args = sys.argv[1:]
    valgrind = "--valgrind" in args
    args = [a for a in args if a != "--valgrind"]
    erreadyd, variant = args[0], args[1]
    faults = args[2:] or list(FAULTS)
    passed = failed = 0
    lab = Lab(variant)
    try:
        lab.lab("wait", "30")
        st, summary, elapsed = statuses(erreadyd, lab, valgrind)
        # One CE terminates both links of every peering: Microsoft's HA guidance warns
        # against it, so the healthy single-router lab is degraded by check 11 alone.
        same_cpe = ("warn", "primary and secondary terminate on the same router: one device failure "
                    "takes both down (Microsoft HA guidance)")
        bad = {k: v for k, v in st.items() if v[0] not in ("pass", "not-applicable") and not (k[0] == 11 and v == same_cpe)}
        warned = sorted(k[1] for k, v in st.items() if k[0] == 11 and v == same_cpe)
        if summary["readiness"] != "degraded" or bad or warned != sorted(p for (c, p, _) in st if c == 10):
            print("FAIL healthy %s lab: readiness %s" % (variant, summary["readiness"]))
            for k, v in sorted(bad.items(), key=str):
                print("    %s %s: %s" % (k, v[0], v[1]))
            failed += 1
        else:
            print("ok   healthy %s lab: degraded by the same-router warning only (%s), %d checks, evaluation %.2f s%s"
                  % (variant, ", ".join(warned), len(st), elapsed, " under valgrind, no error" if valgrind else ""))
            passed += 1
        base = st
        for f in faults:
            want = VARIANT.get(variant, {}).get(f, FAULTS[f])
            if want is None:
                want = {k: "unknown" for k, v in base.items() if k[0] in BGP_CODES and v[0] == "pass"}
            t0 = time.monotonic()
            lab.lab("fault", f)
            got, diff, ok = wait_for(erreadyd, lab, want, base, 20)
            took = time.monotonic() - t0
            if ok and f == "stop-frr":
                # One cycle, no hang: a single evaluation answers well within its deadline.
                _, _, elapsed = statuses(erreadyd, lab, valgrind)
                ok = elapsed < (30.0 if valgrind else 7.0)
                print("     one evaluation with the BGP daemon stopped took %.2f s" % elapsed)
            if ok:
                print("ok   %-28s flips %d check(s) in %.1f s" % (f, len(diff), took))
                passed += 1
            else:
                print("FAIL %-28s expected %s" % (f, sorted(want.items(), key=str)))
                for k in sorted(set(diff) | set(want), key=str):
                    print("    %s got %s: %s" % (k, got.get(k, ("absent", ""))[0], got.get(k, ("", ""))[1]))
                failed += 1
            t0 = time.monotonic()
            lab.lab("restore", f)
            got, diff, ok = wait_for(erreadyd, lab, {}, base, 30)
            if ok:
                print("ok   %-28s restored in %.1f s" % (f, time.monotonic() - t0))
                passed += 1
            else:
                print("FAIL %-28s not restored: %s" % (f, sorted(diff.items(), key=str)))
                failed += 1
                base = got
    finally:
        lab.down()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
