#!/usr/bin/env bash
# tests/lab/selftest.sh [frr|bird]... - brings the lab up, applies and restores
# every fault checking its effect with bounded waits, then tears it down and
# checks nothing of the run is left. Prints one timing line per step.
# shellcheck disable=SC2016 # the eval'd checks expand when they run
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"

variants=${*:-frr bird}
fails=0
T=15 # seconds allowed for a fault to show / a restore to converge

step() { # NAME CMD...: runs CMD, prints its time and result
	local name=$1 t0 rc
	shift
	t0=$(_lab_us)
	"$@"
	rc=$?
	printf '  %-44s %6ss  %s\n' "$name" "$(_lab_since "$t0")" "$([[ $rc -eq 0 ]] && echo ok || echo FAIL)"
	if [[ $rc -ne 0 ]]; then
		fails=$((fails + 1))
		lab_status 2>&1 | sed -n '/^bgp sessions/,$p' | sed 's/^/      | /'
	fi
	return $rc
}
down_all() { local s; for s in "$@"; do lab_wait_state "$s" down "$T" || return 1; done; }
remote_down() { local s; for s in "$@"; do lab_wait_state "$s" down "$T" remote || return 1; done; }
remote_has() { _lab_poll "$T" 0.1 _lab_remote_has "$@"; }
remote_lacks() { _lab_poll "$T" 0.1 _lab_remote_lacks "$@"; }
nft_has() { ip netns exec "$LAB_NS_CE" nft list table "$1" | grep -q -- "$2"; }
nft_lacks() { ! nft_has "$@"; }
ce_zero() { local s; for s in "$@"; do [[ $(lab_ce_received "$s") == 0 ]] || return 1; done; }
ce_zero_wait() { _lab_poll "$T" 0.1 ce_zero "$@"; }
ce_count() { [[ $(lab_ce_received "$1") == "$2" ]]; }
# the customer edge holds PREFIX from the Internet neighbour (its next hop is 198.18.0.1)
ce_has_from_inet() {
	if [[ $(_lab_variant) == bird ]]; then
		birdc -s "$LAB_BIRD_SOCK" show route "$1" all 2>/dev/null | grep -q "via 198.18.0.1"
	else
		lab_vtysh -c "show bgp ipv4 unicast $1 json" 2>/dev/null | grep -q '"peerId":"198.18.0.1"'
	fi
}
# converged: every session up and the ce's advertisements back to the base policy
base_adv() {
	[[ $(lab_remote_routes pp | sort | tr "\n" " ") == "10.20.0.0/16 10.21.0.0/16 " &&
		$(lab_remote_routes ps | sort | tr "\n" " ") == "10.20.0.0/16 10.21.0.0/16 " &&
		$(lab_remote_routes mp | tr "\n" " ") == "123.0.0.0/24 " &&
		$(lab_remote_routes ms | tr "\n" " ") == "123.0.0.0/24 " &&
		$(lab_remote_routes mp 6 | tr "\n" " ") == "2a01:111:f000::/48 " &&
		$(lab_remote_routes ms 6 | tr "\n" " ") == "2a01:111:f000::/48 " &&
		$(lab_remote_routes inet | tr "\n" " ") == "185.1.0.0/22 " &&
		$(lab_ce_received mp) == 4 && $(lab_ce_received ms6) == 2 && $(lab_ce_received ps) == 2 ]]
}
restored() { lab_wait_established "$T" && _lab_poll "$T" 0.1 base_adv; }
accepted_12077() { # session up with the MSEE speaking AS 12077, routes exchanged
	[[ $(lab_bgp_state "$1") == Established && $(lab_ce_peer_as "$1") == 12077 ]] &&
		lab_remote_routes "$1" | grep -qxF 123.0.0.0/24
}
neigh_failed() { ip -n "$LAB_NS_CE" neigh show dev "$1" to "$2" nud all | grep -qE "FAILED|INCOMPLETE"; }
pids_gone() { local p; for p in "$@"; do _lab_proc_gone "$p" || return 1; done; }

# fault NAME [ARG] -- CHECK...: applies, checks, restores, waits for convergence
fault_case() {
	local name=$1 arg=$2
	shift 2
	step "fault $name $arg" lab_fault "$name" $arg || return
	step "  effect: $*" "$@"
	step "restore $name" lab_restore "$name" $arg
	step "  converged again" restored
}

run_variant() {
	local v=$1 pids
	export ERLAB_ID=st$$${v:0:1}
	_lab_vars
	echo "== variant $v (id $ERLAB_ID)"
	trap 'lab_down; exit 130' INT TERM
	trap 'lab_down' EXIT
	step "up $v" lab_up "$v" || { lab_down; return 1; }
	lab_status
	step "bfd up on both private links" lab_wait_bfd up 5
	step "ce receives 2 VNets from pp" eval '[[ $(lab_ce_received pp) == 2 ]]'
	step "ce receives 4 prefixes from mp" eval '[[ $(lab_ce_received mp) == 4 ]]'
	step "ce receives 2 IPv6 prefixes from ms6" eval '[[ $(lab_ce_received ms6) == 2 ]]'
	step "pp receives exactly 10.20/16 10.21/16" eval '[[ $(lab_remote_routes pp | sort | tr "\n" " ") == "10.20.0.0/16 10.21.0.0/16 " ]]'
	step "mp receives exactly 123.0.0.0/24" eval '[[ $(lab_remote_routes mp | tr "\n" " ") == "123.0.0.0/24 " ]]'
	step "ms receives 2a01:111:f000::/48" eval '[[ $(lab_remote_routes ms 6 | tr "\n" " ") == "2a01:111:f000::/48 " ]]'
	step "inet receives exactly 185.1.0.0/22" eval '[[ $(lab_remote_routes inet | tr "\n" " ") == "185.1.0.0/22 " ]]'
	step "config + erreadyd -n" eval 'lab_config "$LAB_STATE/erready.json" && "${ERREADYD:-$(dirname "$0")/../../build/agent/erreadyd}" -n -c "$LAB_STATE/erready.json"'
	step "traffic" lab_traffic
	step "snat counter moved" eval 'ip netns exec "$LAB_NS_CE" nft list table ip nat | grep -q "snat-microsoft-msft1" && ! ip netns exec "$LAB_NS_CE" nft list table ip nat | grep "snat-microsoft-msft1" | grep -q "packets 0 "'
	step "EF class used on msft1" eval '! tc -n "$LAB_NS_CE" -s class show dev msft1 | grep -A1 "htb 1:10 " | grep -q "Sent 0 bytes"'

	fault_case stop-msee-priv-secondary "" eval 'down_all ps && lab_wait_bfd down '"$T"' 172.16.0.6 && lab_wait_state pp up 1'
	fault_case stop-msee pp down_all pp
	fault_case stop-msee mp down_all mp mp6
	fault_case stop-both-msft "" down_all mp ms mp6 ms6
	fault_case wrong-peer-as "" eval 'down_all mp mp6 && lab_wait_state ms up 1'
	fault_case adv-rfc1918-msft "" eval 'remote_has mp 10.99.0.0/16 && remote_has ms 10.99.0.0/16'
	fault_case adv-default-msft "" eval 'remote_has mp 0.0.0.0/0 && remote_has ms 0.0.0.0/0'
	fault_case adv-default6-msft "" eval 'remote_has mp ::/0 6 && remote_has ms ::/0 6'
	fault_case md5-mismatch-priv-secondary "" eval 'down_all ps && lab_wait_state pp up 1'
	fault_case exceed-prefix-limit-msft "" eval 'remote_down mp ms && down_all mp ms && lab_wait_state mp6 up 1'
	fault_case exceed-prefix-limit-priv "" eval 'remote_down pp ps && down_all pp ps'
	fault_case differ-adv-priv "" eval 'remote_lacks ps 10.21.0.0/16 && remote_has pp 10.21.0.0/16'
	fault_case remove-snat "" eval 'nft_lacks "ip nat" "snat to" && nft_has "ip nat" masquerade'
	fault_case snat-private-pool "" nft_has "ip nat" "snat to 10.9.0.0/29"
	fault_case remove-dscp "" eval 'nft_lacks "inet qos" remark-others && nft_has "inet qos" teams-audio-ef'
	fault_case remove-ef-queue "" eval '! tc -n "$LAB_NS_CE" class show dev msft1 | grep -q "htb 1:10 " && tc -n "$LAB_NS_CE" class show dev msft2 | grep -q "htb 1:20 "'
	step "  EF queue back" eval 'tc -n "$LAB_NS_CE" filter show dev msft1 | grep -q "flowid 1:10"'
	fault_case wrong-peer-as-accepted ms _lab_poll "$T" 0.1 accepted_12077 ms
	fault_case link-down-msft1 "" eval 'down_all mp mp6 && lab_wait_state ms up 1 && lab_wait_state ms6 up 1'
	fault_case msft-zero-received "" eval 'ce_zero_wait mp ms mp6 ms6 && lab_wait_state mp up 1'
	fault_case msft-prefix-to-inet "" remote_has inet 123.0.0.0/24
	fault_case msft-route-via-inet "" eval 'ip -n "$LAB_NS_CE" route get 13.107.6.0 | grep -q "dev inet0"'
	fault_case inet-sends-msft-prefix "" _lab_poll "$T" 0.1 ce_has_from_inet 13.107.6.0/24
	fault_case inet-wins-msft-prefix "" _lab_poll "$T" 0.1 eval 'ip -n "$LAB_NS_CE" route get 13.107.6.0 | grep -q "dev inet0"'
	fault_case msft-more-specific-to-inet "" remote_has inet 123.0.0.0/25
	fault_case default-route-priv "" eval '_lab_poll "$T" 0.1 ce_count pp 3 && _lab_poll "$T" 0.1 ce_count ps 3'
	fault_case mtu-9000-msft-primary "" eval 'ip -n "$LAB_NS_CE" link show msft1 | grep -q "mtu 9000 " && lab_wait_state mp up 1 && lab_wait_state mp6 up 1'
	fault_case arp-fail-priv-secondary "" eval 'down_all ps && _lab_poll "$T" 0.1 neigh_failed pri2 172.16.0.6 && lab_wait_state pp up 1'
	fault_case vrrp-vmac-msft-primary "" eval 'ip -n "$LAB_NS_CE" link show vrrp.51 | grep -q "00:00:5e:00:01:33" && lab_wait_state mp up 1'
	fault_case vrrp-msft-secondary "" eval 'ip netns exec "$LAB_NS_CE" grep -A3 "msft2" /proc/net/igmp | grep -q 120000E0 && lab_wait_state ms up 1'
	fault_case stop-frr "" eval 'remote_down pp ps mp ms mp6 ms6 inet'

	pids=$(cat "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid 2>/dev/null | tr '\n' ' ')
	step "down" lab_down
	trap - EXIT INT TERM
	step "no namespace left" eval '! ip netns list | grep -q "^erl$ERLAB_ID-"'
	step "no state/run dirs left" eval '[[ ! -e $LAB_STATE && ! -e $LAB_FRR_RUN && ! -e $LAB_FRR_ETC ]]'
	step "pids gone ($pids)" pids_gone $pids
}

for v in $variants; do run_variant "$v"; done
echo "failures: $fails"
[[ $fails -eq 0 ]]
