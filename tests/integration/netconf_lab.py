#!/usr/bin/python3
"""Integration test of NETCONF notifications on the live lab (as root).

erreadyd runs in the lab's customer-edge namespace and collects the real
state of FRR (no --observed), with NETCONF on a UNIX socket in a temporary
directory (SSH and SNMP off), poll-interval 5 s and alert-hold-down 0.
With ncclient (nclib.connect_unix):
  - three subscriptions on the NETCONF stream once readiness is degraded (the
    healthy single-router lab: check 11 warns that one CE holds both links): one
    without filter, one with a subtree filter and one with an XPath filter
    that both select only redundancy-lost / redundancy-restored;
  - the secondary private MSEE stopped (lab fault stop-msee-priv-secondary):
    redundancy-lost within the poll interval + a margin, with circuit,
    peering, path, neighbour, sessions-up and detail, and bgp-session-changed
    (established -> down) for that neighbour; the filtered sessions get the
    redundancy-lost and nothing else;
  - the MSEE back: redundancy-restored (sessions-up 2) and
    bgp-session-changed back to established;
  - replay: startTime in the past gives exactly the events the live session
    saw (same eventTime, kind and leaves) then replayComplete; with a filter,
    only the filtered kinds; with stopTime, the events up to it,
    replayComplete, then notificationComplete (the session stays usable);
  - erreadyd restarted (SIGTERM, same --state-dir): the same replay still
    returns the earlier events (the event log survives a restart).
The lab is taken down on every exit path.  With --valgrind erreadyd runs
under valgrind memcheck (both starts) and must exit 0 on SIGTERM.
Usage: netconf_lab.py [--valgrind] ERREADYD VARIANT
"""
import calendar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lab_checks import Lab, SUPP  # noqa: E402
import nclib  # noqa: E402
from nclib import check, poll as wait, try_ as _try  # noqa: E402

ER = nclib.ERR_NS
NOTIF = nclib.NOTIF_NS
POLL = 5          # seconds: the poll interval of the test config (the least YANG allows)
FAULT = "stop-msee-priv-secondary"
NEIGHBOR = "172.16.0.6"   # the secondary private MSEE, as the CE sees it
REDUNDANCY = ("redundancy-lost", "redundancy-restored")
MARKERS = ("replayComplete", "notificationComplete")

def ts_us(s):
    """eventTime (2026-01-02T03:04:05.123456Z, as erreadyd writes it) -> microseconds since the epoch."""
    base, _, frac = s.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) * 1000000 + int((frac + "000000")[:6])


def time_str(us):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(us // 1000000)) + ".%06dZ" % (us % 1000000)


def now_us():
    return int(time.time() * 1000000)


def key(n):
    """What must be identical between a live notification and its replay."""
    return (n.event_time, n.name, json.dumps(n.leaves, sort_keys=True))


def brief(ns):
    out = []
    for n in ns:
        extra = n.leaves.get("neighbor-address") or n.leaves.get("new-readiness") or n.leaves.get("id") or ""
        out.append(n.name + ("(%s)" % extra if extra else ""))
    return ", ".join(out) or "nothing"


class Agent:
    """erreadyd in the lab's customer-edge namespace."""

    def __init__(self, lab, erreadyd, valgrind):
        self.lab = lab
        self.erreadyd = erreadyd
        self.valgrind = valgrind
        self.dir = tempfile.mkdtemp(prefix="erready-nclab-")
        self.sock = os.path.join(self.dir, "nc.sock")
        self.state = os.path.join(self.dir, "state")
        self.cfg = os.path.join(self.dir, "erready.json")
        self.log = os.path.join(self.dir, "erreadyd.log")
        self.proc = None
        self.sessions = []
        with open(lab.cfg) as f:
            cfg = json.load(f)
        self.circuit = cfg["expressroute-readiness:expressroute"]["circuit"][0]["name"]
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": POLL, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": self.sock, "mode": "0600"}}})
        with open(self.cfg, "w") as f:
            json.dump(cfg, f, indent=1)

    def start(self):
        cmd = [self.erreadyd, "-c", self.cfg, "--state-dir", self.state]
        if self.valgrind:
            cmd = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect", "--suppressions=" + SUPP] + cmd
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        with open(self.log, "ab") as f:
            self.proc = subprocess.Popen(["ip", "netns", "exec", "erl%s-ce" % self.lab.id] + cmd,
                                         stdout=f, stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGTERM):
        for m in self.sessions:
            nclib.close_quietly(m)
        self.sessions = []
        p, self.proc = self.proc, None
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=60 if self.valgrind else 15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def connect(self):
        m = nclib.connect_unix(self.sock, timeout=60 if self.valgrind else 15)
        self.sessions.append(m)
        return m

    def wait_socket(self, timeout):
        def up():
            m = _try(lambda: nclib.connect_unix(self.sock, timeout=5))
            if m:
                nclib.close_quietly(m)
            return m is not None
        return wait(lambda: os.path.exists(self.sock) and up(), timeout, 0.1)

    def cleanup(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def readiness(m):
    r = m.get(filter=("subtree", '<expressroute xmlns="%s"><readiness><readiness/></readiness></expressroute>' % ER))
    v = re.search(r"<readiness>([a-z-]+)</readiness>", r.xml)
    return v.group(1) if v else None


def subscribe(m, filt="", start=None, stop=None):
    body = '<create-subscription xmlns="%s"><stream>NETCONF</stream>%s%s%s</create-subscription>' % (
        NOTIF, filt, "<startTime>%s</startTime>" % time_str(start) if start else "",
        "<stopTime>%s</stopTime>" % time_str(stop) if stop else "")
    r = nclib.rpc(m, body)
    return r.ok and not nclib.errors(r), r.xml


SUBTREE = '<filter type="subtree"><redundancy-lost xmlns="%s"/><redundancy-restored xmlns="%s"/></filter>' % (ER, ER)
XPATH = ('<filter type="xpath" xmlns:er="%s" select="/er:redundancy-lost | /er:redundancy-restored"/>' % ER)


def collect(m, until, timeout, quiet=1.0):
    """Notifications of m until one satisfies until(n) (then quiet seconds more
    without any) or timeout; returns (list, monotonic time of the first match)."""
    got, hit = [], None
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if hit is not None:
            left = min(left, quiet)
        if left <= 0:
            return got, hit
        n = nclib.take_notification(m, timeout=left)
        if n is None:
            if hit is not None:
                return got, hit
            continue
        got.append(n)
        if hit is None and until(n):
            hit = time.monotonic()


def replay(m, timeout, quiet=0.5):
    """Notifications of m until notificationComplete, or until quiet seconds
    without any after replayComplete, or timeout."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if got and got[-1].name == "replayComplete":
            left = min(left, quiet)
        if left <= 0:
            return got
        n = nclib.take_notification(m, timeout=left)
        if n is None:
            if got and got[-1].name == "replayComplete":
                return got
            continue
        got.append(n)
        if n.name == "notificationComplete":
            return got


def split_replay(ns):
    """(events before replayComplete, names of the markers, events after)."""
    names = [n.name for n in ns]
    if "replayComplete" not in names:
        return [n for n in ns if n.name not in MARKERS], [n for n in names if n in MARKERS], []
    i = names.index("replayComplete")
    return ns[:i], [n for n in names if n in MARKERS], [n for n in ns[i + 1:] if n.name not in MARKERS]


def test(lab, agent):
    slow = agent.valgrind
    margin = 10.0 if slow else 2.0
    agent.start()
    if not check(agent.wait_socket(120 if slow else 30), "erreadyd serves NETCONF on its UNIX socket"):
        return
    a = agent.connect()
    t0 = time.monotonic()
    # one CE holds both links of every peering: healthy reads degraded (check 11, Microsoft HA guidance)
    ok = wait(lambda: _try(lambda: readiness(a)) == "degraded", 120 if slow else 60, 0.5)
    if not check(ok, "readiness of the healthy single-router lab is degraded (%.1f s, last %s)"
                 % (time.monotonic() - t0, _try(lambda: readiness(a)))):
        return
    b, c = agent.connect(), agent.connect()
    for m, filt, what in ((a, "", "no filter"), (b, SUBTREE, "subtree filter"), (c, XPATH, "XPath filter")):
        ok, xml = subscribe(m, filt)
        check(ok, "create-subscription on stream NETCONF, %s" % what + ("" if ok else ": " + xml[:300]))
    live = collect(a, lambda n: False, 0.5)[0]  # whatever is already on its way
    early_b, early_c = collect(b, lambda n: False, 0.2)[0], collect(c, lambda n: False, 0.2)[0]

    # -- the secondary private MSEE stops ------------------------------------------------
    t_start = now_us() - 1000000  # replay from here: 1 s before the fault
    time.sleep(1.0)
    t0 = time.monotonic()
    lab.lab("fault", FAULT)
    t_fault = time.monotonic()

    def lost_here(n):
        return n.name == "redundancy-lost" and n.leaves.get("neighbor-address") == NEIGHBOR

    got, hit = collect(a, lost_here, POLL + 20 + (60 if slow else 0), quiet=1.5)
    live += got
    dt = (hit - t0) if hit else None
    if check(hit is not None, "redundancy-lost for %s received (%s)" % (NEIGHBOR, brief(got))):
        check(dt <= POLL + margin, "within poll interval + %.0f s of the fault (%.2f s, the fault command took %.2f s)"
              % (margin, dt, t_fault - t0))
        lost = [n for n in got if lost_here(n)][0]
        lv = lost.leaves
        want = {"circuit": agent.circuit, "peering": "azure-private", "path": "secondary",
                "neighbor-address": NEIGHBOR, "sessions-up": "1"}
        check(lost.namespace == ER and all(lv.get(k) == v for k, v in want.items()) and lv.get("detail"),
              "redundancy-lost: circuit %s, azure-private, secondary, %s, sessions-up 1, detail \"%s\""
              % (lv.get("circuit"), lv.get("neighbor-address"), lv.get("detail")))
        check(lost.event_time and abs(ts_us(lost.event_time) - now_us()) < 60 * 1000000,
              "eventTime %s is now" % lost.event_time)
    down = [n for n in got if n.name == "bgp-session-changed" and n.leaves.get("neighbor-address") == NEIGHBOR]
    if check(len(down) == 1, "bgp-session-changed for %s (%d)" % (NEIGHBOR, len(down))):
        lv = down[0].leaves
        check(lv.get("old-state") == "established" and lv.get("new-state") not in (None, "established")
              and lv.get("circuit") == agent.circuit and lv.get("peering") == "azure-private"
              and lv.get("path") == "secondary",
              "session down: established -> %s on azure-private secondary (last-error \"%s\")"
              % (lv.get("new-state"), lv.get("last-error", "")))
    others = [n for n in got if n.name in REDUNDANCY + ("bgp-session-changed",)
              and n.leaves.get("neighbor-address") != NEIGHBOR]
    check(not others, "no redundancy or session event for another neighbour (%s)" % brief(others))
    for m, what, early in ((b, "subtree", early_b), (c, "XPath", early_c)):
        fgot = early + collect(m, lambda n: False, 1.0 if hit else 0.2)[0]
        check([n.name for n in fgot] == ["redundancy-lost"] and hit and key(fgot[0]) == key(lost),
              "%s-filtered session: only the redundancy-lost (%s)" % (what, brief(fgot)))

    # -- the MSEE is back -------------------------------------------------------------------
    t_stop = now_us()  # between the two redundancy events: the stopTime of a replay
    time.sleep(0.2)
    lab.lab("restore", FAULT)

    def restored_here(n):
        return n.name == "redundancy-restored" and n.leaves.get("neighbor-address") == NEIGHBOR

    got, hit = collect(a, restored_here, 90 + (60 if slow else 0), quiet=1.5)
    live += got
    if check(hit is not None, "redundancy-restored for %s when the MSEE is back (%s)" % (NEIGHBOR, brief(got))):
        lv = [n for n in got if restored_here(n)][0].leaves
        want = {"circuit": agent.circuit, "peering": "azure-private", "path": "secondary",
                "neighbor-address": NEIGHBOR, "sessions-up": "2"}
        check(all(lv.get(k) == v for k, v in want.items()) and lv.get("detail"),
              "redundancy-restored: circuit, azure-private, secondary, %s, sessions-up %s"
              % (lv.get("neighbor-address"), lv.get("sessions-up")))
    up = [n for n in got if n.name == "bgp-session-changed" and n.leaves.get("neighbor-address") == NEIGHBOR]
    check(len(up) == 1 and up[0].leaves.get("new-state") == "established"
          and up[0].leaves.get("old-state") != "established",
          "session up: bgp-session-changed %s -> established" % (up[0].leaves.get("old-state") if up else "?"))
    for m, what in ((b, "subtree"), (c, "XPath")):
        fgot = collect(m, lambda n: False, 1.0 if hit else 0.2)[0]
        check([n.name for n in fgot] == ["redundancy-restored"],
              "%s-filtered session: only the redundancy-restored (%s)" % (what, brief(fgot)))
    # Let every check settle (BFD, readiness) so that the event log holds the whole episode.
    ok = wait(lambda: _try(lambda: readiness(a)) == "degraded", 60 + (60 if slow else 0), 0.5)
    check(ok, "readiness back to degraded (the healthy single-router lab)")
    live += collect(a, lambda n: False, POLL + 1.5)[0]
    t_end = now_us()
    episode = [n for n in live if ts_us(n.event_time) >= t_start]
    check(any(lost_here(n) for n in episode) and any(restored_here(n) for n in episode),
          "the live session saw %d events since the fault: %s" % (len(episode), brief(episode)))
    within = [n for n in episode if ts_us(n.event_time) <= t_stop]

    # -- replay after the fact ------------------------------------------------------------
    def replay_check(label, filt, start, stop, want, complete):
        m = agent.connect()
        ok, xml = subscribe(m, filt, start, stop)
        if not check(ok, "%s: create-subscription accepted" % label + ("" if ok else ": " + xml[:300])):
            return
        got = replay(m, 30 if agent.valgrind else 10)
        events, markers, after = split_replay(got)
        check([key(n) for n in events] == [key(n) for n in want],
              "%s: the %d events (%s)" % (label, len(want), brief(events)))
        check(markers == (["replayComplete", "notificationComplete"] if complete else ["replayComplete"])
              and not after, "%s: then %s" % (label, " then ".join(markers) or "no marker"))
        if complete:
            r = _try(lambda: readiness(m))
            check(r is not None, "%s: the session still answers a <get> after notificationComplete" % label)
        nclib.close_quietly(m)
        agent.sessions.remove(m)

    replay_check("replay (startTime)", "", t_start, None, episode, False)
    replay_check("replay (startTime, subtree filter)", SUBTREE, t_start, None,
                 [n for n in episode if n.name in REDUNDANCY], False)
    replay_check("replay (startTime, stopTime before the restore)", "", t_start, t_stop, within, True)

    # -- restart: the event log survives ------------------------------------------------------
    rc = agent.stop()
    check(rc == 0, "erreadyd stops cleanly on SIGTERM (exit %s)" % rc)
    check(os.path.getsize(os.path.join(agent.state, "netconf-events.log")) > 0,
          "event log netconf-events.log in the state directory")
    agent.start()
    if not check(agent.wait_socket(120 if slow else 30), "erreadyd restarted with the same --state-dir"):
        return
    replay_check("after restart, replay (startTime, stopTime)", "", t_start, t_end, episode, True)
    m = agent.connect()
    ok, _ = subscribe(m, XPATH, t_start)
    events, markers, _ = split_replay(replay(m, 30 if agent.valgrind else 10))
    check(ok and [key(n) for n in events] == [key(n) for n in episode if n.name in REDUNDANCY]
          and markers == ["replayComplete"],
          "after restart, replay (startTime, XPath filter): %s then %s" % (brief(events), ", ".join(markers)))
    rc = agent.stop()
    check(rc == 0, "erreadyd stops cleanly after the restart%s (exit %s)"
          % (" under valgrind, no error" if agent.valgrind else "", rc))


def main():
    args = sys.argv[1:]
    valgrind = "--valgrind" in args
    args = [a for a in args if a != "--valgrind"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    erreadyd, variant = os.path.abspath(args[0]), args[1]
    # SIGTERM (ctest, a user) unwinds through the finally blocks like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t_all = time.monotonic()
    lab = Lab.__new__(Lab)
    agent = None
    try:
        Lab.__init__(lab, variant)  # lab.down() below also covers a failure after "up"
        lab.lab("wait", "30")
        print("     lab %s up in %.1f s" % (variant, time.monotonic() - t_all), flush=True)
        agent = Agent(lab, erreadyd, valgrind)
        test(lab, agent)
        if nclib.failures() and os.path.exists(agent.log):
            print("---- erreadyd.log (tail)")
            print("".join(open(agent.log, errors="replace").readlines()[-40:]))
    finally:
        if agent:
            agent.cleanup()
        if hasattr(lab, "env"):
            lab.down()
    return nclib.summary(t_all)


if __name__ == "__main__":
    sys.exit(main())
