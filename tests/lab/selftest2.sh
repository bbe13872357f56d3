#!/usr/bin/env bash
# tests/lab/selftest2.sh [ERREADYD] - the two-router lab (lab2.sh): brings it
# up, checks the baseline (every BGP session Established on CE-A and CE-B and
# on the MSEEs, BFD up, identical advertisements on primary and secondary,
# the partner link), the generated erreadyd configurations (accepted by
# `erreadyd -n`), the partner SSH plumbing with real erreadyd and a real ssh
# client (keys and host keys the lab made), applies and restores every fault
# checking its effect with bounded waits, then tears the lab down and checks
# nothing of the run is left. Prints one timing line per step.
# ERREADYD: the daemon to run (default $ERREADYD, then build/agent/erreadyd).
# shellcheck disable=SC2016,SC2086 # eval'd checks expand when they run; ARG and pid lists split
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab2.sh
source "$here/lab2.sh"

ERREADYD=$(realpath "${1:-${ERREADYD:-$here/../../build/agent/erreadyd}}")
export ERREADYD
fails=0
T=15 # seconds allowed for a fault to show / a restore to converge

step() { # NAME CMD...: runs CMD, prints its time and result
	local name=$1 t0 rc
	shift
	t0=$(_lab_us)
	"$@"
	rc=$?
	printf '  %-52s %6ss  %s\n' "$name" "$(_lab_since "$t0")" "$([[ $rc -eq 0 ]] && echo ok || echo FAIL)"
	if [[ $rc -ne 0 ]]; then
		fails=$((fails + 1))
		lab2_status 2>&1 | sed -n '/^processes/,$p' | sed 's/^/      | /'
	fi
	return $rc
}
down_all() { local s; for s in "$@"; do lab2_wait_state "$s" down "$T" || return 1; done; }
msee_down() { local s; for s in "$@"; do lab2_wait_state "$s" down "$T" msee || return 1; done; }
up_now() { local s; for s in "$@"; do lab2_wait_state "$s" up 1 || return 1; done; }
routes() { lab2_msee_routes "$1" | tr '\n' ' '; }
V4="10.20.0.0/16 10.21.0.0/16 "
# what every MSEE receives with no fault: both routers advertise the same
# prefixes on the primary and the secondary link of each peering
base_adv() {
	local s
	for s in c1pp c1ps c2pp c2ps; do [[ $(routes "$s") == "$V4" ]] || return 1; done
	for s in c1mp c1ms; do [[ $(routes "$s") == "123.0.0.0/24 " ]] || return 1; done
	for s in c1mp6 c1ms6; do [[ $(routes "$s") == "2a01:111:f000::/48 " ]] || return 1; done
}
# what each CE receives: 2 VNets on private peering, 4 + 2 Microsoft prefixes
base_rx() {
	local s
	for s in c1pp c2pp c1ps c2ps c1mp6 c1ms6; do [[ $(lab2_ce_received "$s") == 2 ]] || return 1; done
	for s in c1mp c1ms; do [[ $(lab2_ce_received "$s") == 4 ]] || return 1; done
}
restored() { lab2_wait_established "$T" && _lab_poll "$T" 0.1 base_adv && _lab_poll "$T" 0.1 base_rx; }
parity_missing() {
	[[ $(routes c2pp) == "10.20.0.0/16 " && $(routes c2ps) == "10.20.0.0/16 " &&
		$(routes c1pp) == "$V4" && $(routes c1ps) == "$V4" ]]
}
stopped() { [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == T ]]; } # by SIGSTOP
# what ASan/LSan, UBSan and valgrind memcheck print when they find something
# shellcheck disable=SC2034 # used in an eval'd check
REPORTS='ERROR: (Address|Leak)Sanitizer|runtime error:|==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched)|definitely lost in loss record'
pids_gone() { local p; for p in "$@"; do _lab_proc_gone "$p" || return 1; done; }
cfg() { jq -r ".\"expressroute-readiness:expressroute\"$2" "$(_lab2_agent_dir "$1")/erready.json"; }

# partner_ssh FROM TO KEYFILE HOSTKEYFILE: what TO's erreadyd answers over the
# partner link to a NETCONF hello and close-session, logging in as FROM's
# erreadyd would (user "partner", FROM's client key) and verifying TO's host
# key strictly against HOSTKEYFILE; ssh's own errors included.
NC_END=']]>]]>'
NC_BYE='<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>'$NC_END'<rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>'$NC_END
partner_ssh() {
	local from=$1 to=$2 key=$3 hk=$4 kh
	kh=$LAB_STATE/known_hosts.$from
	echo "[${_LAB2_PARTNER_ADDR[$to]}]:830 $(cat "$hk")" >"$kh"
	printf '%s' "$NC_BYE" | timeout 10 ip netns exec "$(_lab2_ns "$from")" ssh -F none -i "$key" -o IdentitiesOnly=yes \
		-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null \
		-o ConnectTimeout=5 -p 830 "partner@${_LAB2_PARTNER_ADDR[$to]}" -s netconf 2>&1 | head -c 65536
}
hello_from() { # the server's hello, then the ok of close-session
	local out
	out=$(partner_ssh "$@")
	[[ $out == *'<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'*'<ok/>'* ]]
}
refused_with() { local want=$1; shift; partner_ssh "$@" | grep -q -- "$want"; }
agent_running() { _lab_pidfile_alive "$(_lab2_agent_dir "$1")/erreadyd.pid" && [[ -S $(_lab2_agent_dir "$1")/netconf.sock ]]; }

# fault NAME [ARG] -- CHECK...: applies, checks, restores, waits for convergence
fault_case() {
	local name=$1 arg=$2
	shift 2
	step "fault $name $arg" lab2_fault "$name" $arg || return
	step "  effect: $*" "$@"
	step "restore $name $arg" lab2_restore "$name" $arg
	step "  converged again" restored
}

main() {
	local pids a b
	export ERLAB_ID=st2$$
	_lab2_vars
	echo "== two-router lab (id $ERLAB_ID, erreadyd $ERREADYD)"
	trap 'lab2_down; exit 130' INT
	trap 'lab2_down; exit 143' TERM
	trap 'lab2_down' EXIT
	step "up" lab2_up || return 1
	lab2_status
	step "8 sessions Established (CEs and MSEEs)" lab2_wait_established 1
	step "bfd up on CE-A (172.16.0.2, 172.16.1.2)" lab2_wait_bfd A up 1
	step "bfd up on CE-B (172.16.0.6, 172.16.1.6)" lab2_wait_bfd B up 1
	step "CE-A and CE-B receive the VNets / Microsoft prefixes" base_rx
	step "MSEEs receive identical routes from A and B" base_adv
	step "partner link: CE-A pings CE-B" lab2_partner_ping A
	step "partner link: CE-B pings CE-A" lab2_partner_ping B
	step "nothing of the partner link in the root ns" eval '! ip -o addr show | grep -q 198.51.100.'

	a=$(_lab2_agent_dir a) b=$(_lab2_agent_dir b)
	step "config A: erreadyd -n accepts it" eval 'lab2_config A "$a/erready.json" && "$ERREADYD" -n -c "$a/erready.json"'
	step "config B: erreadyd -n accepts it" eval 'lab2_config B "$b/erready.json" && "$ERREADYD" -n -c "$b/erready.json"'
	step "config A: secondary links on partner ce-b" eval '[[ $(cfg a ".circuit[].peering[].\"secondary-router\"" | sort -u) == ce-b &&
		$(cfg a ".circuit[].peering[] | has(\"primary-router\")" | sort -u) == false ]]'
	step "config B: primary links on partner ce-a" eval '[[ $(cfg b ".circuit[].peering[].\"primary-router\"" | sort -u) == ce-a &&
		$(cfg b ".circuit[].peering[] | has(\"secondary-router\")" | sort -u) == false ]]'
	step "config A names B's host key, B A's fingerprint" eval '[[ $(cfg a ".agent.partner[0].\"host-key\"") == "$(_lab2_pub "$b/ssh_host_ed25519_key.pub")" &&
		$(cfg b ".agent.partner[0].\"host-key\"") == "$(_lab2_fpr "$a/ssh_host_ed25519_key.pub")" ]]'
	step "configs A and B: same circuits (partner leaves aside)" eval 'diff <(cfg a ".circuit | del(.[].peering[].\"secondary-router\")") \
		<(cfg b ".circuit | del(.[].peering[].\"primary-router\")")'
	step "agent B starts (NETCONF on 198.51.100.2:830)" lab2_agent_start B
	step "agent A starts (NETCONF on 198.51.100.1:830)" lab2_agent_start A
	step "A -> B: partner key, B's host key: hello" hello_from a b "$a/partner_ed25519" "$b/ssh_host_ed25519_key.pub"
	step "B -> A: partner key, A's host key: hello" hello_from b a "$b/partner_ed25519" "$a/ssh_host_ed25519_key.pub"
	step "A -> B with the wrong host key: refused" refused_with "REMOTE HOST IDENTIFICATION HAS CHANGED" \
		a b "$a/partner_ed25519" "$LAB_STATE/wrong_host_ed25519_key.pub"
	step "A -> B with B's own client key: refused" refused_with "Permission denied (publickey)" \
		a b "$b/partner_ed25519" "$b/ssh_host_ed25519_key.pub"

	fault_case stop-msee-priv-secondary "" eval 'down_all c1ps && lab2_wait_bfd B down '"$T"' 172.16.0.6 && up_now c1pp c2ps'
	fault_case stop-msee-priv-secondary 2 eval 'down_all c2ps && lab2_wait_bfd B down '"$T"' 172.16.1.6 && up_now c2pp c1ps'
	fault_case stop-msee-priv-primary "" eval 'down_all c1pp && lab2_wait_bfd A down '"$T"' 172.16.0.2 && up_now c1ps'
	fault_case stop-msee-msft-secondary "" eval 'down_all c1ms c1ms6 && up_now c1mp c1mp6 c1ps'
	fault_case stop-msee m1s eval 'down_all c1ps c1ms c1ms6 && up_now c2ps c1pp c1mp'
	fault_case stop-ce-b "" eval 'msee_down c1ps c1ms c1ms6 c2ps && up_now c1pp c1mp c1mp6 c2pp'
	fault_case parity-adv-circuit2-missing "" _lab_poll "$T" 0.1 parity_missing
	fault_case wrong-partner-hostkey "" eval '[[ $(cfg a ".agent.partner[0].\"host-key\"") == "$(_lab2_pub "$LAB_STATE/wrong_host_ed25519_key.pub")" ]] &&
		"$ERREADYD" -n -c "$a/erready.json" && _lab_poll 2 0.1 agent_running a'
	step "  A names B's host key again" eval '[[ $(cfg a ".agent.partner[0].\"host-key\"") == "$(_lab2_pub "$b/ssh_host_ed25519_key.pub")" ]]'
	pids=$(lab2_agent_pid b)
	fault_case stop-agent-b "" eval '_lab_poll 5 0.05 pids_gone '"$pids"' && [[ ! -e $b/erreadyd.pid ]] && agent_running a'
	step "  agent B back, serving the partner link" eval 'agent_running b && [[ $(lab2_agent_pid b) != '"$pids"' ]] &&
		hello_from a b "$a/partner_ed25519" "$b/ssh_host_ed25519_key.pub"'

	pids=$(lab2_agent_pid b)
	fault_case hang-agent-b "" eval '_lab_poll 2 0.02 stopped '"$pids"' &&
		refused_with "banner exchange" a b "$a/partner_ed25519" "$b/ssh_host_ed25519_key.pub" && agent_running a'
	step "  agent B answers again" hello_from a b "$a/partner_ed25519" "$b/ssh_host_ed25519_key.pub"
	pids=$(lab2_agent_pid b)
	fault_case kill-agent-b "" eval '_lab_poll 5 0.05 pids_gone '"$pids"' && [[ ! -e $b/erreadyd.pid ]] && agent_running a'
	step "  agent B back after the crash" eval 'agent_running b && [[ $(lab2_agent_pid b) != '"$pids"' ]] &&
		hello_from a b "$a/partner_ed25519" "$b/ssh_host_ed25519_key.pub"'

	step "agents A and B stop on SIGTERM" eval 'lab2_agent_stop A && lab2_agent_stop B'
	# the agents' logs (every start of each, to its exit) hold any sanitizer or valgrind report
	step "no sanitizer/valgrind report in the agents' logs" eval '! grep -E "$REPORTS" "$a/erreadyd.log" "$b/erreadyd.log"'
	pids=$(cat "$LAB_STATE"/*.pid "$LAB_STATE"/frr/*.pid "$LAB_STATE"/agent-*/erreadyd.pid 2>/dev/null | tr '\n' ' ')
	step "down" lab2_down
	trap - EXIT INT TERM
	step "no namespace left" eval '! ip netns list | grep -q "^erl$ERLAB_ID-"'
	step "no state/run dirs left" eval '[[ ! -e $LAB_STATE && ! -e $LAB_FRR_RUN && ! -e $LAB_FRR_ETC ]]'
	step "pids gone ($pids)" pids_gone $pids
}

main
echo "failures: $fails"
[[ $fails -eq 0 ]]
