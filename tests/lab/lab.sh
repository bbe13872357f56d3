#!/usr/bin/env bash
# tests/lab/lab.sh - ExpressRoute-like network lab for erready.
#
# Real BGP (FRR or BIRD 2 on the customer edge, BIRD 2 "MSEEs" in AS 12076),
# BFD, nftables SNAT/DSCP and tc queues, all inside network namespaces this
# script creates. Nothing is added to the root network namespace.
#
# Library:  ERLAB_ID=42; source tests/lab/lab.sh
#           lab_up frr|bird; lab_fault NAME [ARG]; lab_restore NAME [ARG]; lab_down
#           (install `trap lab_down EXIT INT TERM` in the test, or call lab_auto_cleanup)
# CLI:      tests/lab/lab.sh [-i ID] up frr|bird|down|status|fault NAME [ARG]|
#           restore NAME [ARG]|config FILE|faults|wait [TIMEOUT]|traffic
# See tests/lab/README.md for the topology, addressing and the fault catalogue.

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
: "${ERLAB_STATE_ROOT:=/run/erready-lab}"
: "${ERLAB_FRR_BIN:=/usr/lib/frr}"
: "${ERLAB_UP_TIMEOUT:=30}"

declare -gA _LAB_CEIF=([pp]=pri1 [ps]=pri2 [mp]=msft1 [ms]=msft2 [inet]=inet0)
declare -gA _LAB_CE4=([pp]=172.16.0.1 [ps]=172.16.0.5 [mp]=131.107.0.1 [ms]=131.107.0.5 [inet]=198.18.0.2)
declare -gA _LAB_PEER4=([pp]=172.16.0.2 [ps]=172.16.0.6 [mp]=131.107.0.2 [ms]=131.107.0.6 [inet]=198.18.0.1)
declare -gA _LAB_CE6=([mp]=2a01:111:2000::1 [ms]=2a01:111:2000::5)
declare -gA _LAB_PEER6=([mp]=2a01:111:2000::2 [ms]=2a01:111:2000::6)
declare -gA _LAB_DESC=([pp]="MSEE private primary" [ps]="MSEE private secondary"
	[mp]="MSEE Microsoft primary" [ms]="MSEE Microsoft secondary" [inet]="Internet AS174")
# session key -> "remote-daemon protocol-name ce-bird-protocol address"
declare -gA _LAB_SESS=(
	[pp]="pp ce4 pp 172.16.0.2"          [ps]="ps ce4 ps 172.16.0.6"
	[mp]="mp ce4 mp4 131.107.0.2"        [ms]="ms ce4 ms4 131.107.0.6"
	[mp6]="mp ce6 mp6 2a01:111:2000::2"  [ms6]="ms ce6 ms6 2a01:111:2000::6"
	[inet]="inet ce4 inet 198.18.0.1")
_LAB_SESSIONS="pp ps mp ms mp6 ms6 inet"
_LAB_REMOTES="pp ps mp ms inet"
_LAB_FAULTS="stop-msee stop-msee-priv-primary stop-msee-priv-secondary stop-msee-msft-primary
stop-msee-msft-secondary stop-both-msft wrong-peer-as wrong-peer-as-accepted adv-rfc1918-msft adv-default-msft
adv-default6-msft exceed-prefix-limit-msft exceed-prefix-limit-priv differ-adv-priv remove-snat snat-private-pool
remove-dscp remove-ef-queue link-down-msft1 msft-zero-received msft-prefix-to-inet msft-route-via-inet inet-sends-msft-prefix
inet-wins-msft-prefix msft-more-specific-to-inet default-route-priv mtu-9000-msft-primary arp-fail-priv-secondary
vrrp-vmac-msft-primary vrrp-msft-secondary md5-mismatch-priv-secondary stop-frr stop-ce-bgp"
# TCP-MD5 key of the private secondary session (the only one with a key); the erready config carries it too.
_LAB_MD5_KEY=erlabMd5Key1

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
_lab_log() { printf 'lab[%s]: %s\n' "${ERLAB_ID:-?}" "$*" >&2; }
_lab_err() { printf 'lab[%s]: error: %s\n' "${ERLAB_ID:-?}" "$*" >&2; }

# microseconds since the epoch, no fork
_lab_us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }
# seconds (may be fractional) -> microseconds
_lab_s2us() {
	local s=$1 int frac
	int=${s%%.*}; [[ $s == *.* ]] && frac=${s#*.} || frac=
	frac=${frac}000000; frac=${frac:0:6}
	echo $(( ${int:-0} * 1000000 + 10#$frac ))
}
# elapsed seconds since a _lab_us stamp, as "1.234"
_lab_since() { local d=$(( $(_lab_us) - $1 )); printf '%d.%03d' $((d / 1000000)) $(((d % 1000000) / 1000)); }

# _lab_poll TIMEOUT INTERVAL CMD...: run CMD until it succeeds; fail after TIMEOUT seconds
_lab_poll() {
	local deadline=$(( $(_lab_us) + $(_lab_s2us "$1") )) interval=$2
	shift 2
	while :; do
		"$@" && return 0
		(( $(_lab_us) >= deadline )) && return 1
		sleep "$interval"
	done
}

# Sets the per-run names from ERLAB_ID (default: the pid of the calling shell).
_lab_vars() {
	: "${ERLAB_ID:=$$}"
	if [[ ! $ERLAB_ID =~ ^[A-Za-z0-9]{1,10}$ ]]; then
		_lab_err "ERLAB_ID must be 1-10 letters or digits (got '$ERLAB_ID')"
		return 1
	fi
	LAB_P=erl$ERLAB_ID
	LAB_STATE=$ERLAB_STATE_ROOT/$ERLAB_ID
	LAB_NS_CE=$LAB_P-ce
	LAB_FRR_PS=$LAB_P
	LAB_FRR_RUN=/run/frr/$LAB_P
	LAB_FRR_ETC=/etc/frr/$LAB_P
	LAB_BIRD_SOCK=$LAB_STATE/ce-bird.ctl
}
_lab_ns() { if [[ $1 == ce ]]; then echo "$LAB_NS_CE"; else echo "$LAB_P-$1"; fi; }
_lab_all_ns() { local k; for k in ce $_LAB_REMOTES; do _lab_ns "$k"; done; }
_lab_nsx() { local ns; ns=$(_lab_ns "$1"); shift; ip netns exec "$ns" "$@"; }
_lab_variant() { cat "$LAB_STATE/variant" 2>/dev/null; }
_lab_msee_sock() { echo "$LAB_STATE/msee-$1.ctl"; }
# The MSEE K drops the TCP SYNs to its BGP port ("add"), or stops ("delete").
_lab_syn_hold() {
	if [[ $2 == add ]]; then
		_lab_nsx "$1" nft -f - <<'EOF'
table ip erlab_syn_hold {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 179 tcp flags & (syn | ack) == syn drop
	}
}
EOF
	else
		_lab_nsx "$1" nft delete table ip erlab_syn_hold 2>/dev/null || true
	fi
}

# Faults are recorded one per line as "NAME ARG" in $LAB_STATE/faults.
_lab_fault_on() { grep -qE "^$1( |\$)" "$LAB_STATE/faults" 2>/dev/null; }
_lab_fault_arg() { awk -v n="$1" '$1 == n { print $2; exit }' "$LAB_STATE/faults" 2>/dev/null; }
_lab_fault_add() { _lab_fault_on "$1" || echo "$1 ${2:-}" >>"$LAB_STATE/faults"; }
_lab_fault_mark() { if [[ $1 == fault ]]; then _lab_fault_add "$2" "${3:-}"; else _lab_fault_del "$2"; fi; }
_lab_fault_del() {
	local tmp=$LAB_STATE/faults.tmp
	awk -v n="$1" '$1 != n' "$LAB_STATE/faults" >"$tmp" 2>/dev/null; mv -f "$tmp" "$LAB_STATE/faults"
}

# A pid is ours when its command line names our state directory.
_lab_pid_ours() {
	[[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] || return 1
	local cmd
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
	[[ $cmd == *"$LAB_STATE/"* ]]
}
_lab_pid_gone() { ! _lab_pid_ours "$1"; }
# gone or a zombie
_lab_proc_gone() {
	local st
	[[ -r /proc/$1/stat ]] || return 0
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[[ -z $st || $st == Z ]]
}
_lab_pidfile_alive() {
	local pid
	[[ -s $1 ]] && read -r pid <"$1" && _lab_pid_ours "$pid"
}
# Stops the process of a pid file (TERM, bounded wait, then KILL).
_lab_kill_pidfile() {
	local pf=$1 pid
	[[ -e $pf ]] || return 0
	read -r pid <"$pf" 2>/dev/null
	if _lab_pid_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		if ! _lab_poll 5 0.02 _lab_pid_gone "$pid"; then
			_lab_log "pid $pid ignored SIGTERM, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			_lab_poll 2 0.02 _lab_pid_gone "$pid"
		fi
	fi
	rm -f "$pf"
}

# er_spawn LOG CMD...: a daemon with only /dev/null and LOG as stdio
# shellcheck source=tests/lab/spawn.sh
. "$(dirname "${BASH_SOURCE[0]}")/spawn.sh"

_lab_need_state() {
	_lab_vars || return 1
	if [[ ! -d $LAB_STATE ]]; then
		_lab_err "no lab with id $ERLAB_ID (no $LAB_STATE); set ERLAB_ID to the id printed by 'up'"
		return 1
	fi
}

# ---------------------------------------------------------------------------
# Configuration generators
# ---------------------------------------------------------------------------
# Extra prefixes used by the prefix-limit faults.
_lab_bulk_priv() { local i; for ((i = 0; i < 4010; i++)); do echo "10.$((224 + i / 256)).$((i % 256)).0/24"; done; }
_lab_bulk_msft() { local i; for ((i = 16; i < 226; i++)); do echo "123.0.0.$i/32"; done; }

# BIRD configuration of one remote router (MSEE or the Internet neighbour).
_lab_gen_remote_bird() {
	local k=$1 as=12076 peeras limit=200 export4 export6=""
	local me4=${_LAB_PEER4[$k]} ce4=${_LAB_CE4[$k]} me6=${_LAB_PEER6[$k]:-} ce6=${_LAB_CE6[$k]:-}
	case $k in
	pp | ps) peeras=65010 limit=4000 ;;
	mp | ms) peeras=23500 ;;
	inet) peeras=23500 as=174 ;;
	esac
	if [[ $(_lab_fault_arg wrong-peer-as) == "$k" || $(_lab_fault_arg wrong-peer-as-accepted) == "$k" ]]; then
		as=12077
	fi
	cat <<EOF
# $k: ${_LAB_DESC[$k]} (generated by tests/lab/lab.sh)
log "$LAB_STATE/msee-$k.log" all;
router id $me4;
protocol device { scan time 10; }
protocol kernel kern4 { ipv4 { import none; export where source = RTS_BGP; }; }
EOF
	[[ -n $me6 ]] && echo 'protocol kernel kern6 { ipv6 { import none; export where source = RTS_BGP; }; }'
	# Microsoft runs BFD on the MSEEs of private and Microsoft peering (expressroute-bfd, 06/30/2023).
	[[ $k != inet ]] && echo 'protocol bfd { interface "to-ce" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }'
	case $k in
	pp | ps)
		# default-route-priv: Azure also sends 0.0.0.0/0, as Virtual WAN can (rule 27, not a VNet for rule 6)
		local dflt=""
		_lab_fault_on default-route-priv && dflt=" route 0.0.0.0/0 blackhole;"
		cat <<EOF
protocol static vnets4 { ipv4; route 10.10.0.0/16 blackhole; route 10.11.0.0/16 blackhole;$dflt }
filter export4 { if proto != "vnets4" then reject; accept; }
EOF
		;;
	mp | ms)
		cat <<EOF
protocol static svc4 {
	ipv4;
	route 13.107.6.0/24 blackhole;
	route 40.96.0.0/13 blackhole;
	route 52.96.0.0/14 blackhole;
	route 52.112.0.0/14 blackhole;
}
protocol static svc6 {
	ipv6;
	route 2603:1026::/44 blackhole;
	route 2a01:111:f400::/48 blackhole;
}
filter export4 {
	if proto != "svc4" then reject;
EOF
		# Microsoft's maintenance prepends (FAQ 2022: "longer AS-path prepend over one of the connections")
		_lab_fault_on inet-wins-msft-prefix &&
			echo '	if net = 13.107.6.0/24 then { bgp_path.prepend(12076); bgp_path.prepend(12076); }'
		cat <<EOF
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
		if _lab_fault_on msft-zero-received; then
			echo 'filter export4_rf { reject; }'
			echo 'filter export6_rf { reject; }'
			export6=export6_rf
		else
			export6=export6
		fi
		;;
	inet)
		cat <<EOF
protocol static inet4 { ipv4; route 0.0.0.0/0 blackhole; }
EOF
		# Microsoft's own prefix as the Internet carries it (via AS 8075): the CE then has it from
		# AS 12076 and from AS 174, and nothing but its policy says ExpressRoute wins (rule 26).
		if _lab_fault_on inet-sends-msft-prefix || _lab_fault_on inet-wins-msft-prefix; then
			cat <<EOF
protocol static msft4 { ipv4; route 13.107.6.0/24 blackhole; }
filter export4 {
	if proto = "msft4" then { bgp_path.prepend(8075); accept; }
	if proto != "inet4" then reject;
	accept;
}
EOF
		else
			echo 'filter export4 { if proto != "inet4" then reject; accept; }'
		fi
		;;
	esac
	export4=export4
	[[ $k == m[ps] ]] && _lab_fault_on msft-zero-received && export4=export4_rf
	cat <<EOF
template bgp peer_t {
	hold time 180; keepalive time 60;
	connect delay time 1; connect retry time 2;
	error wait time 1, 4; error forget time 10;
}
protocol bgp ce4 from peer_t {
	description "$k to customer edge";
	local $me4 as $as;
	neighbor $ce4 as $peeras;
EOF
	[[ $k != inet ]] && echo '	bfd on;'
	if [[ $k == ps ]]; then
		# md5-mismatch-priv-secondary: the MSEE holds another key than the customer edge
		if _lab_fault_on md5-mismatch-priv-secondary; then echo '	password "erlabMd5Key2";'
		else echo "	password \"$_LAB_MD5_KEY\";"; fi
	fi
	if [[ $k == inet ]]; then
		echo "	ipv4 { import all; export filter $export4; };"
	else
		echo "	ipv4 { import all; export filter $export4; receive limit $limit action disable; };"
	fi
	echo "}"
	if [[ -n $me6 ]]; then
		cat <<EOF
protocol bgp ce6 from peer_t {
	description "$k to customer edge (IPv6)";
	local $me6 as $as;
	neighbor $ce6 as $peeras;
	bfd on;
	ipv6 { import all; export filter $export6; receive limit 200 action disable; };
}
EOF
	fi
}

# Prefix sets of the customer edge, after the active faults.
_lab_ce_sets() {
	PRIV_PRI="10.20.0.0/16 10.21.0.0/16" PRIV_SEC="10.20.0.0/16 10.21.0.0/16"
	MSFT4="123.0.0.0/24" MSFT6="2a01:111:f000::/48" INET4="185.1.0.0/22"
	_lab_fault_on differ-adv-priv && PRIV_SEC="10.20.0.0/16"
	_lab_fault_on adv-rfc1918-msft && MSFT4+=" 10.99.0.0/16"
	_lab_fault_on adv-default-msft && MSFT4+=" 0.0.0.0/0"
	_lab_fault_on adv-default6-msft && MSFT6+=" ::/0"
	_lab_fault_on msft-prefix-to-inet && INET4+=" 123.0.0.0/24"
	# more specific than the /24 sent to Microsoft: wins the return traffic (rule 22)
	_lab_fault_on msft-more-specific-to-inet && INET4+=" 123.0.0.0/25"
	return 0
}

# BIRD configuration of the customer edge (bird variant).
_lab_gen_ce_bird() {
	local PRIV_PRI PRIV_SEC MSFT4 MSFT6 INET4 s p
	_lab_ce_sets
	local bp="" bm=""
	_lab_fault_on exceed-prefix-limit-priv && bp=", 10.224.0.0/12{24,24}"
	_lab_fault_on exceed-prefix-limit-msft && bm=", 123.0.0.0/24{32,32}"
	set_of() { local out="" x; for x in "$@"; do out+="${out:+, }$x"; done; echo "$out"; }
	# the MSEE's AS: 12076, or any external AS under wrong-peer-as-accepted
	_nb() {
		if [[ $(_lab_fault_arg wrong-peer-as-accepted) == "$1" ]]; then echo "neighbor $2 external;"
		else echo "neighbor $2 as 12076;"; fi
	}
	cat <<EOF
# customer edge (generated by tests/lab/lab.sh)
log "$LAB_STATE/ce-bird.log" all;
router id 172.16.0.1;
define PRIV_PRI_OUT = [ $(set_of $PRIV_PRI)$bp ];
define PRIV_SEC_OUT = [ $(set_of $PRIV_SEC)$bp ];
define MSFT_OUT = [ $(set_of $MSFT4)$bm ];
define MSFT6_OUT = [ $(set_of $MSFT6) ];
define INET_OUT = [ $(set_of $INET4) ];
protocol device { scan time 10; }
protocol kernel kern4 { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }
protocol kernel kern6 { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }
protocol bfd { interface "pri1", "pri2", "msft1", "msft2" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
protocol static own4 {
	ipv4;
	route 10.20.0.0/16 blackhole;
	route 10.21.0.0/16 blackhole;
	route 123.0.0.0/24 blackhole;
	route 185.1.0.0/22 blackhole;
EOF
	_lab_fault_on adv-rfc1918-msft && echo '	route 10.99.0.0/16 blackhole;'
	_lab_fault_on adv-default-msft && echo '	route 0.0.0.0/0 blackhole;'
	_lab_fault_on msft-more-specific-to-inet && echo '	route 123.0.0.0/25 blackhole;'
	if _lab_fault_on exceed-prefix-limit-priv; then
		_lab_bulk_priv | while read -r p; do echo "	route $p blackhole;"; done
	fi
	if _lab_fault_on exceed-prefix-limit-msft; then
		_lab_bulk_msft | while read -r p; do echo "	route $p blackhole;"; done
	fi
	cat <<EOF
}
protocol static own6 {
	ipv6;
	route 2a01:111:f000::/48 blackhole;
EOF
	_lab_fault_on adv-default6-msft && echo '	route ::/0 blackhole;'
	cat <<EOF
}
template bgp msee {
	hold time 180; keepalive time 60;
	connect delay time 1; connect retry time 2;
	error wait time 1, 4; error forget time 10;
}
protocol bgp pp from msee {
	description "MSEE private primary";
	local 172.16.0.1 as 65010; $(_nb pp 172.16.0.2) bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ PRIV_PRI_OUT; };
}
protocol bgp ps from msee {
	description "MSEE private secondary";
	local 172.16.0.5 as 65010; $(_nb ps 172.16.0.6) bfd on; password "$_LAB_MD5_KEY";
	ipv4 { import all; export where proto = "own4" && net ~ PRIV_SEC_OUT; };
}
protocol bgp mp4 from msee {
	description "MSEE Microsoft primary";
	local 131.107.0.1 as 23500; $(_nb mp 131.107.0.2) bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ MSFT_OUT; };
}
protocol bgp ms4 from msee {
	description "MSEE Microsoft secondary";
	local 131.107.0.5 as 23500; $(_nb ms 131.107.0.6) bfd on;
	ipv4 { import all; export where proto = "own4" && net ~ MSFT_OUT; };
}
protocol bgp mp6 from msee {
	description "MSEE Microsoft primary (IPv6)";
	local 2a01:111:2000::1 as 23500; $(_nb mp 2a01:111:2000::2) bfd on;
	ipv6 { import all; export where proto = "own6" && net ~ MSFT6_OUT; };
}
protocol bgp ms6 from msee {
	description "MSEE Microsoft secondary (IPv6)";
	local 2a01:111:2000::5 as 23500; $(_nb ms 2a01:111:2000::6) bfd on;
	ipv6 { import all; export where proto = "own6" && net ~ MSFT6_OUT; };
}
protocol bgp inet from msee {
	description "Internet AS174";
	local 198.18.0.2 as 23500; neighbor 198.18.0.1 as 174;
	ipv4 { import all; export where proto = "own4" && net ~ INET_OUT; };
}
EOF
	unset -f set_of _nb
}

# FRR configuration of the customer edge (frr variant), one file per daemon.
_lab_gen_frr() {
	local d=$LAB_STATE/frr n
	mkdir -p "$d"
	printf 'hostname %s\n!\n' "$LAB_NS_CE" >"$d/zebra.conf"
	cat >"$d/staticd.conf" <<EOF
hostname $LAB_NS_CE
ip route 10.20.0.0/16 blackhole
ip route 10.21.0.0/16 blackhole
ip route 123.0.0.0/24 blackhole
ip route 185.1.0.0/22 blackhole
ipv6 route 2a01:111:f000::/48 blackhole
!
EOF
	cat >"$d/bfdd.conf" <<EOF
hostname $LAB_NS_CE
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
		cat <<EOF
frr defaults traditional
hostname $LAB_NS_CE
!
ip prefix-list PL-PRIV-PRI-OUT seq 10 permit 10.20.0.0/16
ip prefix-list PL-PRIV-PRI-OUT seq 20 permit 10.21.0.0/16
ip prefix-list PL-PRIV-SEC-OUT seq 10 permit 10.20.0.0/16
ip prefix-list PL-PRIV-SEC-OUT seq 20 permit 10.21.0.0/16
ip prefix-list PL-MSFT-OUT seq 10 permit 123.0.0.0/24
ipv6 prefix-list PL6-MSFT-OUT seq 10 permit 2a01:111:f000::/48
ip prefix-list PL-INET-OUT seq 10 permit 185.1.0.0/22
ip prefix-list PL-KERNEL-BULK seq 10 permit 10.224.0.0/12 ge 24 le 24
ip prefix-list PL-KERNEL-BULK seq 20 permit 123.0.0.0/24 ge 32 le 32
!
route-map RM-IN permit 10
exit
route-map RM-PRIV-PRI-OUT permit 10
 match ip address prefix-list PL-PRIV-PRI-OUT
exit
route-map RM-PRIV-SEC-OUT permit 10
 match ip address prefix-list PL-PRIV-SEC-OUT
exit
route-map RM-MSFT-OUT permit 10
 match ip address prefix-list PL-MSFT-OUT
exit
route-map RM-MSFT6-OUT permit 10
 match ipv6 address prefix-list PL6-MSFT-OUT
exit
route-map RM-INET-OUT permit 10
 match ip address prefix-list PL-INET-OUT
exit
route-map RM-KERNEL-BULK permit 10
 match ip address prefix-list PL-KERNEL-BULK
exit
!
router bgp 65010
 bgp router-id 172.16.0.1
 no bgp default ipv4-unicast
 bgp log-neighbor-changes
EOF
		for n in pp ps; do
			echo " neighbor ${_LAB_PEER4[$n]} remote-as 12076"
			echo " neighbor ${_LAB_PEER4[$n]} description ${_LAB_DESC[$n]}"
			echo " neighbor ${_LAB_PEER4[$n]} bfd"
			echo " neighbor ${_LAB_PEER4[$n]} bfd profile msee"
			echo " neighbor ${_LAB_PEER4[$n]} timers connect 2"
			echo " neighbor ${_LAB_PEER4[$n]} advertisement-interval 0"
		done
		echo " neighbor ${_LAB_PEER4[ps]} password $_LAB_MD5_KEY"
		for n in ${_LAB_PEER4[mp]} ${_LAB_PEER4[ms]} ${_LAB_PEER6[mp]} ${_LAB_PEER6[ms]} ${_LAB_PEER4[inet]}; do
			if [[ $n == 198.18.0.1 ]]; then
				echo " neighbor $n remote-as 174"
				echo " neighbor $n description ${_LAB_DESC[inet]}"
			else
				echo " neighbor $n remote-as 12076"
				echo " neighbor $n description MSEE Microsoft peering"
				echo " neighbor $n bfd"
				echo " neighbor $n bfd profile msee"
			fi
			echo " neighbor $n local-as 23500 no-prepend replace-as"
			echo " neighbor $n timers connect 2"
			echo " neighbor $n advertisement-interval 0"
		done
		cat <<EOF
 !
 address-family ipv4 unicast
  network 10.20.0.0/16
  network 10.21.0.0/16
  network 123.0.0.0/24
  network 185.1.0.0/22
  redistribute kernel route-map RM-KERNEL-BULK
  neighbor 172.16.0.2 activate
  neighbor 172.16.0.2 route-map RM-IN in
  neighbor 172.16.0.2 route-map RM-PRIV-PRI-OUT out
  neighbor 172.16.0.6 activate
  neighbor 172.16.0.6 route-map RM-IN in
  neighbor 172.16.0.6 route-map RM-PRIV-SEC-OUT out
  neighbor 131.107.0.2 activate
  neighbor 131.107.0.2 route-map RM-IN in
  neighbor 131.107.0.2 route-map RM-MSFT-OUT out
  neighbor 131.107.0.6 activate
  neighbor 131.107.0.6 route-map RM-IN in
  neighbor 131.107.0.6 route-map RM-MSFT-OUT out
  neighbor 198.18.0.1 activate
  neighbor 198.18.0.1 route-map RM-IN in
  neighbor 198.18.0.1 route-map RM-INET-OUT out
 exit-address-family
 !
 address-family ipv6 unicast
  network 2a01:111:f000::/48
  neighbor 2a01:111:2000::2 activate
  neighbor 2a01:111:2000::2 route-map RM-IN in
  neighbor 2a01:111:2000::2 route-map RM-MSFT6-OUT out
  neighbor 2a01:111:2000::6 activate
  neighbor 2a01:111:2000::6 route-map RM-IN in
  neighbor 2a01:111:2000::6 route-map RM-MSFT6-OUT out
 exit-address-family
exit
!
EOF
	} >"$d/bgpd.conf"
}

# nftables of the customer edge: NAT and QoS tables (replaced atomically).
# SNAT matches the LAN (10.0.0.0/8) so the router's own BGP/BFD packets are
# not translated.
_lab_gen_nat() {
	local pool=123.0.0.0/29 i
	_lab_fault_on snat-private-pool && pool=10.9.0.0/29
	echo "table ip nat"
	echo "delete table ip nat"
	echo "table ip nat {"
	echo "	chain postrouting {"
	echo "		type nat hook postrouting priority srcnat; policy accept;"
	if ! _lab_fault_on remove-snat; then
		for i in msft1 msft2; do
			echo "		oifname \"$i\" ip saddr 10.0.0.0/8 counter snat to $pool comment \"snat-microsoft-$i\""
		done
	fi
	echo "		oifname \"inet0\" ip saddr 10.0.0.0/8 counter masquerade comment \"masquerade-internet\""
	echo "	}"
	echo "}"
}
_lab_gen_qos() {
	local i f
	echo "table inet qos"
	echo "delete table inet qos"
	echo "table inet qos {"
	echo "	chain postrouting {"
	echo "		type filter hook postrouting priority mangle; policy accept;"
	for i in msft1 msft2; do
		for f in ip ip6; do
			local nf=ipv4; [[ $f == ip6 ]] && nf=ipv6
			echo "		oifname \"$i\" meta nfproto $nf udp dport 50000-50019 counter $f dscp set ef comment \"teams-audio-ef\""
			echo "		oifname \"$i\" meta nfproto $nf udp dport 50020-50039 counter $f dscp set af41 comment \"teams-video-af41\""
			echo "		oifname \"$i\" meta nfproto $nf udp dport 50040-50059 counter $f dscp set af21 comment \"teams-sharing-af21\""
			echo "		oifname \"$i\" $f dscp != { ef, af41, af21, af11, cs0 } counter $f dscp set cs0 comment \"remark-others\""
		done
	done
	echo "	}"
	echo "}"
}
_lab_gen_tc() {
	local i
	for i in msft1 msft2; do
		cat <<EOF
qdisc replace dev $i root handle 1: htb default 20 r2q 1000
class add dev $i parent 1: classid 1:1 htb rate 1gbit ceil 1gbit
class add dev $i parent 1:1 classid 1:10 htb rate 300mbit ceil 1gbit prio 0
class add dev $i parent 1:1 classid 1:20 htb rate 700mbit ceil 1gbit prio 1
filter add dev $i parent 1: protocol ip prio 1 u32 match ip tos 0xb8 0xfc flowid 1:10
filter add dev $i parent 1: protocol ipv6 prio 2 u32 match ip6 priority 0xb8 0xfc flowid 1:10
EOF
	done
}

# ---------------------------------------------------------------------------
# Daemons
# ---------------------------------------------------------------------------
_lab_start_remote() {
	local k=$1 ns conf sock pf
	conf=$LAB_STATE/msee-$k.conf pf=$LAB_STATE/msee-$k.pid
	ns=$(_lab_ns "$k"); sock=$(_lab_msee_sock "$k")
	_lab_gen_remote_bird "$k" >"$conf"
	rm -f "$sock"
	er_spawn "$LAB_STATE/msee-$k.start.log" ip netns exec "$ns" bird -c "$conf" -s "$sock" -P "$pf" ||
		{ _lab_err "bird $k failed to start: $(tail -n 3 "$LAB_STATE/msee-$k.start.log")"; return 1; }
}
_lab_sock_ready() { [[ -S $1 ]]; }
_lab_wait_remote_started() {
	local k
	for k in "$@"; do
		_lab_poll 5 0.02 _lab_sock_ready "$(_lab_msee_sock "$k")" || { _lab_err "bird $k socket missing"; return 1; }
		_lab_poll 5 0.02 _lab_pidfile_alive "$LAB_STATE/msee-$k.pid" || { _lab_err "bird $k not running"; return 1; }
	done
}
_lab_stop_remote() { _lab_kill_pidfile "$LAB_STATE/msee-$1.pid"; rm -f "$(_lab_msee_sock "$1")"; }
_lab_reconf_remote() {
	local k=$1 out
	_lab_gen_remote_bird "$k" >"$LAB_STATE/msee-$k.conf"
	_lab_pidfile_alive "$LAB_STATE/msee-$k.pid" || return 0 # stopped: config used at next start
	out=$(birdc -s "$(_lab_msee_sock "$k")" configure 2>&1)
	[[ $out == *Reconfigur* ]] || { _lab_err "bird $k configure: $out"; return 1; }
}
lab_birdc_remote() { local k=$1; shift; _lab_vars && birdc -s "$(_lab_msee_sock "$k")" "$@"; }

_lab_frr_daemons="zebra staticd bfdd bgpd"
_lab_start_frr() {
	local d=$LAB_STATE/frr dm
	_lab_gen_frr
	# FRR drops to user frr (root is not in its vty group): give it its directories
	mkdir -p "$LAB_FRR_RUN" "$LAB_FRR_ETC"
	: >"$LAB_FRR_ETC/vtysh.conf" # vtysh -N reads /etc/frr/<pathspace>/vtysh.conf
	chown frr:frr "$LAB_FRR_RUN" "$d" && chmod 755 "$LAB_FRR_RUN" && chmod 750 "$d" || return 1
	chgrp frr "$d"/*.conf && chmod 640 "$d"/*.conf || return 1
	for dm in $_lab_frr_daemons; do
		er_spawn "$d/start.log" ip netns exec "$LAB_NS_CE" "$ERLAB_FRR_BIN/$dm" -d -N "$LAB_FRR_PS" -P 0 \
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
_lab_stop_frr() {
	local dm
	for dm in bgpd bfdd staticd zebra; do _lab_kill_pidfile "$LAB_STATE/frr/$dm.pid"; done
}
_lab_start_ce_bird() {
	_lab_gen_ce_bird >"$LAB_STATE/ce-bird.conf"
	rm -f "$LAB_BIRD_SOCK"
	er_spawn "$LAB_STATE/ce-bird.start.log" \
		ip netns exec "$LAB_NS_CE" bird -c "$LAB_STATE/ce-bird.conf" -s "$LAB_BIRD_SOCK" -P "$LAB_STATE/ce-bird.pid" ||
		{ _lab_err "ce bird failed to start: $(tail -n 3 "$LAB_STATE/ce-bird.start.log")"; return 1; }
	_lab_poll 5 0.02 _lab_sock_ready "$LAB_BIRD_SOCK" || { _lab_err "ce bird socket missing"; return 1; }
	_lab_poll 5 0.02 _lab_pidfile_alive "$LAB_STATE/ce-bird.pid" || { _lab_err "ce bird not running"; return 1; }
}
_lab_stop_ce_bird() { _lab_kill_pidfile "$LAB_STATE/ce-bird.pid"; rm -f "$LAB_BIRD_SOCK"; }
_lab_reconf_ce_bird() {
	local out
	_lab_gen_ce_bird >"$LAB_STATE/ce-bird.conf"
	_lab_pidfile_alive "$LAB_STATE/ce-bird.pid" || return 0
	out=$(birdc -s "$LAB_BIRD_SOCK" configure 2>&1)
	[[ $out == *Reconfigur* ]] || { _lab_err "ce bird configure: $out"; return 1; }
}
_lab_start_ce() { if [[ $(_lab_variant) == bird ]]; then _lab_start_ce_bird; else _lab_start_frr; fi; }
_lab_stop_ce() { if [[ $(_lab_variant) == bird ]]; then _lab_stop_ce_bird; else _lab_stop_frr; fi; }

# vtysh of the lab's FRR; lab_vtysh_conf runs configuration commands.
lab_vtysh() { _lab_vars && vtysh -N "$LAB_FRR_PS" "$@"; }
lab_vtysh_conf() {
	local args=(-c "configure terminal") c
	for c in "$@"; do args+=(-c "$c"); done
	lab_vtysh "${args[@]}" >/dev/null
}
lab_birdc_ce() { _lab_vars && birdc -s "$LAB_BIRD_SOCK" "$@"; }
_lab_frr_soft_out() {
	local n
	for n in "$@"; do lab_vtysh -c "clear bgp $n soft out" >/dev/null 2>&1; done
	return 0
}
# Kernel blackhole routes in the ce namespace (proto 250), redistributed by FRR.
_lab_kernel_bulk() {
	local op=$1 gen=$2
	$gen | sed "s|^|route $op blackhole |; s|\$| proto 250|" | ip -n "$LAB_NS_CE" -batch - 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------
# State queries
# ---------------------------------------------------------------------------
# lab_bgp_state SESSION [ce|remote]: prints Established, Active, Idle, Connect,
# OpenSent, OpenConfirm, Down (protocol down) or Unavailable (no daemon).
# SESSION is pp ps mp ms mp6 ms6 inet, or the MSEE/neighbour address.
_lab_sess_key() {
	local s=$1 k
	[[ -n ${_LAB_SESS[$s]:-} ]] && { echo "$s"; return 0; }
	for k in $_LAB_SESSIONS; do
		[[ ${_LAB_SESS[$k]##* } == "$s" ]] && { echo "$k"; return 0; }
	done
	return 1
}
_lab_bird_state() { # socket protocol
	local line
	line=$(birdc -s "$1" show protocols "$2" 2>/dev/null | awk -v p="$2" '$1 == p')
	[[ -z $line ]] && { echo Unavailable; return; }
	set -- $line
	if [[ $4 == down ]]; then echo Down; elif [[ -n ${6:-} ]]; then echo "$6"; else echo "$4"; fi
}
lab_bgp_state() {
	_lab_vars || return 1
	local key side=${2:-ce} r rp cp addr st
	key=$(_lab_sess_key "$1") || { _lab_err "unknown session $1"; return 1; }
	read -r r rp cp addr <<<"${_LAB_SESS[$key]}"
	if [[ $side == remote ]]; then
		_lab_bird_state "$(_lab_msee_sock "$r")" "$rp"
	elif [[ $(_lab_variant) == bird ]]; then
		_lab_bird_state "$LAB_BIRD_SOCK" "$cp"
	else
		st=$(timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors $addr json" 2>/dev/null |
			jq -r --arg a "$addr" '.[$a].bgpState // empty' 2>/dev/null)
		echo "${st:-Unavailable}"
	fi
}
# All ce-side states at once: "key state" lines.
_lab_ce_states() {
	local k r rp cp addr
	if [[ $(_lab_variant) == bird ]]; then
		local out
		out=$(birdc -s "$LAB_BIRD_SOCK" show protocols 2>/dev/null)
		for k in $_LAB_SESSIONS; do
			read -r r rp cp addr <<<"${_LAB_SESS[$k]}"
			echo "$k $(awk -v p="$cp" '$1 == p { if ($4 == "down") print "Down"; else if ($6 != "") print $6; else print $4 }' <<<"$out")"
		done
	else
		local js
		js=$(timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors json" 2>/dev/null)
		for k in $_LAB_SESSIONS; do
			read -r r rp cp addr <<<"${_LAB_SESS[$k]}"
			echo "$k $(jq -r --arg a "$addr" '.[$a].bgpState // "Unavailable"' <<<"${js:-{\}}" 2>/dev/null)"
		done
	fi
}
_lab_remote_states() {
	local k r rp cp addr
	declare -A out=()
	for r in $_LAB_REMOTES; do out[$r]=$(birdc -s "$(_lab_msee_sock "$r")" show protocols 2>/dev/null); done
	for k in $_LAB_SESSIONS; do
		read -r r rp cp addr <<<"${_LAB_SESS[$k]}"
		echo "$k $(awk -v p="$rp" '$1 == p { if ($4 == "down") print "Down"; else if ($6 != "") print $6; else print $4 }' <<<"${out[$r]}")"
	done
}
_lab_all_established() {
	local k s
	while read -r k s; do [[ $s == Established ]] || return 1; done < <(_lab_ce_states; _lab_remote_states)
	return 0
}
# BFD state of the ce towards the MSEEs (private, Microsoft IPv4 and IPv6):
# "172.16.0.2 up" lines.
_lab_bfd_states() {
	if [[ $(_lab_variant) == bird ]]; then
		birdc -s "$LAB_BIRD_SOCK" show bfd sessions 2>/dev/null |
			awk '$1 ~ /^(172\.16\.0\.[26]|131\.107\.0\.[26]|2a01:111:2000::[26])$/ { print $1, tolower($3) }'
	else
		timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bfd peers json" 2>/dev/null |
			jq -r '.[] | select(.peer | test("^(172\\.16\\.0\\.[26]|131\\.107\\.0\\.[26]|2a01:111:2000::[26])$")) | "\(.peer) \(.status)"' 2>/dev/null
	fi
}
_lab_bfd_all_up() {
	local n
	n=$(_lab_bfd_states | awk '$2 == "up"' | wc -l)
	[[ $n -eq 6 ]]
}
_lab_ready() { _lab_all_established && _lab_bfd_all_up; }

# lab_wait_established [TIMEOUT]: every BGP session Established on both sides
# (IPv4 and IPv6) and BFD up on private peering.
lab_wait_established() {
	_lab_vars || return 1
	local t=${1:-$ERLAB_UP_TIMEOUT}
	_lab_poll "$t" 0.1 _lab_ready && return 0
	_lab_err "not all sessions Established after ${t}s:"
	paste <(_lab_ce_states) <(_lab_remote_states) | awk '{ printf "  %-5s ce=%-12s remote=%s\n", $1, $2, $4 }' >&2
	_lab_bfd_states | sed 's/^/  bfd /' >&2
	return 1
}
# lab_wait_state SESSION STATE TIMEOUT [ce|remote]: STATE is a BGP state name,
# "down" (anything but Established) or "up" (= Established); case-insensitive.
_lab_state_is() {
	local st
	st=$(lab_bgp_state "$1" "$3")
	case ${2,,} in
	down) [[ $st != Established ]] ;;
	up) [[ $st == Established ]] ;;
	*) [[ ${st,,} == "${2,,}" ]] ;;
	esac
}
lab_wait_state() {
	_lab_vars || return 1
	local s=$1 want=$2 t=${3:-10} side=${4:-ce}
	_lab_poll "$t" 0.1 _lab_state_is "$s" "$want" "$side" && return 0
	_lab_err "$side session $s is $(lab_bgp_state "$s" "$side"), not $want after ${t}s"
	return 1
}
# lab_wait_bfd STATE TIMEOUT [PEER]: BFD (ce side) to the private MSEE(s) up/down.
_lab_bfd_is() {
	local peer=$2 st
	st=$(_lab_bfd_states | awk -v p="$peer" '$1 == p { print $2 }')
	if [[ $1 == up ]]; then [[ $st == up ]]; else [[ $st != up ]]; fi
}
lab_wait_bfd() {
	_lab_vars || return 1
	local want=${1:-up} t=${2:-10} p
	for p in ${3:-172.16.0.2 172.16.0.6}; do
		_lab_poll "$t" 0.1 _lab_bfd_is "$want" "$p" || { _lab_err "bfd $p not $want after ${t}s"; return 1; }
	done
}
# lab_remote_routes KEY [4|6]: prefixes the MSEE/neighbour KEY received from the ce.
lab_remote_routes() {
	_lab_vars || return 1
	local p=ce${2:-4}
	birdc -s "$(_lab_msee_sock "$1")" show route protocol "$p" 2>/dev/null |
		awk '$1 ~ /^[0-9a-f:.]+\/[0-9]+$/ { print $1 }'
}
lab_remote_route_count() { lab_remote_routes "$@" | wc -l; }
_lab_remote_has() { lab_remote_routes "$1" "${3:-4}" | grep -qxF "$2"; }
_lab_remote_lacks() { ! _lab_remote_has "$@"; }
# lab_ce_peer_as SESSION: the AS number the ce's session reports for its peer.
lab_ce_peer_as() {
	_lab_vars || return 1
	local key r rp cp addr
	key=$(_lab_sess_key "$1") || return 1
	read -r r rp cp addr <<<"${_LAB_SESS[$key]}"
	if [[ $(_lab_variant) == bird ]]; then
		birdc -s "$LAB_BIRD_SOCK" show protocols all "$cp" 2>/dev/null | awk '/Neighbor AS:/ { print $3; exit }'
	else
		timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors $addr json" 2>/dev/null |
			jq -r --arg a "$addr" '.[$a].remoteAs // empty' 2>/dev/null
	fi
}
# lab_ce_received SESSION: number of prefixes the ce accepted from SESSION.
lab_ce_received() {
	_lab_vars || return 1
	local key r rp cp addr
	key=$(_lab_sess_key "$1") || return 1
	read -r r rp cp addr <<<"${_LAB_SESS[$key]}"
	if [[ $(_lab_variant) == bird ]]; then
		birdc -s "$LAB_BIRD_SOCK" show route protocol "$cp" count 2>/dev/null |
			awk '/of [0-9]+ routes/ { print $1; f = 1 } END { if (!f) print 0 }'
	else
		local af=ipv4Unicast
		[[ $addr == *:* ]] && af=ipv6Unicast
		timeout 5 vtysh -N "$LAB_FRR_PS" -c "show bgp neighbors $addr json" 2>/dev/null |
			jq -r --arg a "$addr" --arg af "$af" '.[$a].addressFamilyInfo[$af].acceptedPrefixCounter // 0' 2>/dev/null
	fi
}

# ---------------------------------------------------------------------------
# up / down
# ---------------------------------------------------------------------------
_lab_build_net() {
	local k ns
	for ns in $(_lab_all_ns); do ip netns add "$ns" || return 1; done
	# ce: forwarding, keep IPv6 addresses across link down, no DAD
	ip netns exec "$LAB_NS_CE" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null || return 1
	for k in $_LAB_REMOTES; do
		ns=$(_lab_ns "$k")
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.accept_dad=0 >/dev/null
		ip -n "$LAB_NS_CE" link add "${_LAB_CEIF[$k]}" mtu 1500 type veth peer name to-ce mtu 1500 netns "$ns" ||
			return 1
		{
			echo "link set lo up"
			echo "addr add ${_LAB_PEER4[$k]}/30 dev to-ce"
			[[ -n ${_LAB_PEER6[$k]:-} ]] && echo "addr add ${_LAB_PEER6[$k]}/126 dev to-ce nodad"
			case $k in
			pp | ps) echo "addr add 10.10.0.4/32 dev lo" ;;
			mp | ms) echo "addr add 13.107.6.1/32 dev lo"; echo "addr add 2a01:111:f400::1/128 dev lo" ;;
			esac
			echo "link set to-ce up"
		} | ip -n "$ns" -batch - || return 1
	done
	{
		echo "link set lo up"
		echo "addr add 10.20.0.1/32 dev lo" # a LAN host address: source of lab_traffic
		for k in $_LAB_REMOTES; do
			echo "addr add ${_LAB_CE4[$k]}/30 dev ${_LAB_CEIF[$k]}"
			[[ -n ${_LAB_CE6[$k]:-} ]] && echo "addr add ${_LAB_CE6[$k]}/126 dev ${_LAB_CEIF[$k]} nodad"
			echo "link set ${_LAB_CEIF[$k]} up"
		done
	} | ip -n "$LAB_NS_CE" -batch - || return 1
	{ _lab_gen_nat; _lab_gen_qos; } >"$LAB_STATE/ce.nft"
	ip netns exec "$LAB_NS_CE" nft -f "$LAB_STATE/ce.nft" || return 1
	_lab_gen_tc >"$LAB_STATE/ce.tc"
	tc -n "$LAB_NS_CE" -batch "$LAB_STATE/ce.tc" 2>&1 | grep -v 'quantum of class' >&2
	[[ ${PIPESTATUS[0]} -eq 0 ]]
}

# lab_up [frr|bird]: builds the lab and waits until every session is up.
lab_up() {
	local variant=${1:-frr} t0 k ns
	_lab_vars || return 1
	case $variant in frr | bird) ;; *) _lab_err "variant must be frr or bird"; return 1 ;; esac
	if [[ -e $LAB_STATE ]]; then
		_lab_err "lab $ERLAB_ID already exists ($LAB_STATE); run down first"
		return 1
	fi
	for ns in $(_lab_all_ns); do
		if [[ -e /run/netns/$ns ]]; then _lab_err "namespace $ns already exists"; return 1; fi
	done
	t0=$(_lab_us)
	_LAB_CREATING=1 # from here on an interrupted up must be cleaned up
	if ! mkdir -p "$LAB_STATE" || ! chmod 711 "$LAB_STATE"; then lab_down; return 1; fi
	echo "$variant" >"$LAB_STATE/variant"
	: >"$LAB_STATE/faults"
	if ! _lab_build_net; then
		_lab_err "building the network failed"; lab_down; return 1
	fi
	for k in $_LAB_REMOTES; do _lab_start_remote "$k" || { lab_down; return 1; }; done
	if ! _lab_start_ce || ! _lab_wait_remote_started $_LAB_REMOTES; then
		lab_down; return 1
	fi
	if ! lab_wait_established "$ERLAB_UP_TIMEOUT"; then
		_lab_err "lab did not converge; state kept in $LAB_STATE for inspection until down"
		lab_down; return 1
	fi
	_LAB_CREATING=
	_lab_log "up ($variant) in $(_lab_since "$t0")s; state $LAB_STATE"
}

# lab_down: stops every process of the run, deletes its namespaces and state.
lab_down() {
	_lab_vars || return 1
	local pf ns pid pids
	if [[ -d $LAB_STATE ]]; then
		for pf in "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid; do
			[[ -e $pf ]] && _lab_kill_pidfile "$pf"
		done
	fi
	for ns in $(_lab_all_ns); do
		[[ -e /run/netns/$ns ]] || continue
		# anything else still running inside our own namespaces (e.g. traffic helpers)
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [[ -n $pids ]]; then
			_lab_log "stopping leftover pids in $ns: $pids"
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
# For tests: clean the lab up on every exit path of the calling shell.
lab_auto_cleanup() { trap 'lab_down' EXIT; trap 'lab_down; exit 130' INT; trap 'lab_down; exit 143' TERM; }

# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------
_lab_msee_key() {
	case $1 in
	pp | priv-primary) echo pp ;; ps | priv-secondary) echo ps ;;
	mp | msft-primary) echo mp ;; ms | msft-secondary) echo ms ;;
	inet) echo inet ;;
	*) return 1 ;;
	esac
}
lab_faults() { printf '%s\n' $_LAB_FAULTS; }

# lab_fault NAME [ARG] / lab_restore NAME [ARG]
lab_fault() { _lab_fault_locked fault "$@"; }
lab_restore() { _lab_fault_locked restore "$@"; }
# one fault operation at a time per lab (bounded wait for the lock)
_lab_fault_locked() {
	_lab_need_state || return 1
	local fd rc
	exec {fd}>>"$LAB_STATE/lock" || return 1
	if ! flock -w 30 "$fd"; then _lab_err "lab is busy (lock $LAB_STATE/lock)"; exec {fd}>&-; return 1; fi
	_lab_fault_do "$@"
	rc=$?
	exec {fd}>&-
	return $rc
}
_lab_fault_do() {
	local op=$1 name=${2:-} arg=${3:-} v k
	_lab_need_state || return 1
	v=$(_lab_variant)
	case $name in
	stop-msee-priv-primary) name=stop-msee arg=pp ;;
	stop-msee-priv-secondary) name=stop-msee arg=ps ;;
	stop-msee-msft-primary) name=stop-msee arg=mp ;;
	stop-msee-msft-secondary) name=stop-msee arg=ms ;;
	stop-ce-bgp) name=stop-frr ;;
	esac
	case $name in
	stop-msee)
		k=$(_lab_msee_key "$arg") || { _lab_err "stop-msee needs pp|ps|mp|ms|inet"; return 1; }
		if [[ $op == fault ]]; then _lab_fault_add "stop-msee-$k"; _lab_stop_remote "$k"
		else _lab_fault_del "stop-msee-$k"; _lab_pidfile_alive "$LAB_STATE/msee-$k.pid" ||
			{ _lab_start_remote "$k" && _lab_wait_remote_started "$k"; }; fi
		;;
	stop-both-msft)
		for k in mp ms; do
			if [[ $op == fault ]]; then _lab_stop_remote "$k"
			else _lab_pidfile_alive "$LAB_STATE/msee-$k.pid" || { _lab_start_remote "$k" && _lab_wait_remote_started "$k"; }; fi
		done
		_lab_fault_mark "$op" "$name"
		;;
	wrong-peer-as | wrong-peer-as-accepted)
		if [[ $op == fault ]]; then
			k=$(_lab_msee_key "${arg:-mp}")
			if [[ -z $k || $k == inet ]]; then _lab_err "$name takes pp|ps|mp|ms"; return 1; fi
			_lab_fault_add "$name" "$k"
		else
			k=$(_lab_fault_arg "$name"); _lab_fault_del "$name"
		fi
		[[ -n $k ]] || return 0
		_lab_reconf_remote "$k" || return 1
		if [[ $name == wrong-peer-as-accepted ]]; then
			if [[ $v == bird ]]; then
				_lab_reconf_ce_bird
			elif [[ $op == fault ]]; then
				_lab_frr_peer_as "$k" external
			else
				_lab_frr_peer_as "$k" 12076
			fi
		fi
		;;
	msft-zero-received)
		_lab_fault_mark "$op" "$name"
		_lab_reconf_remote mp && _lab_reconf_remote ms
		;;
	inet-sends-msft-prefix)
		_lab_fault_mark "$op" "$name"
		_lab_reconf_remote inet
		;;
	inet-wins-msft-prefix)
		_lab_fault_mark "$op" "$name"
		_lab_reconf_remote inet && _lab_reconf_remote mp && _lab_reconf_remote ms
		;;
	md5-mismatch-priv-secondary)
		_lab_fault_mark "$op" "$name"
		_lab_reconf_remote ps
		;;
	default-route-priv)
		_lab_fault_mark "$op" "$name"
		_lab_reconf_remote pp && _lab_reconf_remote ps
		;;
	adv-rfc1918-msft | adv-default-msft | adv-default6-msft | msft-prefix-to-inet | msft-more-specific-to-inet | differ-adv-priv)
		_lab_fault_mark "$op" "$name"
		if [[ $v == bird ]]; then _lab_reconf_ce_bird; else _lab_frr_policy "$op" "$name"; fi
		;;
	exceed-prefix-limit-msft | exceed-prefix-limit-priv)
		local rem="mp ms"; [[ $name == *priv ]] && rem="pp ps"
		if [[ $op == fault ]]; then
			# The MSEEs hold the dropped session down and ignore the CE's connection
			# attempts (their SYNs are dropped) until the fault is restored. A CE
			# daemon keeps a session's last error only until its next attempt fails:
			# BIRD (no error wait after a Cease) reconnects 1 s later and gets
			# "Connection refused" from an MSEE whose only session is disabled, and a
			# one-shot --check would race it. A connect that times out records no
			# error, so the Cease stays the last error while the fault is on.
			for k in $rem; do _lab_syn_hold "$k" add || return 1; done
			_lab_fault_add "$name"
			if [[ $v == bird ]]; then _lab_reconf_ce_bird; else _lab_frr_policy fault "$name"; fi
		else
			_lab_fault_del "$name"
			if [[ $v == bird ]]; then _lab_reconf_ce_bird; else _lab_frr_policy restore "$name"; fi
			# the MSEE disabled the session when the limit was crossed: enable it again
			for k in $rem; do _lab_syn_hold "$k" delete; birdc -s "$(_lab_msee_sock "$k")" enable ce4 >/dev/null 2>&1; done
		fi
		;;
	remove-snat | snat-private-pool)
		_lab_fault_mark "$op" "$name"
		_lab_gen_nat | ip netns exec "$LAB_NS_CE" nft -f - || return 1
		;;
	remove-dscp)
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"
			local h
			for h in $(ip netns exec "$LAB_NS_CE" nft -a list chain inet qos postrouting |
				awk '/comment "remark-others"/ { print $NF }'); do
				ip netns exec "$LAB_NS_CE" nft delete rule inet qos postrouting handle "$h" || return 1
			done
		else
			_lab_fault_del "$name"
			_lab_gen_qos | ip netns exec "$LAB_NS_CE" nft -f - || return 1
		fi
		;;
	remove-ef-queue)
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"
			for k in msft1 msft2; do
				printf '%s\n' "filter del dev $k parent 1: prio 1" "filter del dev $k parent 1: prio 2" \
					"class del dev $k classid 1:10"
			done | tc -n "$LAB_NS_CE" -batch - || return 1
		else
			_lab_fault_del "$name"
			{ echo "qdisc del dev msft1 root"; echo "qdisc del dev msft2 root"; _lab_gen_tc; } |
				tc -n "$LAB_NS_CE" -batch - 2>&1 | grep -v 'quantum of class' >&2
			[[ ${PIPESTATUS[1]} -eq 0 ]] || return 1
		fi
		;;
	link-down-msft1)
		if [[ $op == fault ]]; then _lab_fault_add "$name"; ip -n "$LAB_NS_CE" link set msft1 down
		else
			_lab_fault_del "$name"; ip -n "$LAB_NS_CE" link set msft1 up
			# addresses are kept (keep_addr_on_down); put them back if something removed them
			ip -n "$LAB_NS_CE" addr replace 131.107.0.1/30 dev msft1
			ip -n "$LAB_NS_CE" addr replace 2a01:111:2000::1/126 dev msft1 nodad
		fi
		;;
	msft-route-via-inet)
		# A static more specific of a Microsoft prefix through the Internet link: the kernel
		# sends 13.107.6.0/25 to AS 174 whatever BGP learned (rule 32, not 22: nothing advertised changes).
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"
			ip -n "$LAB_NS_CE" route replace 13.107.6.0/25 via "${_LAB_PEER4[inet]}" dev inet0 || return 1
		else
			_lab_fault_del "$name"
			ip -n "$LAB_NS_CE" route del 13.107.6.0/25 2>/dev/null || true
		fi
		;;
	mtu-9000-msft-primary)
		# Both ends, as a provider with jumbo frames would have it: the link works, only the MTU is wrong.
		local m=1500
		if [[ $op == fault ]]; then _lab_fault_add "$name"; m=9000; else _lab_fault_del "$name"; fi
		ip -n "$LAB_NS_CE" link set msft1 mtu $m && ip -n "$(_lab_ns mp)" link set to-ce mtu $m || return 1
		;;
	arp-fail-priv-secondary)
		# The MSEE stops answering ARP (and, NOARP, stops resolving the CE) while both ends stay up;
		# the CE's entry is flushed so it resolves afresh (INCOMPLETE, then FAILED) instead of
		# waiting for its REACHABLE entry to age.
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"
			ip -n "$(_lab_ns ps)" link set to-ce arp off || return 1
		else
			_lab_fault_del "$name"
			ip -n "$(_lab_ns ps)" link set to-ce arp on || return 1
			ip -n "$(_lab_ns ps)" neigh flush dev to-ce
		fi
		ip -n "$LAB_NS_CE" neigh flush dev pri2
		;;
	vrrp-vmac-msft-primary)
		# keepalived's use_vmac: a macvlan on the peering interface with VRRP's virtual MAC (VRID 51).
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"
			ip -n "$LAB_NS_CE" link add vrrp.51 link msft1 type macvlan mode private &&
				ip -n "$LAB_NS_CE" link set vrrp.51 address 00:00:5e:00:01:33 up || return 1
		else
			_lab_fault_del "$name"; ip -n "$LAB_NS_CE" link del vrrp.51 2>/dev/null
		fi
		;;
	vrrp-msft-secondary)
		# keepalived's default: the real MAC, but VRRP's group joined on the interface (autojoin joins it
		# as keepalived's socket does; the group address itself is never used as a source).
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"; ip -n "$LAB_NS_CE" addr add 224.0.0.18/32 dev msft2 autojoin || return 1
		else
			_lab_fault_del "$name"; ip -n "$LAB_NS_CE" addr del 224.0.0.18/32 dev msft2 2>/dev/null
		fi
		;;
	stop-frr)
		if [[ $op == fault ]]; then
			_lab_fault_add "$name"; _lab_stop_ce
		else
			_lab_fault_del "$name"
			_lab_pidfile_alive "$LAB_STATE/frr/bgpd.pid" || _lab_pidfile_alive "$LAB_STATE/ce-bird.pid" ||
				{ _lab_start_ce && _lab_frr_reapply; } || return 1
		fi
		;;
	"") _lab_err "usage: $op NAME [ARG]; faults: ${_LAB_FAULTS//$'\n'/ }"; return 1 ;;
	*) _lab_err "unknown fault '$name'; faults: ${_LAB_FAULTS//$'\n'/ }"; return 1 ;;
	esac
}

_lab_frr_peer_as() { # KEY AS|external: the remote-as the CE expects from MSEE KEY
	local a cmds=("router bgp 65010")
	for a in ${_LAB_PEER4[$1]} ${_LAB_PEER6[$1]:-}; do cmds+=("neighbor $a remote-as $2"); done
	lab_vtysh_conf "${cmds[@]}"
}
# A restarted FRR reads the base configuration: apply the active policy faults again.
_lab_frr_reapply() {
	local f a
	[[ $(_lab_variant) == frr ]] || return 0
	while read -r f a; do
		case $f in
		adv-rfc1918-msft | adv-default-msft | adv-default6-msft | msft-prefix-to-inet | msft-more-specific-to-inet | differ-adv-priv | exceed-prefix-limit-*)
			_lab_frr_policy fault "$f" ;;
		wrong-peer-as-accepted) _lab_frr_peer_as "$a" external ;;
		esac
	done <"$LAB_STATE/faults"
	return 0
}
# FRR side of the policy faults: prefix-lists, static/kernel routes, soft out.
_lab_frr_policy() {
	local op=$1 name=$2 no=""
	[[ $op == restore ]] && no="no "
	case $name in
	adv-rfc1918-msft | adv-default-msft)
		local p=10.99.0.0/16 seq=90
		[[ $name == adv-default-msft ]] && p=0.0.0.0/0 seq=91
		if [[ $op == fault ]]; then
			lab_vtysh_conf "ip prefix-list PL-MSFT-OUT seq $seq permit $p" "ip route $p blackhole" \
				"router bgp 65010" "address-family ipv4 unicast" "network $p"
		else
			lab_vtysh_conf "router bgp 65010" "address-family ipv4 unicast" "no network $p" "exit-address-family" "exit" \
				"no ip route $p blackhole" "no ip prefix-list PL-MSFT-OUT seq $seq permit $p"
		fi
		_lab_frr_soft_out 131.107.0.2 131.107.0.6
		;;
	adv-default6-msft)
		if [[ $op == fault ]]; then
			lab_vtysh_conf "ipv6 prefix-list PL6-MSFT-OUT seq 91 permit ::/0" "ipv6 route ::/0 blackhole" \
				"router bgp 65010" "address-family ipv6 unicast" "network ::/0"
		else
			lab_vtysh_conf "router bgp 65010" "address-family ipv6 unicast" "no network ::/0" "exit-address-family" "exit" \
				"no ipv6 route ::/0 blackhole" "no ipv6 prefix-list PL6-MSFT-OUT seq 91 permit ::/0"
		fi
		_lab_frr_soft_out 2a01:111:2000::2 2a01:111:2000::6
		;;
	msft-prefix-to-inet)
		lab_vtysh_conf "${no}ip prefix-list PL-INET-OUT seq 90 permit 123.0.0.0/24"
		_lab_frr_soft_out 198.18.0.1
		;;
	msft-more-specific-to-inet)
		if [[ $op == fault ]]; then
			lab_vtysh_conf "ip prefix-list PL-INET-OUT seq 92 permit 123.0.0.0/25" "ip route 123.0.0.0/25 blackhole" \
				"router bgp 65010" "address-family ipv4 unicast" "network 123.0.0.0/25"
		else
			lab_vtysh_conf "router bgp 65010" "address-family ipv4 unicast" "no network 123.0.0.0/25" "exit-address-family" "exit" \
				"no ip route 123.0.0.0/25 blackhole" "no ip prefix-list PL-INET-OUT seq 92 permit 123.0.0.0/25"
		fi
		_lab_frr_soft_out 198.18.0.1
		;;
	differ-adv-priv)
		if [[ $op == fault ]]; then lab_vtysh_conf "no ip prefix-list PL-PRIV-SEC-OUT seq 20 permit 10.21.0.0/16"
		else lab_vtysh_conf "ip prefix-list PL-PRIV-SEC-OUT seq 20 permit 10.21.0.0/16"; fi
		_lab_frr_soft_out 172.16.0.6
		;;
	exceed-prefix-limit-priv)
		if [[ $op == fault ]]; then
			lab_vtysh_conf "ip prefix-list PL-PRIV-PRI-OUT seq 100 permit 10.224.0.0/12 ge 24 le 24" \
				"ip prefix-list PL-PRIV-SEC-OUT seq 100 permit 10.224.0.0/12 ge 24 le 24"
			_lab_kernel_bulk add _lab_bulk_priv
		else
			_lab_kernel_bulk del _lab_bulk_priv
			lab_vtysh_conf "no ip prefix-list PL-PRIV-PRI-OUT seq 100 permit 10.224.0.0/12 ge 24 le 24" \
				"no ip prefix-list PL-PRIV-SEC-OUT seq 100 permit 10.224.0.0/12 ge 24 le 24"
		fi
		_lab_frr_soft_out 172.16.0.2 172.16.0.6
		;;
	exceed-prefix-limit-msft)
		# two /25 entries: an entry on 123.0.0.0/24 itself (like seq 10) would, when
		# deleted, also drop seq 10 from bgpd's route-map prefix index (FRR 8.4)
		if [[ $op == fault ]]; then
			lab_vtysh_conf "ip prefix-list PL-MSFT-OUT seq 100 permit 123.0.0.0/25 ge 32 le 32" \
				"ip prefix-list PL-MSFT-OUT seq 101 permit 123.0.0.128/25 ge 32 le 32"
			_lab_kernel_bulk add _lab_bulk_msft
		else
			_lab_kernel_bulk del _lab_bulk_msft
			lab_vtysh_conf "no ip prefix-list PL-MSFT-OUT seq 100 permit 123.0.0.0/25 ge 32 le 32" \
				"no ip prefix-list PL-MSFT-OUT seq 101 permit 123.0.0.128/25 ge 32 le 32"
		fi
		_lab_frr_soft_out 131.107.0.2 131.107.0.6
		;;
	esac
}

# ---------------------------------------------------------------------------
# Status, erreadyd configuration, traffic
# ---------------------------------------------------------------------------
lab_status() {
	_lab_need_state || return 1
	local v k pf pid st
	v=$(_lab_variant)
	echo "id:        $ERLAB_ID"
	echo "variant:   $v"
	echo "state:     $LAB_STATE"
	echo "ce netns:  $LAB_NS_CE   (ip netns exec $LAB_NS_CE ...)"
	if [[ $v == bird ]]; then
		echo "ce bgp:    BIRD, birdc -s $LAB_BIRD_SOCK"
	else
		echo "ce bgp:    FRR, vtysh -N $LAB_FRR_PS   (sockets in $LAB_FRR_RUN)"
	fi
	for k in $_LAB_REMOTES; do
		printf 'remote:    %-4s %-26s netns %-14s birdc -s %s\n' "$k" "${_LAB_DESC[$k]}" "$(_lab_ns "$k")" "$(_lab_msee_sock "$k")"
	done
	echo "processes:"
	for pf in "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid; do
		[[ -e $pf ]] || continue
		read -r pid <"$pf"
		_lab_pid_ours "$pid" && st=running || st=dead
		printf '  %-14s pid %-8s %s\n' "$(basename "$pf" .pid)" "$pid" "$st"
	done
	echo "bgp sessions (ce side / remote side):"
	paste <(_lab_ce_states) <(_lab_remote_states) |
		while read -r k a _ b; do
			printf '  %-5s %-18s ce=%-12s remote=%s\n' "$k" "${_LAB_SESS[$k]##* }" "$a" "$b"
		done
	echo "bfd (ce side):"
	_lab_bfd_states | sed 's/^/  /'
	echo "faults:    $(awk '{ print $1 ($2 != "" ? "(" $2 ")" : "") }' "$LAB_STATE/faults" | tr '\n' ' ')"
}

# lab_config FILE: erreadyd configuration describing this lab.
lab_config() {
	_lab_need_state || return 1
	local file=$1 bgp
	[[ -n $file ]] || { _lab_err "usage: config OUTFILE"; return 1; }
	if [[ $(_lab_variant) == bird ]]; then
		bgp="\"source\": \"bird\", \"bird-socket\": \"$LAB_BIRD_SOCK\""
	else
		bgp="\"source\": \"frr\", \"frr-pathspace\": \"$LAB_FRR_PS\""
	fi
	cat >"$file" <<EOF
{
  "expressroute-readiness:expressroute": {
    "account": {
      "subscription-id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
      "microsoft-365": false
    },
    "edge": {
      "internet-bgp-neighbor": ["198.18.0.1"]
    },
    "circuit": [
      {
        "name": "erlab-$ERLAB_ID",
        "service-key": "97f85950-01dd-4d30-a73c-bf683b3a6e5c",
        "provider": "Equinix",
        "peering-location": "Amsterdam",
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
            "vlan-id": 100,
            "customer-asn": 65010,
            "md5-key": "$_LAB_MD5_KEY",
            "ipv4": {
              "primary-subnet": "172.16.0.0/30",
              "secondary-subnet": "172.16.0.4/30"
            },
            "primary-interface": "pri1",
            "secondary-interface": "pri2",
            "bfd-expected": true
          },
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
            "advertised-public-prefix": ["123.0.0.0/24", "2a01:111:f000::/48"],
            "routing-registry": "ARIN",
            "nat-pool": ["123.0.0.0/29"],
            "qos-profile": "current"
          }
        ]
      }
    ],
    "agent": {
      "poll-interval": 30,
      "bgp": { $bgp }
    }
  }
}
EOF
}

# lab_traffic: sends a few UDP datagrams from the ce out of msft1/msft2 (Teams
# ports and foreign DSCP values), pri1 and inet0, so NAT/QoS counters move.
lab_traffic() {
	_lab_need_state || return 1
	ip netns exec "$LAB_NS_CE" timeout 10 python3 - <<'EOF'
import socket
plan = [("131.107.0.2", 50000, 0), ("131.107.0.2", 50025, 0), ("131.107.0.2", 50045, 0),
        ("131.107.0.2", 40000, 0x60), ("131.107.0.2", 40001, 0xb8), ("131.107.0.6", 40000, 0x60),
        ("131.107.0.6", 50005, 0), ("172.16.0.2", 40000, 0x60), ("198.18.0.1", 40000, 0)]
for dst, port, tos in plan:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.20.0.1", 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    for _ in range(3):
        s.sendto(b"erready-lab", (dst, port))
    s.close()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x60)
s.sendto(b"erready-lab", ("2a01:111:2000::2", 40000))
EOF
}

# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
_lab_usage() {
	cat <<EOF
usage: lab.sh [-i ID] COMMAND
  up [frr|bird]          build the lab (prints the id; default id: this shell's pid)
  down                   stop everything of the run and delete its namespaces/state
  status                 namespaces, processes, sockets, BGP/BFD state, active faults
  fault NAME [ARG]       apply a fault (list: lab.sh faults)
  restore NAME [ARG]     undo a fault
  faults                 list fault names
  wait [TIMEOUT]         wait until all BGP sessions are Established and BFD is up
  config OUTFILE         write an erreadyd configuration for this lab
  traffic                send test datagrams through NAT/QoS
The id comes from -i ID or ERLAB_ID; every command but 'up' needs it.
EOF
}
_lab_main() {
	set -u
	if [[ ${1:-} == -i ]]; then export ERLAB_ID=${2:-}; shift 2; fi
	local cmd=${1:-}; shift || true
	case $cmd in
	up)
		: "${ERLAB_ID:=$$}"
		_lab_vars || return 1
		# clean up if interrupted half-way (not a lab that already existed)
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab_down; exit 130' INT
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab_down; exit 143' TERM
		trap '[[ -n ${_LAB_CREATING:-} ]] && lab_down' EXIT
		if lab_up "${1:-frr}"; then
			trap - EXIT INT TERM
			echo "ERLAB_ID=$ERLAB_ID"
			return 0
		fi
		return 1
		;;
	down)
		[[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }
		local t0; t0=$(_lab_us)
		lab_down && _lab_log "down in $(_lab_since "$t0")s"
		;;
	status) [[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }; lab_status ;;
	fault | restore)
		[[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }
		"lab_$cmd" "$@"
		;;
	faults) lab_faults ;;
	wait) [[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }; lab_wait_established "${1:-$ERLAB_UP_TIMEOUT}" ;;
	config) [[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }; lab_config "${1:-}" ;;
	traffic) [[ -n ${ERLAB_ID:-} ]] || { _lab_err "set ERLAB_ID (or -i ID)"; return 1; }; lab_traffic ;;
	-h | --help | help | "") _lab_usage ;;
	*) _lab_err "unknown command '$cmd'"; _lab_usage >&2; return 1 ;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	_lab_main "$@"
	exit $?
fi
