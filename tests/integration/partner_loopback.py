"""Integration test: two erreadyd on loopback, ce-a and ce-b, each the
other's partner over NETCONF/SSH (issue 12), on host-state snapshot files.

ce-a holds the primary links of examples/erready-two-routers.json, ce-b the
secondary ones. Checks: both READY with the same circuit results; ce-b's
secondary session down -> both report it and send redundancy-lost naming
themselves; ce-b stopped -> ce-a's secondary checks unknown and check 13
warns within two poll intervals, and recover when it is back; a wrong host
key is refused, logged and warned. Prints the partner fetch figures.
Usage: partner_loopback.py ERREADYD
"""
import copy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from testlib import check, free_tcp_port, info, log_tail_on_failure, poll, stop, summary, try_  # noqa: E402
from lxml import etree  # noqa: E402

NS = {"e": "urn:erready:params:xml:ns:yang:expressroute-readiness"}
POLL = 5
SEC_UP = ('"address": "172.16.0.6", "local-address": "172.16.0.5", "interface": "eth2.100",\n        '
          '"remote-as": 12076, "local-as": 65010, "state": "established"')
SEC_DOWN = ('"address": "172.16.0.6", "local-address": "172.16.0.5", "interface": "eth2.100",\n        '
            '"remote-as": 12076, "local-as": 65010, "state": "active", "last-error": "Hold Timer Expired"')


def fingerprint(key):
    out = subprocess.run(["ssh-keygen", "-l", "-f", key], capture_output=True, text=True, check=True).stdout
    return out.split()[1]


class Router:
    def __init__(self, d, name, erreadyd):
        self.name, self.erreadyd = name, erreadyd
        self.dir = os.path.join(d, name)
        os.makedirs(os.path.join(self.dir, "state"))
        self.sock = os.path.join(self.dir, "nc.sock")
        self.port = free_tcp_port()
        self.cfgp = os.path.join(self.dir, "erready.json")
        self.obsp = os.path.join(self.dir, "observed.json")
        self.logp = os.path.join(self.dir, "erreadyd.log")
        self.key = os.path.join(self.dir, "state", "partner_ed25519")
        self.args = []  # more erreadyd options (the benchmark adds -d)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key], check=True)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.erreadyd, "-c", self.cfgp, "--observed", self.obsp,
                                      "--state-dir", os.path.join(self.dir, "state")] + self.args,
                                     stdout=open(self.logp, "a"), stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(self.sock), 10), "%s: NETCONF socket appears" % self.name)
        # and the SSH endpoint (a SIGTERM while erreadyd still starts its NETCONF server ends it with 1)
        check(poll(lambda: try_(lambda: socket.create_connection(("127.0.0.1", self.port), 1).close() or True), 10),
              "%s: NETCONF SSH port answers" % self.name)

    def stop(self):
        if self.proc:
            rc = stop(self.proc)
            # under ASan a leak or a memory error makes the exit status non-zero
            check(rc == 0, "%s: erreadyd stops cleanly on SIGTERM (exit %s)" % (self.name, rc))
            self.proc = None
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    def host_key_fp(self):
        return fingerprint(os.path.join(self.dir, "state", "ssh_host_ed25519_key"))

    def get(self):
        m = nclib.connect_unix(self.sock)
        try:
            r = nclib.rpc(m, '<get><filter type="subtree"><expressroute xmlns="%s"/></filter></get>' % NS["e"])
            return etree.fromstring(r.xml.encode())
        finally:
            nclib.close_quietly(m)

    def checks(self):
        """{(circuit, peering, path, code): (status, detail)} and the overall readiness."""
        t = self.get()
        out = {}
        for c in t.iterfind(".//e:readiness/e:check", NS):
            key = (c.findtext("e:circuit", "", NS), c.findtext("e:peering", "", NS), c.findtext("e:path", "", NS),
                   int(c.findtext("e:code", "0", NS)))
            out[key] = (c.findtext("e:status", "", NS), c.findtext("e:detail", "", NS))
        circ = {c.findtext("e:name", "", NS): c.findtext("e:state/e:readiness", "", NS)
                for c in t.iterfind("e:expressroute/e:circuit", {"e": NS["e"]})}
        if not circ:
            circ = {c.findtext("e:name", "", NS): c.findtext("e:state/e:readiness", "", NS)
                    for c in t.iterfind(".//e:circuit", NS) if c.find("e:state/e:readiness", NS) is not None}
        return out, t.findtext(".//e:readiness/e:readiness", "", NS), circ, t


def configs(a, b, obs_text):
    base = json.load(open(os.path.join(SRC, "examples/erready-two-routers.json")))
    for r, other, role in ((a, b, "a"), (b, a, "b")):
        cfg = copy.deepcopy(base)
        top = cfg["expressroute-readiness:expressroute"]
        top["agent"] = {
            "poll-interval": POLL, "alert-hold-down": 0, "router-name": r.name,
            "partner": [{"name": other.name, "address": "127.0.0.1", "port": other.port, "user": "erready",
                         "key-file": "partner_ed25519", "host-key": other.fp, "timeout": 2000}],
            "snmp": {"enabled": False},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": r.port},
                        "unix-socket": {"path": r.sock, "mode": "0600"},
                        "user": [{"name": "erready", "authorized-key": [open(other.key + ".pub").read().strip()]}]}}
        if role == "b":
            for c in top["circuit"]:
                for p in c["peering"]:
                    del p["secondary-router"]
                    p["primary-router"] = a.name
        json.dump(cfg, open(r.cfgp, "w"), indent=1)
        open(r.obsp, "w").write(obs_text)


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    t0 = time.monotonic()
    d = tempfile.mkdtemp(prefix="er-partner-")
    a, b = Router(d, "ce-a", erreadyd), Router(d, "ce-b", erreadyd)
    healthy = open(os.path.join(SRC, "tests/data/observed-two-circuits.json")).read()
    try:
        # host keys first: each router must know the other's
        for r in (a, b):
            r.fp = "SHA256:" + "A" * 43
        configs(a, b, healthy)
        for r in (a, b):
            r.start()
        for r in (a, b):
            r.stop()
        a.fp, b.fp = a.host_key_fp(), b.host_key_fp()  # configs() gives each router the other's
        configs(a, b, healthy)
        for r in (a, b):
            open(r.logp, "w").close()
            r.start()

        def ready(r):
            res, overall, circ, _ = r.checks()
            return overall == "ready" and res
        ra = poll(lambda: try_(lambda: ready(a)), 2 * POLL + 5, 0.5)
        rb = poll(lambda: try_(lambda: ready(b)), 2 * POLL + 5, 0.5)
        check(bool(ra), "ce-a READY with ce-b holding the secondary links")
        check(bool(rb), "ce-b READY with ce-a holding the primary links")
        if ra and rb:
            same = {k: v[0] for k, v in ra.items() if k[3] != 13}
            other = {k: v[0] for k, v in rb.items() if k[3] != 13}
            check(same == other, "both routers compute the same check results")
            check(ra[("er-ams-1", "azure-private", "secondary", 20)][1].startswith("on ce-b: "),
                  "ce-a names ce-b for the secondary link (%s)" % ra[("er-ams-1", "azure-private", "secondary", 20)][1])
            check(ra[("er-ams-1", "", "", 420)] == ("pass", "group prod (2 circuits) reaches maximum, intended maximum: "
                  "er-ams-1 (Amsterdam) and er-fra-1 (Frankfurt) in distinct peering locations, each fully redundant"),
                  "tier Maximum on ce-a")
        _, _, _, t = a.checks()
        tier = t.findtext(".//e:resiliency-group/e:state/e:tier-reached", "", NS)
        check(tier == "maximum", "resiliency-group state tier-reached maximum (%s)" % tier)
        st = t.findtext(".//e:agent/e:partner/e:state/e:status", "", NS)
        check(st == "ok", "agent/partner/state/status ok (%s)" % st)
        by = [l.findtext("e:observed-by", "", NS) for l in t.iterfind(".//e:peering/e:state/e:link", NS)]
        check(by.count("ce-b") == 3 and by.count("local") == 3, "observed-by names ce-b for the 3 secondary links (%s)" % by)
        log = open(a.logp).read()
        m = re.search(r"partner ce-b: connected \(reply of (\d+) bytes in (\d+) ms\)", log)
        check(m is not None, "ce-a logs the partner connection once")
        if m:
            info("partner fetch, 2 circuits / 3 peerings: %s bytes in %s ms (first fetch, with SSH setup)" % m.groups())
        check(log.count("partner ce-b: connected") == 1, "logged once, not every poll")
        time.sleep(POLL + 1)
        _, _, _, t = a.checks()
        info("partner fetch on the open session, 2 circuits / 3 peerings: %s bytes in %s ms"
             % (t.findtext(".//e:agent/e:partner/e:state/e:bytes", "", NS),
                t.findtext(".//e:agent/e:partner/e:state/e:duration", "", NS)))

        # ce-b's secondary session goes down: both report it, both send redundancy-lost naming themselves
        subs = []
        for r in (a, b):
            m = nclib.connect_unix(r.sock)
            nclib.rpc(m, '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>')
            subs.append(m)
        open(b.obsp, "w").write(healthy.replace(SEC_UP, SEC_DOWN, 1))
        t_down = time.monotonic()
        for r, m in zip((a, b), subs):
            got = None
            end = time.monotonic() + 3 * POLL + 5
            while time.monotonic() < end and got is None:
                n = try_(lambda: nclib.take_notification(m, max(0.1, end - time.monotonic())))
                if n is None:
                    break
                if n.name == "redundancy-lost":
                    got = n.leaves
            check(got is not None, "%s sends redundancy-lost" % r.name)
            if got is not None:
                check(got.get("router") == r.name, "%s's notification names it (%s)" % (r.name, got.get("router")))
                check(got.get("path") == "secondary" and got.get("sessions-up") == "1",
                      "%s: the secondary link, 1 session left (%s)" % (r.name, got))
                info("%s: redundancy-lost %.1f s after ce-b's session went down (poll %d s)"
                     % (r.name, time.monotonic() - t_down, POLL))
            nclib.close_quietly(m)
        open(b.obsp, "w").write(healthy)
        check(poll(lambda: try_(lambda: ready(a)), 3 * POLL + 5, 0.5), "ce-a READY again")

        # ce-b stops: ce-a's secondary link is unknown and check 13 warns within two poll intervals
        b.stop()
        t_stop = time.monotonic()

        def partner_down(r):
            res, _, _, _ = r.checks()
            s20 = res.get(("er-ams-1", "azure-private", "secondary", 20), ("", ""))
            s13 = res.get(("er-ams-1", "azure-private", "", 13), ("", ""))
            return s20[0] == "unknown" and s13[0] == "warn" and (s20, s13)
        got = poll(lambda: try_(lambda: partner_down(a)), 2 * POLL + 3, 0.5)
        check(bool(got), "ce-b stopped: ce-a's secondary checks unknown, check 13 warns (%s)" % (got,))
        if got:
            info("partner loss seen %.1f s after ce-b stopped" % (time.monotonic() - t_stop))
            check("connection-refused" in got[1][1], "the reason is named (%s)" % got[1][1])
            res, _, _, _ = a.checks()
            check(res[("er-ams-1", "azure-private", "primary", 20)][0] == "pass", "ce-a's own link unaffected")
        b.start()
        check(poll(lambda: try_(lambda: ready(a)), 3 * POLL + 5, 0.5), "ce-a READY again when ce-b is back")

        # wrong host key on ce-a's side: refused, logged, warned
        a.stop()
        cfg = json.load(open(a.cfgp))
        cfg["expressroute-readiness:expressroute"]["agent"]["partner"][0]["host-key"] = "SHA256:" + "B" * 43
        json.dump(cfg, open(a.cfgp, "w"), indent=1)
        a.start()

        def hostkey(r):
            res, _, _, _ = r.checks()
            s13 = res.get(("er-ams-1", "azure-private", "", 13), ("", ""))
            return "host-key-mismatch" in s13[1] and s13
        got = poll(lambda: try_(lambda: hostkey(a)), 2 * POLL + 3, 0.5)
        check(bool(got), "wrong host key: check 13 warns host-key-mismatch (%s)" % (got,))
        check("partner ce-b: host-key-mismatch" in open(a.logp).read(), "and it is logged")
    finally:
        for r in (a, b):
            r.stop()
        for r in (a, b):
            log_tail_on_failure(r.logp, 6000)
        shutil.rmtree(d, ignore_errors=True)
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
