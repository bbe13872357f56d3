#!/usr/bin/env python3
"""The example Ansible playbooks (examples/ansible) against erreadyd on the
live lab over NETCONF/SSH, with Debian's ansible (ansible.netcommon) and
ncclient, as a team would run them (as root).

erreadyd runs in the lab's customer-edge namespace with NETCONF over SSH
(user admin, a key of the test's); its host key is in the known_hosts of a
HOME of the test's (host key checking stays on). The lab's Microsoft
peering is left out of erreadyd's config, so the playbook pushes it whole:
  - readiness.yml: reads the readiness (netconf_get, display native), pushes
    the peering (netconf_config, save), calls evaluate-now (netconf_rpc);
    a second run reports no change; the peering is in the startup file;
  - maintenance.yml: into maintenance and back, each twice (the second run
    reports no change), saved;
  - a bad value (VLAN 5000): the play fails with erreadyd's own message and
    changes nothing.
Usage: nms_ansible.py ERREADYD
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from lab_checks import Lab  # noqa: E402
from testlib import check, free_tcp_port, info, poll, stop, summary, try_  # noqa: E402

PLAYS = os.path.join(TOP, "examples", "ansible")


def recap(out):
    m = re.search(r"changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    t0 = time.monotonic()
    erreadyd = os.path.abspath(sys.argv[1])
    lab = Lab("frr")
    d = tempfile.mkdtemp(prefix="erready-ansible-")
    agent = None
    try:
        lab.lab("wait", "30")
        ns = ["ip", "netns", "exec", "erl%s-ce" % lab.id]
        home = os.path.join(d, "home")
        state = os.path.join(d, "state")
        os.makedirs(os.path.join(home, ".ssh"))
        os.makedirs(state)
        key = os.path.join(d, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        hostkey = os.path.join(state, "ssh_host_ed25519_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey], check=True)
        port = free_tcp_port()
        with open(os.path.join(home, ".ssh", "known_hosts"), "w") as f:
            f.write("[127.0.0.1]:%d %s\n" % (port, " ".join(open(hostkey + ".pub").read().split()[:2])))

        cfg = json.load(open(lab.cfg))
        er = cfg["expressroute-readiness:expressroute"]
        circuit = er["circuit"][0]
        msft = [p for p in circuit["peering"] if p["type"] == "microsoft"][0]
        circuit["peering"] = [p for p in circuit["peering"] if p["type"] != "microsoft"]
        er["agent"].update({"poll-interval": 5, "alert-hold-down": 0, "snmp": {"enabled": False},
                            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                                        "unix-socket": {"path": os.path.join(d, "nc.sock")},
                                        "user": [{"name": "admin",
                                                  "authorized-key": [open(key + ".pub").read().strip()]}]}})
        # the playbooks change the config as "admin": the example's NACM groups make that user an administrator
        cfg["ietf-netconf-acm:nacm"] = json.load(open(os.path.join(TOP, "examples", "erready.json")))[
            "ietf-netconf-acm:nacm"]
        cfgp = os.path.join(d, "erready.json")
        json.dump(cfg, open(cfgp, "w"), indent=1)
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen(ns + [erreadyd, "-c", cfgp, "--state-dir", state], stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        check(poll(lambda: os.path.exists(os.path.join(d, "nc.sock")), 15), "erreadyd serves NETCONF")

        inv = os.path.join(d, "inventory.ini")
        with open(inv, "w") as f:
            f.write("[erready]\nlab ansible_host=127.0.0.1 ansible_port=%d\n\n[erready:vars]\n"
                    "ansible_connection=ansible.netcommon.netconf\nansible_network_os=ansible.netcommon.default\n"
                    "ansible_user=admin\nansible_ssh_private_key_file=%s\n" % (port, key))
        peering = {"circuit": circuit["name"], "type": "microsoft", "vlan_id": msft["vlan-id"],
                   "customer_asn": msft["customer-asn"], "ipv4_primary": msft["ipv4"]["primary-subnet"],
                   "ipv4_secondary": msft["ipv4"]["secondary-subnet"],
                   "primary_interface": msft["primary-interface"], "secondary_interface": msft["secondary-interface"],
                   "advertised_public_prefixes": msft.get("advertised-public-prefix", []),
                   "nat_pool": msft.get("nat-pool", [])}
        if "ipv6" in msft:
            peering["ipv6_primary"] = msft["ipv6"]["primary-subnet"]
            peering["ipv6_secondary"] = msft["ipv6"]["secondary-subnet"]
        for k_yang, k_var in (("routing-registry", "routing_registry"), ("qos-profile", "qos_profile")):
            if k_yang in msft:
                peering[k_var] = msft[k_yang]
        good = os.path.join(d, "peering.json")
        json.dump({"peering": peering}, open(good, "w"))
        bad = os.path.join(d, "bad.json")
        json.dump({"peering": dict(peering, vlan_id=5000)}, open(bad, "w"))
        env = dict(os.environ, HOME=home, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                   ANSIBLE_LOCAL_TEMP=os.path.join(d, "ansible-tmp"), ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3",
                   ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="60")

        def play(book, *extra):
            t = time.monotonic()
            r = subprocess.run(ns + ["ansible-playbook", "-i", inv, os.path.join(PLAYS, book)] + list(extra),
                               capture_output=True, text=True, env=env, timeout=300)
            info("%s %s: exit %d in %.1f s, recap %s" % (book, " ".join(extra), r.returncode, time.monotonic() - t,
                                                        recap(r.stdout)))
            return r

        r = play("readiness.yml", "-e", "@" + good)
        ok = check(r.returncode == 0 and recap(r.stdout) == (1, 0, 0),
                   "readiness.yml: reads readiness, pushes the Microsoft peering (changed=1), evaluate-now")
        if not ok:
            print(r.stdout[-4000:], r.stderr[-2000:])
        check(re.search(r'"msg": "lab: (ready|degraded|not-ready|unknown), \d+ check\(s\) failing"', r.stdout) is not None,
              "the readiness and failing-check count are read with display: native")
        saved = json.load(open(cfgp))["expressroute-readiness:expressroute"]["circuit"][0]
        got = [p for p in saved["peering"] if p["type"] == "microsoft"]
        check(got and got[0].get("vlan-id") == msft["vlan-id"] and got[0].get("nat-pool") == msft.get("nat-pool"),
              "save: the pushed peering is in the startup file")
        ev = r.stdout.split('"evaluation.output"')[-1]
        check(re.search(r"<readiness[^>]*>(ready|degraded|not-ready|unknown)</readiness>", ev) is not None,
              "evaluate-now answered with the fresh evaluation's readiness")
        r = play("readiness.yml", "-e", "@" + good)
        check(r.returncode == 0 and recap(r.stdout) == (0, 0, 0), "readiness.yml again: no change (changed=0)")

        for value in ("true", "true", "false", "false"):
            before = open(cfgp).read()
            r = play("maintenance.yml", "-e", "circuit=" + circuit["name"], "-e", "maintenance=" + value)
            now = json.load(open(cfgp))["expressroute-readiness:expressroute"]["circuit"][0].get("maintenance", False)
            changed = before != open(cfgp).read()
            check(r.returncode == 0 and recap(r.stdout) == (int(changed), 0, 0) and now == (value == "true"),
                  "maintenance.yml maintenance=%s: %s, saved %s" % (value, "changed" if changed else "no change", now))

        before = open(cfgp).read()
        r = play("readiness.yml", "-e", "@" + bad)
        out = r.stdout + r.stderr
        m = re.search(r'"msg": "((?:[^"\\]|\\.)*)"', out.split("Push the whole peering")[-1])
        check(r.returncode != 0 and recap(r.stdout) is not None and recap(r.stdout)[2] == 1 and m is not None
              and "vlan-id" in m.group(1) and "5000" in m.group(1),
              "VLAN 5000: the play fails with erreadyd's message: %s" % (m.group(1) if m else out[-600:]))
        check(open(cfgp).read() == before, "the refused edit changed nothing in the startup file")
        check(agent.poll() is None, "erreadyd still running")
    finally:
        if agent:
            rc = stop(agent)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        from testlib import failures
        if failures():
            p = os.path.join(d, "erreadyd.log")
            if os.path.exists(p):
                print("---- erreadyd.log (tail)\n" + "".join(open(p, errors="replace").readlines()[-40:]))
        shutil.rmtree(d, ignore_errors=True)
        lab.down()
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
