#!/usr/bin/python3
"""tests/bench/gen_synthetic.py - a large, healthy erreadyd configuration and
the matching observed-state snapshot, for the SNMP benchmark.

usage: gen_synthetic.py [options] SESSIONS OUTDIR

Writes OUTDIR/erready.json (configuration, YANG module expressroute-readiness)
and OUTDIR/observed.json (an --observed snapshot, README "Observed-state
snapshots") describing SESSIONS BGP sessions, all Established.

Shape: ceil(SESSIONS / 4) circuits, each with one azure-private peering whose
two links (primary, secondary) carry an IPv4 and an IPv6 session each, so a
circuit holds 4 sessions (1000 sessions = 250 circuits, 10000 = 2500). When
SESSIONS is not a multiple of 4 the last circuit has IPv4 only (2 sessions),
so SESSIONS must be even.

Circuit i (0-based) is named erbench-NNNNN (i + 1, five digits) and uses
  IPv4 links  172.16.0.0 + 8i /30 (primary) and + 8i + 4 /30 (secondary)
  IPv6 links  fd00:e7::/64 + 8i /126 and + 8i + 4 /126
  VLAN        100 + i mod 3995, on interfaces pN.VLAN and sN.VLAN (N = i + 1)
  VNet        10.X.Y.0/24 (X.Y = i) and fd10:X:Y::/48, received from the MSEEs
  on-prem     192.168.X.0/24 style prefixes (100.64.0.0/10 + 256i /24) and
              fd20::/16 + i /48, advertised to the MSEEs
The customer (this router) uses the first address of each link subnet, the
MSEE the second; the MSEEs are AS 12076, the customer AS is 65010 (-a).
Everything is deterministic: the same arguments give the same files.

Options add SNMP settings under agent/snmp (otherwise the agent section holds
only the poll interval and bgp source none):
  --snmp-mode auto|subagent|master
  --agentx-socket PATH        (Net-SNMP syntax: a path, unix:PATH, tcp:H:P)
  --agentx-ping-interval S
  --listen SPEC                repeatable (udp:127.0.0.1:1161 ...)
  --community NAME
Stdlib only; run with /usr/bin/python3.
"""
import argparse
import ipaddress
import json
import os
import sys
import uuid

MSEE_AS = 12076
IPV4_BASE = ipaddress.IPv4Address("172.16.0.0")   # 172.16.0.0/12: 131072 circuits
IPV6_BASE = ipaddress.IPv6Address("fd00:e7::")
ONPREM4_BASE = ipaddress.IPv4Address("100.64.0.0")  # /10: 16384 /24s
NS_KEYS = uuid.UUID("6c0f6a52-52f1-4b8e-9d0b-3f3b1f6f0e11")
PROVIDERS = [("Equinix", "Amsterdam"), ("Megaport", "London"), ("Equinix", "Frankfurt"),
             ("Colt", "Paris"), ("Interxion", "Amsterdam2"), ("Megaport", "Dublin")]
BANDWIDTHS = [1000, 2000, 5000, 10000]
NOW = 1795000000  # collected-at, fixed so the output is reproducible


def circuit_plan(sessions):
    """[(index, has_ipv6)] for the circuits holding SESSIONS sessions."""
    full, rest = divmod(sessions, 4)
    plan = [(i, True) for i in range(full)]
    if rest:
        plan.append((full, False))
    return plan


def build(sessions, customer_as, snmp):
    circuits, nbrs, bfd, ifs, neigh, queues = [], [], [], [], [], []
    plan = circuit_plan(sessions)
    if len(plan) > 16384:
        raise ValueError("at most 65536 sessions (16384 circuits)")
    for i, v6 in plan:
        name = "erbench-%05d" % (i + 1)
        vlan = 100 + i % 3995
        provider, location = PROVIDERS[i % len(PROVIDERS)]
        bw = BANDWIDTHS[i % len(BANDWIDTHS)]
        hi, lo = divmod(i, 256)
        vnet4, vnet6 = "10.%d.%d.0/24" % (hi, lo), "fd10:%x:%x::/48" % (hi, lo)
        onprem4 = "%s/24" % (ONPREM4_BASE + 256 * i)
        onprem6 = "fd20:%x::/48" % i
        links = []  # (path, ifname, v4 subnet, v6 subnet or None)
        for k, path in enumerate(("primary", "secondary")):
            s4 = ipaddress.IPv4Network("%s/30" % (IPV4_BASE + 8 * i + 4 * k))
            s6 = ipaddress.IPv6Network("%s/126" % (IPV6_BASE + 8 * i + 4 * k)) if v6 else None
            links.append((path, "%s%d.%d" % (path[0], i + 1, vlan), s4, s6))
        peering = {
            "type": "azure-private",
            "vlan-id": vlan,
            "customer-asn": customer_as,
            "ipv4": {"primary-subnet": str(links[0][2]), "secondary-subnet": str(links[1][2])},
            "primary-interface": links[0][1],
            "secondary-interface": links[1][1],
            "bfd-expected": True,
        }
        if v6:
            peering["ipv6"] = {"primary-subnet": str(links[0][3]), "secondary-subnet": str(links[1][3])}
        circuits.append({
            "name": name,
            "service-key": str(uuid.uuid5(NS_KEYS, name)),
            "provider": provider,
            "peering-location": location,
            "connectivity-model": "cloud-exchange-colocation",
            "service-layer": "layer-2",
            "bandwidth": bw,
            "sku": {"tier": "premium" if i % 5 == 0 else "standard",
                    "family": "unlimited-data" if i % 3 == 0 else "metered-data"},
            "provider-provisioning-state": "provisioned",
            "created": "20%02d-%02d-%02d" % (18 + i % 7, 1 + i % 12, 1 + i % 28),
            "vnet-address-space": [vnet4, vnet6] if v6 else [vnet4],
            "peering": [peering],
        })
        for path, ifname, s4, s6 in links:
            addrs = []
            for net, adv, rcv, afi in ((s4, onprem4, vnet4, "ipv4"), (s6, onprem6, vnet6, "ipv6")):
                if net is None:
                    continue
                cust, msee = net.network_address + 1, net.network_address + 2
                addrs.append("%s/%d" % (cust, net.prefixlen))
                nbrs.append({
                    "address": str(msee), "local-address": str(cust), "interface": ifname,
                    "remote-as": MSEE_AS, "local-as": customer_as, "state": "established",
                    # sessions came up at different times: 1 h ... ~41 days
                    "uptime": 3600 + (i * 7919 + (path == "secondary") * 104729) % 3550000,
                    "hold-time": 180, "keepalive": 60, "md5-failures": 0, "last-error": "",
                    "prefixes-received": {afi: 1}, "prefixes-advertised": {afi: 1},
                    "advertised": [{"prefix": adv, "as-path": [customer_as]}],
                    "received": [rcv],
                })
                bfd.append({"peer": str(msee), "interface": ifname, "state": "up"})
                neigh.append({"address": str(msee), "interface": ifname, "state": "reachable"})
            ifs.append({"name": ifname, "oper-status": "up", "mtu": 1500, "kind": "vlan",
                        "vlan-id": vlan, "vlan-protocol": "802.1Q", "addresses": addrs})
            queues.append({"interface": ifname, "qdisc": "htb", "classful": True,
                           "ef-priority-class": True, "rate": bw * 1000000})

    agent = {"poll-interval": 30, "bgp": {"source": "none"}, "netconf": {"enabled": False}}
    if snmp:
        agent["snmp"] = snmp
    config = {"expressroute-readiness:expressroute": {
        "account": {"subscription-id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590", "microsoft-365": False},
        "circuit": circuits,
        "agent": agent,
    }}
    n_ifs = len(ifs)
    observed = {
        "collected-at": NOW,
        "sources": {
            "bgp": {"status": "ok", "daemon": "frr", "duration-ms": 40 + len(nbrs) // 20},
            "interfaces": {"status": "ok", "daemon": "netlink", "duration-ms": 2 + n_ifs // 200},
            "nat": {"status": "ok", "daemon": "nftables", "duration-ms": 5},
            "qos": {"status": "ok", "daemon": "nftables+tc", "duration-ms": 6 + n_ifs // 100},
            "conntrack": {"status": "ok", "daemon": "netlink", "duration-ms": 1},
        },
        "bgp": {"neighbors": nbrs, "bfd": bfd},
        "interfaces": ifs,
        "neighbors": neigh,
        "nat": {"rules": [], "conntrack-count": 1200, "conntrack-max": 262144},
        "qos": {"dscp-rules": [], "queues": queues},
    }
    return config, observed


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    ap = argparse.ArgumentParser(
        description="Write OUTDIR/erready.json and OUTDIR/observed.json with SESSIONS "
                    "Established BGP sessions (4 per circuit: azure-private, 2 links x IPv4+IPv6).")
    ap.add_argument("sessions", type=int, metavar="SESSIONS", help="number of BGP sessions (even, >= 2)")
    ap.add_argument("outdir", metavar="OUTDIR")
    ap.add_argument("-a", "--customer-asn", type=int, default=65010)
    ap.add_argument("--snmp-mode", choices=("auto", "subagent", "master"))
    ap.add_argument("--agentx-socket")
    ap.add_argument("--agentx-ping-interval", type=int)
    ap.add_argument("--listen", action="append", default=[])
    ap.add_argument("--community")
    a = ap.parse_args(argv)
    if a.sessions < 2 or a.sessions % 2:
        ap.error("SESSIONS must be an even number >= 2")
    asn = a.customer_asn
    if not (1 <= asn <= 4294967294) or asn == 23456 or 64496 <= asn <= 64511 or \
            65515 <= asn <= 65520 or 65536 <= asn <= 65551:
        ap.error("customer ASN %d is not usable for ExpressRoute" % asn)
    snmp = {}
    if a.snmp_mode:
        snmp["mode"] = a.snmp_mode
    if a.agentx_socket:
        snmp["agentx-socket"] = a.agentx_socket
    if a.agentx_ping_interval is not None:
        snmp["agentx-ping-interval"] = a.agentx_ping_interval
    if a.listen:
        snmp["listen"] = a.listen
    if a.community:
        snmp["community"] = a.community
    try:
        config, observed = build(a.sessions, asn, snmp)
    except ValueError as e:
        ap.error(str(e))
    os.makedirs(a.outdir, exist_ok=True)
    write_json(os.path.join(a.outdir, "erready.json"), config)
    write_json(os.path.join(a.outdir, "observed.json"), observed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
