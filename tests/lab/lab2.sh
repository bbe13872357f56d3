#!/usr/bin/env bash
# tests/lab/lab2.sh - the two-router variant of the lab (issue 12: resiliency).
#
# Microsoft's recommended design: the primary and the secondary link of an
# ExpressRoute circuit terminate on two customer routers, and two circuits in
# two peering locations give the Maximum resiliency tier. Here CE-A (FRR)
# terminates the primary links of circuit 1 (private + Microsoft peering) and
# circuit 2 (private peering), CE-B (BIRD 2) the secondary links; each circuit
# has an MSEE pair (BIRD 2, AS 12076). A veth between CE-A and CE-B carries the
# partner NETCONF-over-SSH traffic between the two erreadyd. Everything lives in
# namespaces this script creates; nothing is added to the root namespace.
#
# Library:  ERLAB_ID=42; source tests/lab/lab2.sh
#           lab2_up; lab2_fault NAME [ARG]; lab2_restore NAME [ARG]; lab2_down
#           (install `trap lab2_down EXIT INT TERM`, or call lab2_auto_cleanup)
# CLI:      tests/lab/lab2.sh [-i ID] up|down|status|wait [T]|fault NAME [ARG]|
#           restore NAME [ARG]|faults|config A|B FILE|agent start|stop A|B [CMD...]
# It reuses the helpers of lab.sh (polling, pid files, fault records); the
# single-router lab is unchanged. See tests/lab/README.md ("Two-router lab").

_LAB2_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$_LAB2_HERE/lab.sh"

: "${ERLAB_POLL_INTERVAL:=5}"      # agent/poll-interval of the generated configs (s)
: "${ERLAB_AGENT_TIMEOUT:=30}"     # how long an agent may take to open its NETCONF socket (s)

# ---------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------
_LAB2_CES="a b"
_LAB2_MSEES="m1p m1s m2p m2s"
declare -gA _LAB2_DESC=([a]="CE-A (FRR, primary links)" [b]="CE-B (BIRD, secondary links)"
	[m1p]="circuit 1 MSEE primary" [m1s]="circuit 1 MSEE secondary"
	[m2p]="circuit 2 MSEE primary" [m2s]="circuit 2 MSEE secondary")
# veths: "ns if addr4/len [addr6/len]" for both ends, separated by "|"
_LAB2_VETHS=(
	"a pri1 172.16.0.1/30|m1p priv 172.16.0.2/30"
	"a msft1 131.107.0.1/30 2a01:111:2000::1/126|m1p msft 131.107.0.2/30 2a01:111:2000::2/126"
	"a c2pri1 172.16.1.1/30|m2p priv 172.16.1.2/30"
	"b pri2 172.16.0.5/30|m1s priv 172.16.0.6/30"
	"b msft2 131.107.0.5/30 2a01:111:2000::5/126|m1s msft 131.107.0.6/30 2a01:111:2000::6/126"
	"b c2pri2 172.16.1.5/30|m2s priv 172.16.1.6/30"
	"a partner 198.51.100.1/30|b partner 198.51.100.2/30")
# BGP sessions: key -> "ce ce-protocol msee msee-protocol ce-address msee-address"
# (ce-protocol: the BIRD protocol on CE-B; FRR on CE-A is addressed by neighbour)
declare -gA _LAB2_SESS=(
	[c1pp]="a - m1p priv 172.16.0.1 172.16.0.2"
	[c1mp]="a - m1p msft4 131.107.0.1 131.107.0.2"
	[c1mp6]="a - m1p msft6 2a01:111:2000::1 2a01:111:2000::2"
	[c2pp]="a - m2p priv 172.16.1.1 172.16.1.2"
	[c1ps]="b c1ps m1s priv 172.16.0.5 172.16.0.6"
	[c1ms]="b c1ms m1s msft4 131.107.0.5 131.107.0.6"
	[c1ms6]="b c1ms6 m1s msft6 2a01:111:2000::5 2a01:111:2000::6"
	[c2ps]="b c2ps m2s priv 172.16.1.5 172.16.1.6")
_LAB2_SESSIONS="c1pp c1mp c1mp6 c2pp c1ps c1ms c1ms6 c2ps"
# BFD (private and Microsoft peering, as Azure configures it: expressroute-bfd,
# 06/30/2023): the MSEE addresses each CE runs BFD with
declare -gA _LAB2_BFD=([a]="172.16.0.2 172.16.1.2 131.107.0.2 2a01:111:2000::2"
	[b]="172.16.0.6 172.16.1.6 131.107.0.6 2a01:111:2000::6")
declare -gA _LAB2_PARTNER_ADDR=([a]=198.51.100.1 [b]=198.51.100.2)
_LAB2_FAULTS="stop-session stop-msee-priv-primary stop-msee-priv-secondary stop-msee-msft-primary
stop-msee-msft-secondary stop-msee stop-ce-b parity-adv-circuit2-missing stop-agent stop-agent-b kill-agent kill-agent-b hang-agent
hang-agent-b wrong-partner-hostkey"

# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------
_lab2_vars() { _lab_vars && LAB2_BIRD_SOCK=$LAB_STATE/ce-b-bird.ctl; }
_lab2_ce() { # A|B|a|b -> a|b
	case ${1,,} in a | ce-a) echo a ;; b | ce-b) echo b ;; *) _lab_err "router must be A or B (got '$1')"; return 1 ;; esac
}
_lab2_ns() { echo "$LAB_P-$1"; }
_lab2_all_ns() { local k; for k in $_LAB2_CES $_LAB2_MSEES; do _lab2_ns "$k"; done; }
_lab2_msee_sock() { echo "$LAB_STATE/msee-$1.ctl"; }
_lab2_agent_dir() { echo "$LAB_STATE/agent-$1"; }
_lab2_need_state() {
	_lab2_vars || return 1
	_lab_need_state || return 1
	[[ $(_lab_variant) == dual ]] || { _lab_err "lab $ERLAB_ID is not a two-router lab (use lab.sh)"; return 1; }
}

# ---------------------------------------------------------------------------
# Configuration generators
# ---------------------------------------------------------------------------
# Prefix sets the CEs advertise (both CEs alike), after the active faults.
_lab2_sets() {
	PRIV_C1="10.20.0.0/16 10.21.0.0/16" PRIV_C2="10.20.0.0/16 10.21.0.0/16"
	MSFT4="123.0.0.0/24" MSFT6="2a01:111:f000::/48"
	_lab_fault_on parity-adv-circuit2-missing && PRIV_C2="10.20.0.0/16"
	return 0
}

# BIRD configuration of MSEE k: one BGP protocol per peering it serves.
_lab2_gen_msee() {
	local k=$1 s ce cp msee mp ceaddr me rid=""
	for s in $_LAB2_SESSIONS; do
		read -r ce cp msee mp ceaddr me <<<"${_LAB2_SESS[$s]}"
		[[ $msee == "$k" && $mp == priv ]] && rid=$me
	done
	cat <<EOF
# $k: ${_LAB2_DESC[$k]} (generated by tests/lab/lab2.sh)
log "$LAB_STATE/msee-$k.log" all;
router id $rid;
protocol device { scan time 10; }
protocol bfd { interface "priv", "msft" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
protocol static vnets4 { ipv4; route 10.10.0.0/16 blackhole; route 10.11.0.0/16 blackhole; }
template bgp peer_t {
	hold time 180; keepalive time 60;
	connect delay time 1; connect retry time 2;
	error wait time 1, 4; error forget time 10;
}
EOF
	if [[ $k == m1? ]]; then
		cat <<EOF
protocol static svc4 {
	ipv4;
	route 13.107.6.0/24 blackhole;
	route 40.96.0.0/13 blackhole;
	route 52.96.0.0/14 blackhole;
	route 52.112.0.0/14 blackhole;
}
protocol static svc6 { ipv6; route 2603:1026::/44 blackhole; route 2a01:111:f400::/48 blackhole; }
filter export4 {
	if proto != "svc4" then reject;
	if net = 13.107.6.0/24 then bgp_community.add((12076, 5010));
	else bgp_community.add((12076, 5100));
	bgp_community.add((12076, 51004));
	accept;
}
filter export6 {
	if proto != "svc6" then reject;
	if net = 2a01:111:f400::/48 then bgp_community.add((12076, 5010));
	else bgp_community.add((12076, 5100));
	bgp_community.add((12076, 51004));
	accept;
}
EOF
	fi
	for s in $_LAB2_SESSIONS; do
		read -r ce cp msee mp ceaddr me <<<"${_LAB2_SESS[$s]}"
		[[ $msee == "$k" ]] || continue
		echo "protocol bgp $mp from peer_t {"
		echo "	description \"$s: to ${_LAB2_DESC[$ce]}\";"
		case $mp in
		priv)
			echo "	local $me as 12076; neighbor $ceaddr as 65010; bfd on;"
			echo "	ipv4 { import all; export where proto = \"vnets4\"; receive limit 4000 action disable; };"
			;;
		msft4)
			echo "	local $me as 12076; neighbor $ceaddr as 23500; bfd on;"
			echo "	ipv4 { import all; export filter export4; receive limit 200 action disable; };"
			;;
		msft6)
			echo "	local $me as 12076; neighbor $ceaddr as 23500; bfd on;"
			echo "	ipv6 { import all; export filter export6; receive limit 200 action disable; };"
			;;
		esac
		echo "}"
	done
}

# BIRD configuration of CE-B (secondary links).
_lab2_gen_ce_b() {
	local PRIV_C1 PRIV_C2 MSFT4 MSFT6
	_lab2_sets
	cat <<EOF
# CE-B: secondary links of circuits 1 and 2 (generated by tests/lab/lab2.sh)
log "$LAB_STATE/ce-b-bird.log" all;
router id 172.16.0.5;
define PRIV_C1_OUT = [ ${PRIV_C1// /, } ];
define PRIV_C2_OUT = [ ${PRIV_C2// /, } ];
define MSFT_OUT = [ ${MSFT4// /, } ];
define MSFT6_OUT = [ ${MSFT6// /, } ];
protocol device { scan time 10; }
protocol kernel kern4 { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }
protocol kernel kern6 { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }
protocol bfd { interface "pri2", "c2pri2", "msft2" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
protocol static own4 {
	ipv4;
	route 10.20.0.0/16 blackhole;
	route 10.21.0.0/16 blackhole;
	route 123.0.0.0/24 blackhole;
}
protocol static own6 { ipv6; route 2a01:111:f000::/48 blackhole; }
template bgp msee {
	hold time 180; keepalive time 60;
	connect delay time 1; connect retry time 2;
	error wait time 1, 4; error forget time 10;
}
protocol bgp c1ps from msee {
	description "circuit 1 MSEE private secondary";
	local 172.16.0.5 as 65010; neighbor 172.16.0.6 as 12076; bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ PRIV_C1_OUT; };
}
protocol bgp c1ms from msee {
	description "circuit 1 MSEE Microsoft secondary";
	local 131.107.0.5 as 23500; neighbor 131.107.0.6 as 12076; bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ MSFT_OUT; };
}
protocol bgp c1ms6 from msee {
	description "circuit 1 MSEE Microsoft secondary (IPv6)";
	local 2a01:111:2000::5 as 23500; neighbor 2a01:111:2000::6 as 12076; bfd on;
	ipv6 { import all; export where proto = "own6" && net ~ MSFT6_OUT; };
}
protocol bgp c2ps from msee {
	description "circuit 2 MSEE private secondary";
	local 172.16.1.5 as 65010; neighbor 172.16.1.6 as 12076; bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ PRIV_C2_OUT; };
}
EOF
}

# FRR configuration of CE-A (primary links), one file per daemon. Like the
# single-router lab: the Microsoft neighbours see AS 23500 only (local-as
# no-prepend replace-as), every neighbour has an outbound prefix-list.
_lab2_gen_frr() {
	local d=$LAB_STATE/frr n p i PRIV_C1 PRIV_C2 MSFT4 MSFT6 host=$LAB_P-a
	_lab2_sets
	mkdir -p "$d"
	printf 'hostname %s\n!\n' "$host" >"$d/zebra.conf"
	cat >"$d/staticd.conf" <<EOF
hostname $host
ip route 10.20.0.0/16 blackhole
ip route 10.21.0.0/16 blackhole
ip route 123.0.0.0/24 blackhole
ipv6 route 2a01:111:f000::/48 blackhole
!
EOF
	cat >"$d/bfdd.conf" <<EOF
hostname $host
bfd
 profile msee
  detect-multiplier 3
  receive-interval 300
  transmit-interval 300
 exit
exit
!
EOF
	{
		echo "frr defaults traditional"
		echo "hostname $host"
		echo "!"
		i=10; for p in $PRIV_C1; do echo "ip prefix-list PL-C1-PRIV-OUT seq $i permit $p"; i=$((i + 10)); done
		i=10; for p in $PRIV_C2; do echo "ip prefix-list PL-C2-PRIV-OUT seq $i permit $p"; i=$((i + 10)); done
		echo "ip prefix-list PL-MSFT-OUT seq 10 permit $MSFT4"
		echo "ipv6 prefix-list PL6-MSFT-OUT seq 10 permit $MSFT6"
		echo "!"
		echo "route-map RM-IN permit 10"
		echo "exit"
		for n in C1-PRIV C2-PRIV MSFT; do
			printf 'route-map RM-%s-OUT permit 10\n match ip address prefix-list PL-%s-OUT\nexit\n' "$n" "$n"
		done
		printf 'route-map RM-MSFT6-OUT permit 10\n match ipv6 address prefix-list PL6-MSFT-OUT\nexit\n'
		cat <<EOF
!
router bgp 65010
 bgp router-id 172.16.0.1
 no bgp default ipv4-unicast
 bgp log-neighbor-changes
EOF
		for n in 172.16.0.2 172.16.1.2; do
			echo " neighbor $n remote-as 12076"
			echo " neighbor $n description MSEE private primary"
			echo " neighbor $n bfd"
			echo " neighbor $n bfd profile msee"
			echo " neighbor $n timers connect 2"
			echo " neighbor $n advertisement-interval 0"
		done
		for n in 131.107.0.2 2a01:111:2000::2; do
			echo " neighbor $n remote-as 12076"
			echo " neighbor $n description MSEE Microsoft primary"
			echo " neighbor $n local-as 23500 no-prepend replace-as"
			echo " neighbor $n bfd"
			echo " neighbor $n bfd profile msee"
			echo " neighbor $n timers connect 2"
			echo " neighbor $n advertisement-interval 0"
		done
		cat <<EOF
 !
 address-family ipv4 unicast
  network 10.20.0.0/16
  network 10.21.0.0/16
  network 123.0.0.0/24
  neighbor 172.16.0.2 activate
  neighbor 172.16.0.2 route-map RM-IN in
  neighbor 172.16.0.2 route-map RM-C1-PRIV-OUT out
  neighbor 172.16.1.2 activate
  neighbor 172.16.1.2 route-map RM-IN in
  neighbor 172.16.1.2 route-map RM-C2-PRIV-OUT out
  neighbor 131.107.0.2 activate
  neighbor 131.107.0.2 route-map RM-IN in
  neighbor 131.107.0.2 route-map RM-MSFT-OUT out
 exit-address-family
 !
 address-family ipv6 unicast
  network 2a01:111:f000::/48
  neighbor 2a01:111:2000::2 activate
  neighbor 2a01:111:2000::2 route-map RM-IN in
  neighbor 2a01:111:2000::2 route-map RM-MSFT6-OUT out
 exit-address-family
exit
!
EOF
	} >"$d/bgpd.conf"
}

# nftables of a CE for its Microsoft-peering interface IF: SNAT of the LAN to
# the public NAT pool, DSCP marking of Teams ports and remarking of the rest
# (the same rules as the single-router lab, one interface per router).
_lab2_gen_nft() {
	local i=$1 f nf
	cat <<EOF
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$i" ip saddr 10.0.0.0/8 counter snat to 123.0.0.0/29 comment "snat-microsoft-$i"
	}
}
table inet qos {
	chain postrouting {
		type filter hook postrouting priority mangle; policy accept;
EOF
	for f in ip ip6; do
		nf=ipv4; [[ $f == ip6 ]] && nf=ipv6
		echo "		oifname \"$i\" meta nfproto $nf udp dport 50000-50019 counter $f dscp set ef comment \"teams-audio-ef\""
		echo "		oifname \"$i\" meta nfproto $nf udp dport 50020-50039 counter $f dscp set af41 comment \"teams-video-af41\""
		echo "		oifname \"$i\" meta nfproto $nf udp dport 50040-50059 counter $f dscp set af21 comment \"teams-sharing-af21\""
		echo "		oifname \"$i\" $f dscp != { ef, af41, af21, af11, cs0 } counter $f dscp set cs0 comment \"remark-others\""
	done
	printf '\t}\n}\n'
}
_lab2_gen_tc() {
	cat <<EOF
qdisc replace dev $1 root handle 1: htb default 20 r2q 1000
class add dev $1 parent 1: classid 1:1 htb rate 1gbit ceil 1gbit
class add dev $1 parent 1:1 classid 1:10 htb rate 300mbit ceil 1gbit prio 0
class add dev $1 parent 1:1 classid 1:20 htb rate 700mbit ceil 1gbit prio 1
filter add dev $1 parent 1: protocol ip prio 1 u32 match ip tos 0xb8 0xfc flowid 1:10
filter add dev $1 parent 1: protocol ipv6 prio 2 u32 match ip6 priority 0xb8 0xfc flowid 1:10
EOF
}

# ---------------------------------------------------------------------------
# SSH keys of the partner exchange
# ---------------------------------------------------------------------------
# Per router X (state directory agent-X): the SSH host key erreadyd serves
# (pre-created here so the other router's config can name its public key) and
# the client key X uses to log in to its partner as user "partner". One
# spare host key ("wrong") is what the wrong-partner-hostkey fault names.
_lab2_keygen() { ssh-keygen -q -t ed25519 -N "" -C "$2" -f "$1" </dev/null >/dev/null; }
_lab2_make_keys() {
	local x d
	for x in $_LAB2_CES; do
		d=$(_lab2_agent_dir "$x")
		mkdir -p "$d" && chmod 700 "$d" || return 1
		_lab2_keygen "$d/ssh_host_ed25519_key" "erlab-$ERLAB_ID-ce-$x-host" || return 1
		_lab2_keygen "$d/partner_ed25519" "erlab-$ERLAB_ID-ce-$x-partner" || return 1
	done
	_lab2_keygen "$LAB_STATE/wrong_host_ed25519_key" "erlab-$ERLAB_ID-not-a-partner"
}
# "ssh-ed25519 AAAA..." (no comment) of a public key file
_lab2_pub() { awk '{ print $1, $2 }' "$1"; }
# "SHA256:..." fingerprint of a public key file
_lab2_fpr() { ssh-keygen -l -E sha256 -f "$1" | awk '{ print $2 }'; }

# ---------------------------------------------------------------------------
# erreadyd configuration (issue 12 shared design)
# ---------------------------------------------------------------------------
# lab2_config A|B FILE: the erreadyd configuration of router X. Both routers
# carry the same circuits and peerings; on A the secondary links name partner
# "ce-b" (secondary-router), on B the primary links name "ce-a"
# (primary-router). agent/partner has the other router's partner-link address,
# the user, the client key (relative to the state directory agent-X) and the
# partner's host key: A names B's by public key, B names A's by SHA256
# fingerprint (the two forms the model accepts). Under wrong-partner-hostkey
# A names a key that is not B's.
lab2_config() {
	_lab2_need_state || return 1
	local x file=${2:-} other router_leaf other_name hk bgp d od
	x=$(_lab2_ce "${1:-}") || return 1
	[[ -n $file ]] || { _lab_err "usage: config A|B OUTFILE"; return 1; }
	d=$(_lab2_agent_dir "$x")
	if [[ $x == a ]]; then
		other=b router_leaf=secondary-router other_name=ce-b
		bgp="\"source\": \"frr\", \"frr-pathspace\": \"$LAB_FRR_PS\""
		if _lab_fault_on wrong-partner-hostkey; then
			hk=$(_lab2_pub "$LAB_STATE/wrong_host_ed25519_key.pub")
		else
			hk=$(_lab2_pub "$(_lab2_agent_dir b)/ssh_host_ed25519_key.pub")
		fi
	else
		other=a router_leaf=primary-router other_name=ce-a
		bgp="\"source\": \"bird\", \"bird-socket\": \"$LAB2_BIRD_SOCK\""
		hk=$(_lab2_fpr "$(_lab2_agent_dir a)/ssh_host_ed25519_key.pub")
	fi
	od=$(_lab2_agent_dir "$other")
	[[ -n $hk && -s $od/partner_ed25519.pub ]] || { _lab_err "the lab's SSH keys are missing"; return 1; }
	# circuit N: name, service key, peering location, the interface pairs
	circ() {
		local n=$1 skey=$2 loc=$3 msft=$4
		cat <<EOF
      {
        "name": "erlab-$ERLAB_ID-c$n",
        "service-key": "$skey",
        "provider": "Equinix",
        "peering-location": "$loc",
        "resiliency-group": "erlab-$ERLAB_ID",
        "connectivity-model": "cloud-exchange-colocation",
        "service-layer": "layer-2",
        "bandwidth": 1000,
        "sku": { "tier": "standard", "family": "metered-data" },
        "provider-provisioning-state": "provisioned",
        "created": "2024-03-01",
        "vnet-address-space": ["10.10.0.0/16", "10.11.0.0/16"],
        "peering": [
          {
            "type": "azure-private",
            "vlan-id": $((100 + n)),
            "customer-asn": 65010,
            "ipv4": {
              "primary-subnet": "172.16.$((n - 1)).0/30",
              "secondary-subnet": "172.16.$((n - 1)).4/30"
            },
            "primary-interface": "$([[ $n == 1 ]] && echo pri1 || echo c2pri1)",
            "secondary-interface": "$([[ $n == 1 ]] && echo pri2 || echo c2pri2)",
            "$router_leaf": "$other_name",
            "bfd-expected": true
          }$([[ $msft == yes ]] && echo ",")
EOF
		[[ $msft == yes ]] && cat <<EOF
          {
            "type": "microsoft",
            "vlan-id": 300,
            "customer-asn": 23500,
            "ipv4": {
              "primary-subnet": "131.107.0.0/30",
              "secondary-subnet": "131.107.0.4/30"
            },
            "ipv6": {
              "primary-subnet": "2a01:111:2000::/126",
              "secondary-subnet": "2a01:111:2000::4/126"
            },
            "primary-interface": "msft1",
            "secondary-interface": "msft2",
            "$router_leaf": "$other_name",
            "advertised-public-prefix": ["123.0.0.0/24", "2a01:111:f000::/48"],
            "routing-registry": "ARIN",
            "nat-pool": ["123.0.0.0/29"],
            "qos-profile": "current"
          }
EOF
		echo "        ]"
		echo "      }"
	}
	{
		cat <<EOF
{
  "expressroute-readiness:expressroute": {
    "account": {
      "subscription-id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
      "microsoft-365": false
    },
    "resiliency-group": [
      {
        "name": "erlab-$ERLAB_ID",
        "intended-tier": "maximum",
        "description": "two circuits in two peering locations, each link pair on CE-A and CE-B"
      }
    ],
    "circuit": [
EOF
		circ 1 97f85950-01dd-4d30-a73c-bf683b3a6e5c Amsterdam yes
		echo "      ,"
		circ 2 5d1c2e7a-3f4b-4c8d-9e0f-1a2b3c4d5e6f London no
		cat <<EOF
    ],
    "agent": {
      "poll-interval": $ERLAB_POLL_INTERVAL,
      "router-name": "ce-$x",
      "bgp": { $bgp },
      "partner": [
        {
          "name": "$other_name",
          "address": "${_LAB2_PARTNER_ADDR[$other]}",
          "port": 830,
          "user": "partner",
          "key-file": "partner_ed25519",
          "host-key": "$hk"
        }
      ],
      "snmp": { "mode": "master", "listen": ["udp:127.0.0.1:1161"] },
      "netconf": {
        "ssh": { "address": "${_LAB2_PARTNER_ADDR[$x]}", "port": 830 },
        "unix-socket": { "path": "$d/netconf.sock", "mode": "0600" },
        "user": [
          { "name": "partner", "authorized-key": ["$(cat "$od/partner_ed25519.pub")"] }
        ]
      }
    }
  }
}
EOF
	} >"$file.tmp" && mv -f "$file.tmp" "$file"
	local rc=$?
	unset -f circ
	return $rc
}

# ---------------------------------------------------------------------------
# Daemons
# ---------------------------------------------------------------------------
_lab2_start_msee() {
	local k=$1 conf=$LAB_STATE/msee-$1.conf pf=$LAB_STATE/msee-$1.pid sock
	sock=$(_lab2_msee_sock "$k")
	_lab2_gen_msee "$k" >"$conf"
	rm -f "$sock"
	er_spawn "$LAB_STATE/msee-$k.start.log" ip netns exec "$(_lab2_ns "$k")" bird -c "$conf" -s "$sock" -P "$pf" ||
		{ _lab_err "bird $k failed to start: $(tail -n 3 "$LAB_STATE/msee-$k.start.log")"; return 1; }
	_lab_poll 5 0.02 _lab_sock_ready "$sock" || { _lab_err "bird $k socket missing"; return 1; }
	_lab_poll 5 0.02 _lab_pidfile_alive "$pf" || { _lab_err "bird $k not running"; return 1; }
	# sessions stopped by a fault stay stopped across a restart of the MSEE
	local s ce cp msee mp rest
	for s in $_LAB2_SESSIONS; do
		read -r ce cp msee mp rest <<<"${_LAB2_SESS[$s]}"
		[[ $msee == "$k" ]] && _lab_fault_on "stop-session-${s%6}" && birdc -s "$sock" disable "$mp" >/dev/null
	done
	return 0
}
_lab2_stop_msee() { _lab_kill_pidfile "$LAB_STATE/msee-$1.pid"; rm -f "$(_lab2_msee_sock "$1")"; }

_lab2_start_ce_b() {
	local pf=$LAB_STATE/ce-b-bird.pid
	_lab2_gen_ce_b >"$LAB_STATE/ce-b-bird.conf"
	rm -f "$LAB2_BIRD_SOCK"
	er_spawn "$LAB_STATE/ce-b-bird.start.log" \
		ip netns exec "$(_lab2_ns b)" bird -c "$LAB_STATE/ce-b-bird.conf" -s "$LAB2_BIRD_SOCK" -P "$pf" ||
		{ _lab_err "CE-B bird failed to start: $(tail -n 3 "$LAB_STATE/ce-b-bird.start.log")"; return 1; }
	_lab_poll 5 0.02 _lab_sock_ready "$LAB2_BIRD_SOCK" || { _lab_err "CE-B bird socket missing"; return 1; }
	_lab_poll 5 0.02 _lab_pidfile_alive "$pf" || { _lab_err "CE-B bird not running"; return 1; }
}
_lab2_stop_ce_b() { _lab_kill_pidfile "$LAB_STATE/ce-b-bird.pid"; rm -f "$LAB2_BIRD_SOCK"; }
_lab2_reconf_ce_b() {
	local out
	_lab2_gen_ce_b >"$LAB_STATE/ce-b-bird.conf"
	_lab_pidfile_alive "$LAB_STATE/ce-b-bird.pid" || return 0 # stopped: used at the next start
	out=$(birdc -s "$LAB2_BIRD_SOCK" configure 2>&1)
	[[ $out == *Reconfigur* ]] || { _lab_err "CE-B bird configure: $out"; return 1; }
}
lab2_birdc_b() { _lab2_vars && birdc -s "$LAB2_BIRD_SOCK" "$@"; }
lab2_birdc_msee() { local k=$1; shift; _lab2_vars && birdc -s "$(_lab2_msee_sock "$k")" "$@"; }

# FRR on CE-A, with the single-router lab's pathspace (erl<ID>): lab_vtysh and
# lab_vtysh_conf of lab.sh address it.
_lab2_start_frr() {
	local d=$LAB_STATE/frr dm
	_lab2_gen_frr
	mkdir -p "$LAB_FRR_RUN" "$LAB_FRR_ETC"
	: >"$LAB_FRR_ETC/vtysh.conf"
	chown frr:frr "$LAB_FRR_RUN" "$d" && chmod 755 "$LAB_FRR_RUN" && chmod 750 "$d" || return 1
	chgrp frr "$d"/*.conf && chmod 640 "$d"/*.conf || return 1
	for dm in $_lab_frr_daemons; do
		er_spawn "$d/start.log" ip netns exec "$(_lab2_ns a)" "$ERLAB_FRR_BIN/$dm" -d -N "$LAB_FRR_PS" -P 0 \
			-f "$d/$dm.conf" -i "$d/$dm.pid" --log "file:$d/$dm.log" --log-level info ||
			{ _lab_err "$dm failed to start: $(tail -n 3 "$d/start.log")"; return 1; }
		if [[ $dm == zebra ]]; then
			_lab_poll 5 0.02 _lab_sock_ready "$LAB_FRR_RUN/zserv.api" || { _lab_err "zebra socket missing"; return 1; }
		fi
	done
	for dm in $_lab_frr_daemons; do
		_lab_poll 5 0.02 _lab_sock_ready "$LAB_FRR_RUN/$dm.vty" || { _lab_err "$dm vty socket missing"; return 1; }
		_lab_poll 5 0.02 _lab_pidfile_alive "$d/$dm.pid" || { _lab_err "$dm not running"; return 1; }
	done
}

# lab2_agent_start A|B [CMD...]: runs erreadyd (CMD, default $ERREADYD or
# build/agent/erreadyd; CMD may be a wrapper such as valgrind ... erreadyd) in
# router X's namespace with the lab's config (agent-X/erready.json, written
# if absent) and state directory agent-X, and waits until its NETCONF UNIX
# socket is there. The command is kept so stop-agent's restore can rerun it.
lab2_agent_start() {
	_lab2_need_state || return 1
	local x d pf argv
	x=$(_lab2_ce "${1:-}") || return 1
	shift
	d=$(_lab2_agent_dir "$x") pf=$d/erreadyd.pid
	if [[ $# -gt 0 ]]; then argv=("$@")
	elif [[ -s $d/cmd ]]; then mapfile -t argv <"$d/cmd"
	else argv=("${ERREADYD:-$_LAB2_HERE/../../build/agent/erreadyd}"); fi
	if _lab_pidfile_alive "$pf"; then _lab_err "the agent of CE-${x^^} already runs"; return 1; fi
	[[ -s $d/erready.json ]] || lab2_config "$x" "$d/erready.json" || return 1
	printf '%s\n' "${argv[@]}" >"$d/cmd"
	rm -f "$d/netconf.sock" "$pf"
	# a background child of a throw-away shell: nothing of the caller's
	# descriptors, its own session (no terminal signals), the pid recorded
	# shellcheck disable=SC2016 # expanded by that shell
	er_spawn "$d/erreadyd.log" bash -c 'setsid "$@" & echo $! >"$0"' "$pf" \
		ip netns exec "$(_lab2_ns "$x")" "${argv[@]}" -c "$d/erready.json" --state-dir "$d"
	_lab_poll 5 0.02 _lab_pidfile_alive "$pf" || { _lab_err "agent of CE-${x^^} did not start: $(tail -n 5 "$d/erreadyd.log")"; return 1; }
	# until it serves, or gave up (a bad configuration ends it at once)
	_lab_poll "$ERLAB_AGENT_TIMEOUT" 0.05 _lab2_agent_settled "$pf" "$d/netconf.sock"
	_lab2_agent_up "$pf" "$d/netconf.sock" ||
		{ _lab_err "agent of CE-${x^^} not serving: $(tail -n 5 "$d/erreadyd.log")"; return 1; }
}
_lab2_agent_up() { _lab_pidfile_alive "$1" && [[ -S $2 ]]; }
_lab2_agent_settled() { _lab2_agent_up "$@" || ! _lab_pidfile_alive "$1"; }
lab2_agent_stop() {
	_lab2_need_state || return 1
	local x
	x=$(_lab2_ce "${1:-}") || return 1
	_lab_kill_pidfile "$(_lab2_agent_dir "$x")/erreadyd.pid"
}
lab2_agent_pid() { local x; _lab2_vars && x=$(_lab2_ce "${1:-}") && cat "$(_lab2_agent_dir "$x")/erreadyd.pid" 2>/dev/null; }
# SIGHUP: erreadyd reloads its configuration file
_lab2_agent_reload() {
	local pf pid
	pf=$(_lab2_agent_dir "$1")/erreadyd.pid
	_lab_pidfile_alive "$pf" || return 0
	read -r pid <"$pf" && kill -HUP "$pid"
}

# ---------------------------------------------------------------------------
# State queries
# ---------------------------------------------------------------------------
_lab2_sess_key() {
	local s=$1 k
	[[ -n ${_LAB2_SESS[$s]:-} ]] && { echo "$s"; return 0; }
	for k in $_LAB2_SESSIONS; do
		[[ ${_LAB2_SESS[$k]##* } == "$s" ]] && { echo "$k"; return 0; }
	done
	return 1
}
# lab2_bgp_state SESSION [ce|msee]: Established, Active, ..., Down, Unavailable.
lab2_bgp_state() {
	_lab2_vars || return 1
	local key side=${2:-ce} ce cp msee mp ceaddr me st
	key=$(_lab2_sess_key "$1") || { _lab_err "unknown session $1 (sessions: $_LAB2_SESSIONS)"; return 1; }
	read -r ce cp msee mp ceaddr me <<<"${_LAB2_SESS[$key]}"
	if [[ $side == msee || $side == remote ]]; then
		_lab_bird_state "$(_lab2_msee_sock "$msee")" "$mp"
	elif [[ $ce == b ]]; then
		_lab_bird_state "$LAB2_BIRD_SOCK" "$cp"
	else
		st=$(timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors $me json" 2>/dev/null |
			jq -r --arg a "$me" '.[$a].bgpState // empty' 2>/dev/null)
		echo "${st:-Unavailable}"
	fi
}
_lab2_birdst() { awk -v p="$1" '$1 == p { if ($4 == "down") print "Down"; else if ($6 != "") print $6; else print $4 }'; }
# "key ce-state msee-state" for every session, with one query per daemon
_lab2_states() {
	local k ce cp msee mp ceaddr me js b a m
	js=$(timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors json" 2>/dev/null)
	b=$(birdc -s "$LAB2_BIRD_SOCK" show protocols 2>/dev/null)
	declare -A out=()
	for m in $_LAB2_MSEES; do out[$m]=$(birdc -s "$(_lab2_msee_sock "$m")" show protocols 2>/dev/null); done
	for k in $_LAB2_SESSIONS; do
		read -r ce cp msee mp ceaddr me <<<"${_LAB2_SESS[$k]}"
		if [[ $ce == a ]]; then
			a=$(jq -r --arg a "$me" '.[$a].bgpState // "Unavailable"' <<<"${js:-{\}}" 2>/dev/null)
		else
			a=$(_lab2_birdst "$cp" <<<"$b")
		fi
		m=$(_lab2_birdst "$mp" <<<"${out[$msee]}")
		echo "$k ${a:-Unavailable} ${m:-Unavailable}"
	done
}
_lab2_all_established() {
	local k a m
	while read -r k a m; do [[ $a == Established && $m == Established ]] || return 1; done < <(_lab2_states)
}
# BFD of router X towards its private MSEEs: "peer state" lines
_lab2_bfd_states() {
	if [[ $1 == b ]]; then
		birdc -s "$LAB2_BIRD_SOCK" show bfd sessions 2>/dev/null |
			awk '$1 ~ /^(172\.16\.[01]\.6|131\.107\.0\.6|2a01:111:2000::6)$/ { print $1, tolower($3) }'
	else
		timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bfd peers json" 2>/dev/null |
			jq -r '.[] | select(.peer | test("^(172\\.16\\.[01]\\.2|131\\.107\\.0\\.2|2a01:111:2000::2)$")) | "\(.peer) \(.status)"' 2>/dev/null
	fi
}
_lab2_bfd_is() { # X PEER up|down
	local st
	st=$(_lab2_bfd_states "$1" | awk -v p="$2" '$1 == p { print $2 }')
	if [[ $3 == up ]]; then [[ $st == up ]]; else [[ $st != up ]]; fi
}
_lab2_bfd_all_up() {
	local x p
	for x in $_LAB2_CES; do
		for p in ${_LAB2_BFD[$x]}; do _lab2_bfd_is "$x" "$p" up || return 1; done
	done
}
_lab2_ready() { _lab2_all_established && _lab2_bfd_all_up; }

# lab2_wait_established [TIMEOUT]: all sessions Established on both sides, BFD up.
lab2_wait_established() {
	_lab2_vars || return 1
	local t=${1:-$ERLAB_UP_TIMEOUT}
	_lab_poll "$t" 0.1 _lab2_ready && return 0
	_lab_err "not all sessions Established after ${t}s:"
	_lab2_states | awk '{ printf "  %-6s ce=%-12s msee=%s\n", $1, $2, $3 }' >&2
	local x; for x in $_LAB2_CES; do _lab2_bfd_states "$x" | sed "s/^/  bfd ce-$x /" >&2; done
	return 1
}
_lab2_state_is() { # SESSION STATE SIDE
	local st
	st=$(lab2_bgp_state "$1" "$3")
	case ${2,,} in
	down) [[ $st != Established ]] ;;
	up) [[ $st == Established ]] ;;
	*) [[ ${st,,} == "${2,,}" ]] ;;
	esac
}
# lab2_wait_state SESSION STATE TIMEOUT [ce|msee]
lab2_wait_state() {
	_lab2_vars || return 1
	local s=$1 want=$2 t=${3:-10} side=${4:-ce}
	_lab_poll "$t" 0.1 _lab2_state_is "$s" "$want" "$side" && return 0
	_lab_err "$side session $s is $(lab2_bgp_state "$s" "$side"), not $want after ${t}s"
	return 1
}
# lab2_wait_bfd A|B up|down TIMEOUT [PEER...]
lab2_wait_bfd() {
	_lab2_vars || return 1
	local x want=${2:-up} t=${3:-10} p
	x=$(_lab2_ce "$1") || return 1
	for p in ${4:-${_LAB2_BFD[$x]}}; do
		_lab_poll "$t" 0.1 _lab2_bfd_is "$x" "$p" "$want" || { _lab_err "CE-${x^^} bfd $p not $want after ${t}s"; return 1; }
	done
}
# lab2_msee_routes SESSION: prefixes the MSEE of SESSION received from the CE on it.
lab2_msee_routes() {
	_lab2_vars || return 1
	local key ce cp msee mp rest
	key=$(_lab2_sess_key "$1") || return 1
	read -r ce cp msee mp rest <<<"${_LAB2_SESS[$key]}"
	birdc -s "$(_lab2_msee_sock "$msee")" show route protocol "$mp" 2>/dev/null |
		awk '$1 ~ /^[0-9a-f:.]+\/[0-9]+$/ { print $1 }' | sort
}
# lab2_ce_received SESSION: number of prefixes the CE accepted on SESSION.
lab2_ce_received() {
	_lab2_vars || return 1
	local key ce cp msee mp ceaddr me af=ipv4Unicast
	key=$(_lab2_sess_key "$1") || return 1
	read -r ce cp msee mp ceaddr me <<<"${_LAB2_SESS[$key]}"
	if [[ $ce == b ]]; then
		birdc -s "$LAB2_BIRD_SOCK" show route protocol "$cp" count 2>/dev/null |
			awk '/of [0-9]+ routes/ { print $1; f = 1 } END { if (!f) print 0 }'
	else
		[[ $me == *:* ]] && af=ipv6Unicast
		timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors $me json" 2>/dev/null |
			jq -r --arg a "$me" --arg af "$af" '.[$a].addressFamilyInfo[$af].acceptedPrefixCounter // 0' 2>/dev/null
	fi
}
# lab2_partner_ping A|B: one ICMP echo over the partner link to the other
# router, answered within a second (python3: iputils-ping is not a dependency).
lab2_partner_ping() {
	_lab2_vars || return 1
	local x o
	x=$(_lab2_ce "$1") || return 1
	[[ $x == a ]] && o=b || o=a
	ip netns exec "$(_lab2_ns "$x")" timeout 5 python3 - "${_LAB2_PARTNER_ADDR[$o]}" <<'EOF'
import os, socket, struct, sys, time
dst, ident = sys.argv[1], os.getpid() & 0xffff
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
pkt = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"erready-lab2"
pkt = pkt[:2] + struct.pack("!H", csum(pkt)) + pkt[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(pkt, (dst, 0))
deadline = time.monotonic() + 1
while (left := deadline - time.monotonic()) > 0:
    s.settimeout(left)
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        break
    ihl = (data[0] & 0xf) * 4
    typ, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
    if addr[0] == dst and typ == 0 and rid == ident:
        sys.exit(0)
sys.exit(1)
EOF
}

# ---------------------------------------------------------------------------
# up / down
# ---------------------------------------------------------------------------
_lab2_build_net() {
	local ns v l r x lns lif l4 l6 rns rif r4 r6 nsname
	for ns in $(_lab2_all_ns); do ip netns add "$ns" || return 1; done
	for x in $_LAB2_CES; do
		ip netns exec "$(_lab2_ns "$x")" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null || return 1
	done
	for x in $_LAB2_MSEES; do
		ip netns exec "$(_lab2_ns "$x")" sysctl -q -w net.ipv6.conf.default.accept_dad=0 >/dev/null || return 1
	done
	for v in "${_LAB2_VETHS[@]}"; do
		l=${v%%|*} r=${v#*|}
		read -r lns lif l4 l6 <<<"$l"
		read -r rns rif r4 r6 <<<"$r"
		nsname=$(_lab2_ns "$rns")
		ip -n "$(_lab2_ns "$lns")" link add "$lif" mtu 1500 type veth peer name "$rif" mtu 1500 netns "$nsname" ||
			return 1
		for x in l r; do
			if [[ $x == l ]]; then ns=$lns; set -- "$lif" "$l4" "$l6"; else ns=$rns; set -- "$rif" "$r4" "$r6"; fi
			{
				echo "addr add $2 dev $1"
				[[ -n $3 ]] && echo "addr add $3 dev $1 nodad"
				echo "link set $1 up"
			} | ip -n "$(_lab2_ns "$ns")" -batch - || return 1
		done
	done
	for ns in $(_lab2_all_ns); do ip -n "$ns" link set lo up || return 1; done
	ip -n "$(_lab2_ns a)" addr add 10.20.0.1/32 dev lo || return 1 # a LAN host address (as the single lab)
	ip -n "$(_lab2_ns b)" addr add 10.20.0.2/32 dev lo || return 1
	for x in a:msft1 b:msft2; do
		ns=$(_lab2_ns "${x%%:*}")
		_lab2_gen_nft "${x#*:}" >"$LAB_STATE/ce-${x%%:*}.nft"
		ip netns exec "$ns" nft -f "$LAB_STATE/ce-${x%%:*}.nft" || return 1
		_lab2_gen_tc "${x#*:}" | tc -n "$ns" -batch - 2>&1 | grep -v 'quantum of class' >&2
		[[ ${PIPESTATUS[1]} -eq 0 ]] || return 1
	done
}

# lab2_up: builds the two-router lab and waits until every session is up.
lab2_up() {
	local t0 k ns
	_lab2_vars || return 1
	if [[ -e $LAB_STATE ]]; then
		_lab_err "lab $ERLAB_ID already exists ($LAB_STATE); run down first"
		return 1
	fi
	for ns in $(_lab2_all_ns); do
		if [[ -e /run/netns/$ns ]]; then _lab_err "namespace $ns already exists"; return 1; fi
	done
	t0=$(_lab_us)
	_LAB_CREATING=1
	if ! mkdir -p "$LAB_STATE" || ! chmod 711 "$LAB_STATE"; then lab2_down; return 1; fi
	echo dual >"$LAB_STATE/variant"
	: >"$LAB_STATE/faults"
	if ! _lab2_make_keys; then _lab_err "creating the SSH keys failed"; lab2_down; return 1; fi
	if ! _lab2_build_net; then _lab_err "building the network failed"; lab2_down; return 1; fi
	for k in $_LAB2_MSEES; do _lab2_start_msee "$k" || { lab2_down; return 1; }; done
	if ! _lab2_start_frr || ! _lab2_start_ce_b; then lab2_down; return 1; fi
	if ! lab2_wait_established "$ERLAB_UP_TIMEOUT"; then
		_lab_err "lab did not converge"
		lab2_down; return 1
	fi
	_LAB_CREATING=
	_lab_log "up (two routers) in $(_lab_since "$t0")s; state $LAB_STATE"
}

# lab2_down: stops every process of the run (agents included), deletes its
# namespaces and state. Idempotent.
lab2_down() {
	_lab2_vars || return 1
	local pf ns pid pids
	if [[ -d $LAB_STATE ]]; then
		# a hung (SIGSTOPped) agent would not see the SIGTERM
		for pf in "$LAB_STATE"/agent-*/erreadyd.pid; do
			[[ -e $pf ]] && read -r pid <"$pf" && _lab_pid_ours "$pid" && kill -CONT "$pid"
		done
		for pf in "$LAB_STATE"/agent-*/erreadyd.pid "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid; do
			[[ -e $pf ]] && _lab_kill_pidfile "$pf"
		done
	fi
	for ns in $(_lab2_all_ns); do
		[[ -e /run/netns/$ns ]] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [[ -n $pids ]]; then
			_lab_log "stopping leftover pids in $ns: $pids"
			# shellcheck disable=SC2086 # a list of pids
			kill -TERM $pids 2>/dev/null
			for pid in $pids; do
				_lab_poll 3 0.02 _lab_proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null
			done
		fi
		ip netns del "$ns" 2>/dev/null || _lab_err "could not delete namespace $ns"
	done
	[[ -d $LAB_FRR_RUN && $LAB_FRR_RUN == /run/frr/erl* ]] && rm -rf "$LAB_FRR_RUN"
	[[ -d $LAB_FRR_ETC && $LAB_FRR_ETC == /etc/frr/erl* ]] && rm -rf "$LAB_FRR_ETC"
	[[ -d $LAB_STATE && $LAB_STATE == "$ERLAB_STATE_ROOT"/* ]] && rm -rf "$LAB_STATE"
	_LAB_CREATING=
	return 0
}
lab2_auto_cleanup() { trap 'lab2_down' EXIT; trap 'lab2_down; exit 130' INT; trap 'lab2_down; exit 143' TERM; }

# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------
# shellcheck disable=SC2086 # one name a line
lab2_faults() { printf '%s\n' $_LAB2_FAULTS; }
lab2_fault() { _lab2_fault_locked fault "$@"; }
lab2_restore() { _lab2_fault_locked restore "$@"; }
_lab2_fault_locked() {
	_lab2_need_state || return 1
	local fd rc
	exec {fd}>>"$LAB_STATE/lock" || return 1
	if ! flock -w 30 "$fd"; then _lab_err "lab is busy (lock $LAB_STATE/lock)"; exec {fd}>&-; return 1; fi
	_lab2_fault_do "$@"
	rc=$?
	exec {fd}>&-
	return $rc
}
_lab2_fault_do() {
	local op=$1 name=${2:-} arg=${3:-} k s ce cp msee mp rest pf pid
	case $name in
	stop-msee-priv-primary) name=stop-session arg=c${arg:-1}pp ;;
	stop-msee-priv-secondary) name=stop-session arg=c${arg:-1}ps ;;
	stop-msee-msft-primary) name=stop-session arg=c1mp ;;
	stop-msee-msft-secondary) name=stop-session arg=c1ms ;;
	stop-agent-b) name=stop-agent arg=b ;;
	kill-agent-b) name=kill-agent arg=b ;;
	hang-agent-b) name=hang-agent arg=b ;;
	esac
	case $name in
	stop-session)
		# the MSEE disables its session(s) of one link (for Microsoft peering
		# IPv4 and IPv6); the CE's side goes Active, BFD goes down
		[[ $arg =~ ^c[12]p[ps]$|^c1m[ps]$ ]] || { _lab_err "stop-session takes c1pp c1ps c2pp c2ps c1mp c1ms"; return 1; }
		_lab_fault_mark "$op" "stop-session-$arg"
		for s in "$arg" "${arg}6"; do
			[[ -n ${_LAB2_SESS[$s]:-} ]] || continue
			read -r ce cp msee mp rest <<<"${_LAB2_SESS[$s]}"
			_lab_pidfile_alive "$LAB_STATE/msee-$msee.pid" || continue # applied when it starts
			birdc -s "$(_lab2_msee_sock "$msee")" "$([[ $op == fault ]] && echo disable || echo enable)" "$mp" >/dev/null ||
				return 1
		done
		;;
	stop-msee)
		[[ " $_LAB2_MSEES " == *" $arg "* ]] || { _lab_err "stop-msee takes one of: $_LAB2_MSEES"; return 1; }
		_lab_fault_mark "$op" "stop-msee-$arg"
		if [[ $op == fault ]]; then _lab2_stop_msee "$arg"
		else _lab_pidfile_alive "$LAB_STATE/msee-$arg.pid" || _lab2_start_msee "$arg"; fi
		;;
	stop-ce-b)
		_lab_fault_mark "$op" "$name"
		if [[ $op == fault ]]; then _lab2_stop_ce_b
		else _lab_pidfile_alive "$LAB_STATE/ce-b-bird.pid" || _lab2_start_ce_b; fi
		;;
	parity-adv-circuit2-missing)
		# both routers stop advertising 10.21.0.0/16 on circuit 2 (primary and
		# secondary stay alike): it is advertised on circuit 1 only
		_lab_fault_mark "$op" "$name"
		_lab2_reconf_ce_b || return 1
		if [[ $op == fault ]]; then lab_vtysh_conf "no ip prefix-list PL-C2-PRIV-OUT seq 20 permit 10.21.0.0/16"
		else lab_vtysh_conf "ip prefix-list PL-C2-PRIV-OUT seq 20 permit 10.21.0.0/16"; fi
		_lab_frr_soft_out 172.16.1.2
		;;
	stop-agent)
		k=$(_lab2_ce "${arg:-b}") || return 1
		if [[ $op == fault ]]; then
			[[ -s $(_lab2_agent_dir "$k")/erreadyd.pid ]] || { _lab_err "the agent of CE-${k^^} was never started"; return 1; }
			_lab_fault_add "stop-agent" "$k"
			lab2_agent_stop "$k"
		else
			_lab_fault_del "stop-agent"
			_lab_pidfile_alive "$(_lab2_agent_dir "$k")/erreadyd.pid" || lab2_agent_start "$k"
		fi
		;;
	kill-agent)
		# a crash: SIGKILL, nothing is closed cleanly
		k=$(_lab2_ce "${arg:-b}") || return 1
		pf=$(_lab2_agent_dir "$k")/erreadyd.pid
		if [[ $op == fault ]]; then
			_lab_pidfile_alive "$pf" || { _lab_err "the agent of CE-${k^^} is not running"; return 1; }
			_lab_fault_add "kill-agent" "$k"
			read -r pid <"$pf" && kill -KILL "$pid" && _lab_poll 5 0.02 _lab_pid_gone "$pid" && rm -f "$pf"
		else
			_lab_fault_del "kill-agent"
			_lab_pidfile_alive "$pf" || lab2_agent_start "$k"
		fi
		;;
	hang-agent)
		# a hung partner: SIGSTOP; its TCP connections stay open and silent
		k=$(_lab2_ce "${arg:-b}") || return 1
		pf=$(_lab2_agent_dir "$k")/erreadyd.pid
		_lab_pidfile_alive "$pf" || { _lab_err "the agent of CE-${k^^} is not running"; return 1; }
		read -r pid <"$pf" || return 1
		if [[ $op == fault ]]; then _lab_fault_add "hang-agent" "$k"; kill -STOP "$pid"
		else _lab_fault_del "hang-agent"; kill -CONT "$pid"; fi
		;;
	wrong-partner-hostkey)
		# A's config names a host key that is not B's; a running agent reloads it
		_lab_fault_mark "$op" "$name"
		lab2_config a "$(_lab2_agent_dir a)/erready.json" && _lab2_agent_reload a
		;;
	"") _lab_err "usage: $op NAME [ARG]; faults: ${_LAB2_FAULTS//$'\n'/ }"; return 1 ;;
	*) _lab_err "unknown fault '$name'; faults: ${_LAB2_FAULTS//$'\n'/ }"; return 1 ;;
	esac
}

# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------
lab2_status() {
	_lab2_need_state || return 1
	local k pf pid st x
	echo "id:        $ERLAB_ID"
	echo "variant:   dual (two routers)"
	echo "state:     $LAB_STATE"
	echo "ce-a:      netns $(_lab2_ns a), FRR: vtysh -N $LAB_FRR_PS"
	echo "ce-b:      netns $(_lab2_ns b), BIRD: birdc -s $LAB2_BIRD_SOCK"
	for k in $_LAB2_MSEES; do
		printf 'msee:      %-4s %-26s netns %-14s birdc -s %s\n' "$k" "${_LAB2_DESC[$k]}" "$(_lab2_ns "$k")" "$(_lab2_msee_sock "$k")"
	done
	for x in $_LAB2_CES; do
		echo "agent ce-$x: config $(_lab2_agent_dir "$x")/erready.json, NETCONF ${_LAB2_PARTNER_ADDR[$x]}:830 and $(_lab2_agent_dir "$x")/netconf.sock"
	done
	echo "processes:"
	for pf in "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid "$LAB_STATE"/agent-*/erreadyd.pid; do
		[[ -e $pf ]] || continue
		read -r pid <"$pf"
		_lab_pid_ours "$pid" && st=running || st=dead
		printf '  %-22s pid %-8s %s\n' "${pf#"$LAB_STATE"/}" "$pid" "$st"
	done
	echo "bgp sessions (ce side / msee side):"
	_lab2_states | while read -r k a m; do
		printf '  %-6s %-18s ce=%-12s msee=%s\n' "$k" "${_LAB2_SESS[$k]##* }" "$a" "$m"
	done
	for x in $_LAB2_CES; do echo "bfd ce-$x:  $(_lab2_bfd_states "$x" | tr '\n' ' ')"; done
	echo "faults:    $(awk '{ print $1 ($2 != "" ? "(" $2 ")" : "") }' "$LAB_STATE/faults" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
_lab2_usage() {
	cat <<EOF
usage: lab2.sh [-i ID] COMMAND
  up                     build the two-router lab (prints the id; default id: this shell's pid)
  down                   stop everything of the run (agents included), delete namespaces/state
  status                 namespaces, processes, BGP/BFD state, agents, active faults
  wait [TIMEOUT]         wait until all BGP sessions are Established and BFD is up
  fault NAME [ARG]       apply a fault (list: lab2.sh faults)
  restore NAME [ARG]     undo a fault
  faults                 list fault names
  config A|B OUTFILE     write the erreadyd configuration of CE-A or CE-B
  agent start A|B [CMD...]  run erreadyd (CMD, default \$ERREADYD or build/agent/erreadyd) in that router
  agent stop A|B         stop it
The id comes from -i ID or ERLAB_ID; every command but 'up' needs it.
EOF
}
_lab2_main() {
	set -u
	if [[ ${1:-} == -i ]]; then export ERLAB_ID=${2:-}; shift 2; fi
	local cmd=${1:-}; shift || true
	case $cmd in
	up | -h | --help | help | "" | faults) ;;
	*) [[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; } ;;
	esac
	case $cmd in
	up)
		: "${ERLAB_ID:=$$}"
		_lab2_vars || return 1
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab2_down; exit 130' INT
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab2_down; exit 143' TERM
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab2_down' EXIT
		if lab2_up; then
			trap - EXIT INT TERM
			echo "ERLAB_ID=$ERLAB_ID"
			return 0
		fi
		return 1
		;;
	down)
		local t0; t0=$(_lab_us)
		lab2_down && _lab_log "down in $(_lab_since "$t0")s"
		;;
	status) lab2_status ;;
	wait) _lab2_need_state && lab2_wait_established "${1:-$ERLAB_UP_TIMEOUT}" ;;
	fault | restore) "lab2_$cmd" "$@" ;;
	faults) lab2_faults ;;
	config) lab2_config "$@" ;;
	agent)
		case ${1:-} in
		start) shift; lab2_agent_start "$@" ;;
		stop) lab2_agent_stop "${2:-}" ;;
		*) _lab_err "usage: agent start|stop A|B"; return 1 ;;
		esac
		;;
	-h | --help | help | "") _lab2_usage ;;
	*) _lab_err "unknown command '$cmd'"; _lab2_usage >&2; return 1 ;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	_lab2_main "$@"
	exit $?
fi
