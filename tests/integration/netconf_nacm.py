#!/usr/bin/python3
"""Integration test: RFC 8341 NETCONF access control (NACM) in erreadyd, driven by ncclient.

erreadyd runs on a host-state snapshot (--observed) with the example config's
admin and nms groups (examples/erready.json), SSH users admin, nms and guest
(guest is in no group), and its UNIX socket. Checked over real sessions:
  - nms (read-only group) reads the data but neither the secrets nor /nacm, and
    gets access-denied (error-type protocol) on edit-config and commit;
  - guest (no group) reads but cannot write: write-default deny gives
    access-denied (error-type application) with the error-path of the node,
    on edit-config and on copy-config;
    kill-session is denied by default (nacm:default-deny-all in RFC 6241);
  - admin edits running, and its edit of /nacm counts for the very next
    operation of another session, without a restart;
  - root on the UNIX socket is the recovery session; another UNIX user is not;
  - denied-operations / denied-data-writes / denied-notifications rise by
    exactly the denials made here; a denied notification is not delivered.
Usage: netconf_nacm.py ERREADYD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, poll, try_  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
ACM_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
COMMUNITY = "Ro-Secret-4711"
TRAP_COMMUNITY = "Trap-Secret-0815"


def edit(m, target, inner, ns=ER_NS, top="expressroute"):
    return nclib.rpc(m, '<edit-config><target><%s/></target><config xmlns="%s"><%s xmlns="%s">%s</%s></config>'
                     '</edit-config>' % (target, NC_NS, top, ns, inner, top))


def poll_edit(m, value, target="running"):
    return edit(m, target, "<agent><poll-interval>%d</poll-interval></agent>" % value)


def counters(m):
    """denied-operations, denied-data-writes, denied-notifications as the recovery session reads them."""
    r = m.get(filter=("subtree", '<nacm xmlns="%s"/>' % ACM_NS)).data_ele
    out = []
    for name in ("denied-operations", "denied-data-writes", "denied-notifications"):
        e = r.find(".//{%s}%s" % (ACM_NS, name))
        out.append(int(e.text) if e is not None else -1)
    return out


def one_error(r):
    errs = nclib.errors(r)
    return errs[0] if len(errs) == 1 else {}


def run_as_nobody(sock):
    """An edit-config over the UNIX socket by user nobody: not root, so not the recovery session."""
    code = ("import sys; sys.path.insert(0, %r); import nclib\n"
            "m = nclib.connect_unix(%r)\n"
            "r = nclib.rpc(m, '<edit-config><target><running/></target><config xmlns=\"%s\"><expressroute "
            "xmlns=\"%s\"><agent><poll-interval>77</poll-interval></agent></expressroute></config></edit-config>')\n"
            "e = nclib.errors(r)\n"
            "print(e[0].get('error-tag') if e else 'ok')\n"
            "nclib.close_quietly(m)\n" % (HERE, sock, NC_NS, ER_NS))
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c",
                           code], capture_output=True, text=True, timeout=60)


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-nacm-")
    agent = None
    sessions = []
    try:
        key = os.path.join(d, "id")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        pub = open(key + ".pub").read().strip()
        port = free_tcp_port()
        sock = os.path.join(d, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests", "data", "observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples", "erready.json")))
        check("ietf-netconf-acm:nacm" in cfg, "the example config carries the NACM groups")
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0,
            "snmp": {"enabled": False, "community": COMMUNITY,
                     "trap-sink": [{"address": "127.0.0.1", "port": 162, "community": TRAP_COMMUNITY}]},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0666"},
                        "user": [{"name": u, "authorized-key": [pub]} for u in ("admin", "nms", "guest")]}})
        with open(cfgp, "w") as f:
            json.dump(cfg, f, indent=1)
        os.chmod(d, 0o755)  # user nobody reaches the socket (the key and config stay 0600)
        os.chmod(cfgp, 0o600)
        os.chmod(key, 0o600)
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 10), "UNIX socket appears")

        def ssh(user):
            m = poll(lambda: try_(lambda: nclib.connect_ssh("127.0.0.1", port, user, key)), 10, 0.2)
            check(m is not None, "%s logs in over SSH" % user)
            sessions.append(m)
            return m

        root = nclib.connect_unix(sock)
        sessions.append(root)
        c0 = counters(root)
        check(c0 == [0, 0, 0], "the recovery session reads the NACM counters: all 0 at start (%s)" % c0)
        admin, nms, guest = ssh("admin"), ssh("nms"), ssh("guest")

        # nms: reads the data, not the secrets nor the access control config
        for what, xml in (("get", nms.get().data_xml), ("get-config", nms.get_config("running").data_xml)):
            check("<poll-interval>300</poll-interval>" in xml and "er-ams-1" in xml, "nms: %s returns the config" % what)
            check(COMMUNITY not in xml and TRAP_COMMUNITY not in xml and "<community>" not in xml,
                  "nms: %s returns no community (SNMPv2c nor trap-sink)" % what)
            check("<rule-list>" not in xml and "<groups>" not in xml and "denied-operations" not in xml,
                  "nms: %s leaves /nacm out (nacm:default-deny-all)" % what)
        xml = nms.get().data_xml
        check("<readiness>" in xml, "nms: get returns the state")

        # nms: no edit-config, no commit
        e = one_error(poll_edit(nms, 120))
        check(e.get("error-tag") == "access-denied" and e.get("error-type") == "protocol",
              "nms: edit-config is access-denied, error-type protocol (%s)" % e)
        check('user "nms" may not execute ietf-netconf:edit-config' in e.get("error-message", ""),
              "  the message names the user and the operation (%s)" % e.get("error-message"))
        e = one_error(nclib.rpc(nms, "<commit/>"))
        check(e.get("error-tag") == "access-denied" and e.get("error-type") == "protocol",
              "nms: commit is access-denied (%s)" % e)

        # guest (no group): reads, cannot write (write-default deny), no kill-session (default-deny-all)
        check("<poll-interval>300</poll-interval>" in guest.get_config("running").data_xml, "guest: get-config works")
        e = one_error(poll_edit(guest, 121))
        check(e.get("error-tag") == "access-denied" and e.get("error-type") == "application" and
              e.get("error-path") == "/expressroute-readiness:expressroute/agent/poll-interval",
              "guest: edit-config is access-denied, error-type application, error-path of the leaf (%s)" % e)
        check('user "guest" may not update /expressroute-readiness:expressroute/agent/poll-interval' in
              e.get("error-message", ""), "  the message says which access is missing (%s)" % e.get("error-message"))
        e = one_error(nclib.rpc(guest, "<kill-session><session-id>%s</session-id></kill-session>" % nms.session_id))
        check(e.get("error-tag") == "access-denied", "guest: kill-session is denied by default (%s)" % e)
        check(nms.connected, "  and the session stays up")
        check("<poll-interval>300</poll-interval>" in root.get_config("running").data_xml,
              "nothing changed by the denied edits")

        # admin: edits running and the candidate, commits, reads /nacm
        r = poll_edit(admin, 120)
        check(not nclib.errors(r), "admin: edit-config of running (%s)" % nclib.errors(r))
        r = poll_edit(admin, 130, "candidate")
        check(not nclib.errors(r), "admin: edit-config of the candidate")
        # the candidate is shared: nms cannot commit admin's change, even through another path
        e = one_error(nclib.rpc(nms, "<commit/>"))
        check(e.get("error-tag") == "access-denied", "nms: commit of admin's candidate denied")
        r = nclib.rpc(admin, "<commit/>")
        check(not nclib.errors(r), "admin: commit")
        check("<poll-interval>130</poll-interval>" in nms.get_config("running").data_xml,
              "admin's commit is in running, as nms reads it")
        check("<rule-list>" in admin.get_config("running").data_xml, "admin reads /nacm (permit-all rule)")
        # copy-config is checked node by node too: startup still has 300
        e = one_error(nclib.rpc(guest, "<copy-config><target><startup/></target><source><running/></source>"
                                       "</copy-config>"))
        check(e.get("error-tag") == "access-denied" and e.get("error-type") == "application" and
              e.get("error-path") == "/expressroute-readiness:expressroute/agent/poll-interval",
              "guest: copy-config running to startup is access-denied at the changed leaf (%s)" % e)
        check(json.load(open(cfgp))["expressroute-readiness:expressroute"]["agent"]["poll-interval"] == 300,
              "  and the startup file keeps 300")

        c1 = counters(root)
        check(c1[0] - c0[0] == 4, "denied-operations rose by exactly 4 (nms edit-config, commit x2, guest "
              "kill-session): %s -> %s" % (c0, c1))
        check(c1[1] - c0[1] == 2, "denied-data-writes rose by exactly 2 (guest's edit-config and copy-config): "
              "%s -> %s" % (c0, c1))

        # admin puts guest in the admin group: effective for guest's next operation, no restart
        r = edit(admin, "running", "<groups><group><name>admin</name><user-name>guest</user-name></group></groups>",
                 ns=ACM_NS, top="nacm")
        check(not nclib.errors(r), "admin: guest added to the admin group by edit-config (%s)" % nclib.errors(r))
        r = poll_edit(guest, 122)
        check(not nclib.errors(r), "guest: the next edit-config is permitted, without a restart (%s)" % nclib.errors(r))
        # a bad NACM edit names what is wrong and changes nothing
        e = one_error(edit(admin, "running", "<rule-list><name>x</name><group>*</group><rule><name>r</name>"
                           "<action>maybe</action></rule></rule-list>", ns=ACM_NS, top="nacm"))
        check(e.get("error-tag") == "invalid-value" and "maybe" in e.get("error-message", ""),
              "an invalid NACM edit is refused, naming the value (%s)" % e)
        check("<name>x</name>" not in admin.get_config("running").data_xml, "  and changes nothing")

        # notifications: admin denies every event of our module to nms
        r = edit(admin, "running", "<rule-list><name>nms</name><rule><name>no-events</name>"
                 "<module-name>expressroute-readiness</module-name><notification-name>*</notification-name>"
                 "<access-operations>read</access-operations><action>deny</action></rule></rule-list>",
                 ns=ACM_NS, top="nacm")
        check(not nclib.errors(r), "admin: rule denying nms the module's notifications")
        nms.create_subscription()
        guest.create_subscription()
        c2 = counters(root)
        obs = json.load(open(obsp))
        obs["bgp"]["neighbors"][1]["state"] = "idle"
        with open(obsp + ".new", "w") as f:
            json.dump(obs, f)
        os.rename(obsp + ".new", obsp)
        nclib.rpc(root, '<evaluate-now xmlns="%s"/>' % ER_NS)
        got = []
        end = time.time() + 10
        while time.time() < end and not any(n.name == "redundancy-lost" for n in got):
            n = nclib.take_notification(guest, timeout=1)
            if n:
                got.append(n)
        ours = [n for n in got if n.namespace == ER_NS]
        check(any(n.name == "redundancy-lost" for n in ours), "guest gets the notifications (%s)" %
              ",".join(n.name for n in got))
        time.sleep(0.5)  # nms's session thread drops its copies meanwhile
        got += nclib.drain_notifications(guest)
        ours = [n for n in got if n.namespace == ER_NS]
        check(nclib.take_notification(nms, timeout=1) is None, "nms gets none of them")
        c3 = counters(root)
        check(c3[2] - c2[2] == len(ours), "denied-notifications rose by exactly the %d dropped: %s -> %s" %
              (len(ours), c2, c3))

        # root on the UNIX socket is the recovery session; user nobody on the same socket is not
        r = poll_edit(root, 140)
        check(not nclib.errors(r), "root (UNIX socket): edit-config without any NACM rule")
        r = nclib.rpc(root, "<kill-session><session-id>%s</session-id></kill-session>" % nms.session_id)
        check(not nclib.errors(r), "root (UNIX socket): kill-session (default-deny-all) permitted")
        check(poll(lambda: not nms.connected, 5, 0.1), "  the killed session is closed")
        p = run_as_nobody(sock)
        check(p.stdout.strip() == "access-denied", "user nobody on the UNIX socket is subject to NACM (%s %s)" %
              (p.stdout.strip(), p.stderr.strip()[-300:]))
        check("<poll-interval>140</poll-interval>" in root.get_config("running").data_xml,
              "running as root left it")
        # the NACM config is saved beside ours, in the startup file
        r = nclib.rpc(admin, "<copy-config><target><startup/></target><source><running/></source></copy-config>")
        check(not nclib.errors(r), "admin: copy-config running to startup (%s)" % nclib.errors(r))
        saved = json.load(open(cfgp))
        groups = saved.get("ietf-netconf-acm:nacm", {}).get("groups", {}).get("group", [])
        check(any(g["name"] == "admin" and "guest" in g.get("user-name", []) for g in groups),
              "the NACM edit is saved in the config file beside the expressroute data")
    finally:
        for m in sessions:
            nclib.close_quietly(m)
        if agent:
            rc = nclib.stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        nclib.log_tail_on_failure(os.path.join(d, "erreadyd.log"), 10 ** 9)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
