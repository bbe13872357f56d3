#!/usr/bin/env bash
# tests/bench/bench_snmp.sh - benchmark (not a test) of erreadyd's SNMP view
# (issue #4), all sides measured in one run, alternating repetitions:
#  1. AgentX: a walk of erSessionTable (1000 sessions) served by erreadyd as a
#     subagent vs a walk of BGP4-MIB bgpPeerTable served by FRR bgpd (-M snmp,
#     1000 neighbours), both subagents of the same snmpd.  Target >= 4x.
#  2. erreadyd's embedded master (1000 sessions) vs snmpd's own IF-MIB ifTable
#     over 1000 veth interfaces.  Target >= 0.5x.
#  3. Per-varbind cost of erreadyd's walk at 10000 vs 1000 sessions (embedded
#     master, GETBULK; target <= 1.3x) and erreadyd's peak RSS at 10000.
# Figures are varbinds per second of snmpbulkwalk (GETBULK) and snmpwalk
# (GETNEXT), CPU per varbind of each side, and ratios of them, with the load
# average; each figure also as one "RESULT id | figure | target | measured"
# line (tests/bench/results.py puts them in the README). Prints figures; the
# exit status says only whether the benchmark could run (0), not whether it
# was fast.
#
# usage: sudo tests/bench/bench_snmp.sh [-n N] [-b BUILD_DIR] [-w SECONDS] [-r MAXREP] [-R]
#   -n N          repetitions of each walk (default 5, or $BENCH_N)
#   -b BUILD_DIR  build directory holding agent/erreadyd (default: <repo>/build)
#   -w SECONDS    deadline for each daemon to come up and fill its table (default 60)
#   -r MAXREP     max-repetitions of snmpbulkwalk (-Cr, default 25)
#   -R            reference sides only (FRR, ifTable): no erreadyd
# Build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && make -C build erreadyd
#
# Needs root, iproute2, snmpd and snmp (Net-SNMP 5.9), FRR with frr-snmp
# (/usr/lib/frr/{zebra,bgpd}, bgpd_snmp.so, vtysh) and /usr/bin/python3.
#
# What it sets up (all names carry this shell's pid, P); nothing is added to
# the root namespace, nothing listens outside the namespace's 127.0.0.1:
#  - namespace erbsnmpP: lo up, 500 veth pairs ersvNa/ersvNb (1000 veth
#    interfaces, both ends inside, up, no addresses).
#  - snmpd (-f -C -c TMP/snmpd.conf, its persistent files in TMP): master
#    agentx on TMP/agentx/master (unix), udp:127.0.0.1:1161, community public
#    from 127.0.0.1, SMUX on 127.0.0.1:199 (inside the namespace).
#  - FRR zebra + bgpd (-M snmp), pathspace erbsnmpP, `router bgp 65010` with
#    1000 neighbours 10.255.1.1 ... 10.255.4.250 (remote-as 12076), which
#    never come up: they are still bgpPeerTable rows. They have no route, so
#    they stay Active without a socket. (On-link neighbours, as in
#    bench_collect.sh, sit in Connect with a pending connect() each, and
#    bgpd's main loop then polls ~400 sockets per AgentX message: its walk
#    takes twice as long. An Established peer's socket is served by bgpd's
#    I/O thread, so the socket-less case is the fair one for FRR.)
#    bgpd's AgentX socket: FRR 8.4 calls init_snmp("frr"), and Net-SNMP reads
#    `agentXSocket` from frr.conf (or agentx.conf, not snmp.conf) in
#    SNMPCONFPATH: TMP/frrsnmp/frr.conf names snmpd's socket.
#  - erreadyd x3, all with observed snapshots from gen_synthetic.py:
#    1000 sessions as AgentX subagent of that snmpd; 1000 sessions as embedded
#    master on udp:127.0.0.1:1162; 10000 sessions as embedded master on
#    udp:127.0.0.1:1163 (each with --state-dir in TMP).
# Everything is removed on exit (EXIT, INT, TERM): daemons stopped by their
# pid, the namespace deleted, FRR and temp directories removed.
set -u
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${BENCH_N:-5}
build=$repo/build
wait_s=60
maxrep=25
ref_only=0
frr_bin=${ERBENCH_FRR_BIN:-/usr/lib/frr}
nbrs=1000       # FRR neighbours
sessions=1000   # erreadyd sessions (parts 1 and 2)
big=10000       # erreadyd sessions (part 3)
veths=1000      # veth interfaces (pairs = veths / 2)
port_snmpd=1161 port_er=1162 port_big=1163
oid_er=1.3.6.1.4.1.8072.9999.9999.1.6 # erSessionTable
oid_er_state=$oid_er.1.6              # erSessionState: one per row
oid_frr=1.3.6.1.2.1.15.3              # BGP4-MIB bgpPeerTable
oid_frr_id=$oid_frr.1.1               # bgpPeerIdentifier: one per row
oid_if=1.3.6.1.2.1.2.2                # IF-MIB ifTable
oid_if_index=$oid_if.1.1              # ifIndex: one per row

usage() { sed -n '18,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while getopts n:b:w:r:Rh opt; do
	case $opt in
	n) n=$OPTARG ;;
	b) build=$OPTARG ;;
	w) wait_s=$OPTARG ;;
	r) maxrep=$OPTARG ;;
	R) ref_only=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
done
[[ $n =~ ^[1-9][0-9]*$ && $wait_s =~ ^[1-9][0-9]*$ && $maxrep =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 64; }

say() { printf 'bench_snmp: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

erreadyd=$build/agent/erreadyd
py=/usr/bin/python3
[[ $EUID -eq 0 ]] || die "needs root (network namespaces, FRR)"
for c in ip vtysh snmpbulkwalk snmpwalk snmpget /usr/sbin/snmpd "$frr_bin/zebra" "$frr_bin/bgpd" "$py"; do
	command -v "$c" >/dev/null || die "$c not found"
done
id frr >/dev/null 2>&1 || die "user frr not found (FRR package)"
ls /usr/lib/*/frr/modules/bgpd_snmp.so >/dev/null 2>&1 || die "bgpd_snmp.so not found: apt-get install frr-snmp"
if ((!ref_only)); then
	[[ -x $erreadyd ]] || die "$erreadyd not found: build it first (make -C $build erreadyd)"
	"$erreadyd" --help 2>&1 | grep -q -- '--state-dir' ||
		die "$erreadyd has no daemon mode (no --state-dir in --help); -R measures the FRR and ifTable sides only"
fi
mibdirs=$repo/../shared/mibs/ietf:$repo/mibs:/usr/share/snmp/mibs

# ---------------------------------------------------------------------------
# Names and cleanup
# ---------------------------------------------------------------------------
id=$$
ns=erbsnmp$id ps=erbsnmp$id
frr_run=/run/frr/$ps frr_etc=/etc/frr/$ps
tmp="" made_ns="" made_run="" made_etc=""
er_pids=() # erreadyd and snmpd, started in the foreground in the background
snmpd_pid="" bgpd_pid="" er_sub_pid="" er_1k_pid="" er_big_pid=""

# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
cleanup() {
	local dm pid
	trap - EXIT INT TERM
	for pid in "${er_pids[@]}"; do stop_pid "$pid"; done
	if [[ -n $tmp ]]; then
		for dm in bgpd zebra; do stop_pidfile "$tmp/frr/$dm.pid"; done
	fi
	ns_remove "$made_ns"
	[[ -n $made_run && -d $frr_run ]] && rm -rf "$frr_run"
	[[ -n $made_etc && -d $frr_etc ]] && rm -rf "$frr_etc"
	[[ -n $tmp && -d $tmp && $tmp == /tmp/erbsnmp.* ]] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for x in "/run/netns/$ns" "$frr_run" "$frr_etc"; do
	[[ -e $x ]] && die "$x already exists (another run with pid $id?); not touching it"
done

# bg_spawn VAR LOG CMD...: start a foreground daemon in the background, its pid in VAR
# (one subshell that execs: $! is the daemon itself, as env and ip netns exec exec too)
bg_spawn() {
	local var=$1 log=$2
	shift 2
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
		done
		exec "$@" </dev/null >>"$log" 2>&1
	) &
	printf -v "$var" %s "$!"
	er_pids+=("$!")
	disown "$!" 2>/dev/null
	# until the subshell has exec'd, its command line is this script's: wait for the daemon's
	poll 5 0.01 pid_ours "$!" || die "could not start $* (see $log)"
}
in_ns() { ip netns exec "$ns" "$@"; }
# rows PORT OID: instances of one column (one per table row), 0 when the agent does not answer
rows() {
	in_ns snmpbulkwalk -v2c -c public -On -Oq -Cr50 -r0 -t5 -m '' "udp:127.0.0.1:$1" "$2" 2>/dev/null |
		grep -c '^\.[0-9]'
}
rows_are() { [[ $(rows "$1" "$2") -eq $3 ]]; }
alive() { pid_ours "$1" && ! proc_gone "$1"; }
rows_or_dead() { # PID PORT OID N: the table has N rows (0: the daemon died)
	alive "$1" || return 0
	rows_are "$2" "$3" "$4"
}

t_setup=$(us)
tmp=$(mktemp -d /tmp/erbsnmp.XXXXXX) || die "mktemp failed"
chmod 711 "$tmp"

# ---------------------------------------------------------------------------
# Network namespace and 1000 veth interfaces
# ---------------------------------------------------------------------------
ip netns add "$ns" || die "cannot create namespace $ns"
made_ns=$ns
ip -n "$ns" link set lo up || die "cannot set lo up in $ns"
# both ends of every pair are created inside $ns: never in the root namespace
{
	for ((i = 1; i <= veths / 2; i++)); do echo "link add ersv${i}a type veth peer name ersv${i}b"; done
	for ((i = 1; i <= veths / 2; i++)); do echo "link set ersv${i}a up"; echo "link set ersv${i}b up"; done
} >"$tmp/veth.batch"
ip -n "$ns" -batch "$tmp/veth.batch" || die "cannot create the veths in $ns"
n_links=$(ip -n "$ns" -o link show | wc -l)

# ---------------------------------------------------------------------------
# snmpd: AgentX master and the IF-MIB over the veths
# ---------------------------------------------------------------------------
s=$tmp/snmpd
ax=$tmp/agentx
mkdir -p "$s/persist" "$ax"
# bgpd runs as user frr: it must reach the AgentX socket
{ chgrp frr "$ax" && chmod 750 "$ax"; } || die "cannot hand $ax to group frr"
cat >"$s/snmpd.conf" <<EOF
master agentx
agentXSocket unix:$ax/master
agentXPerms 0660 0750 root frr
agentaddress udp:127.0.0.1:$port_snmpd
rocommunity public 127.0.0.1
smuxsocket 127.0.0.1
dontLogTCPWrappersConnects yes
EOF
bg_spawn snmpd_pid "$s/snmpd.log" env SNMP_PERSISTENT_DIR="$s/persist" MIBDIRS="$mibdirs" \
	ip netns exec "$ns" /usr/sbin/snmpd -f -Lo -C -c "$s/snmpd.conf" -p "$s/snmpd.pid"
sock_ready() { [[ -S $1 ]]; }
snmpd_up() { in_ns snmpget -v2c -c public -r0 -t1 -m '' "udp:127.0.0.1:$port_snmpd" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; }
poll "$wait_s" 0.05 sock_ready "$ax/master" || die "snmpd: no AgentX socket: $(tail -n 3 "$s/snmpd.log")"
poll "$wait_s" 0.1 snmpd_up || die "snmpd does not answer on udp:127.0.0.1:$port_snmpd"

# ---------------------------------------------------------------------------
# FRR: zebra, bgpd -M snmp with 1000 neighbours, AgentX subagent of snmpd
# ---------------------------------------------------------------------------
d=$tmp/frr
fs=$tmp/frrsnmp
mkdir -p "$d" "$fs/persist"
printf 'hostname %s\n!\n' "$ns" >"$d/zebra.conf"
{
	printf 'frr defaults traditional\nhostname %s\n!\nagentx\n!\nrouter bgp 65010\n bgp router-id 10.255.0.1\n' "$ns"
	for o in 1 2 3 4; do for ((h = 1; h <= nbrs / 4; h++)); do echo " neighbor 10.255.$o.$h remote-as 12076"; done; done
	printf '!\n'
} >"$d/bgpd.conf"
# Net-SNMP in bgpd (application "frr") reads agentXSocket from frr.conf in SNMPCONFPATH
echo "agentXSocket unix:$ax/master" >"$fs/frr.conf"
mkdir "$frr_run" || die "cannot create $frr_run"
made_run=1
mkdir "$frr_etc" || die "cannot create $frr_etc"
made_etc=1
: >"$frr_etc/vtysh.conf" # vtysh -N reads /etc/frr/<pathspace>/vtysh.conf
# FRR drops to user frr: give it its directories
if ! { chown frr:frr "$frr_run" "$d" && chmod 755 "$frr_run" && chmod 750 "$d" &&
	chgrp frr "$d"/*.conf && chmod 640 "$d"/*.conf && chown -R frr:frr "$fs"; }; then
	die "cannot hand $d and $fs to user frr"
fi
pidfile_alive() { local pid; [[ -s $1 ]] && read -r pid <"$1" && pid_ours "$pid"; }
for dm in zebra bgpd; do
	args=()
	[[ $dm == bgpd ]] && args=(-M snmp)
	er_spawn "$d/start.log" env SNMPCONFPATH="$fs" SNMP_PERSISTENT_DIR="$fs/persist" MIBDIRS="$mibdirs" \
		ip netns exec "$ns" "$frr_bin/$dm" -d -N "$ps" -P 0 "${args[@]}" -f "$d/$dm.conf" \
		-i "$d/$dm.pid" --log "file:$d/$dm.log" --log-level notifications ||
		die "$dm failed to start: $(tail -n 3 "$d/start.log")"
	poll 10 0.02 sock_ready "$frr_run/$dm.vty" || die "$dm: no vty socket in $frr_run"
	poll 10 0.02 pidfile_alive "$d/$dm.pid" || die "$dm not running"
done
read -r bgpd_pid <"$d/bgpd.pid"
vt() { in_ns timeout 20 vtysh -N "$ps" "$@"; }
nbr_count() { vt -c 'show bgp vrf all neighbors json' 2>/dev/null | grep -o '"bgpState":' | wc -l; }
all_nbrs() { [[ $(nbr_count) -eq $nbrs ]]; }
poll "$wait_s" 0.2 all_nbrs || die "bgpd lists $(nbr_count) of $nbrs neighbours after ${wait_s}s"
poll "$wait_s" 0.5 rows_are "$port_snmpd" "$oid_frr_id" "$nbrs" ||
	die "bgpPeerTable has $(rows "$port_snmpd" "$oid_frr_id") of $nbrs rows after ${wait_s}s (bgpd AgentX: $(grep -i agentx "$d/bgpd.log" | tail -n 2))"
# as bench_collect.sh: measure once the peers have tried to connect (Active), not while all are Idle
none_idle() { ! vt -c 'show bgp vrf all neighbors json' 2>/dev/null | grep -q '"bgpState":"Idle"'; }
poll "$wait_s" 0.5 none_idle || say "some neighbours are still Idle after ${wait_s}s; measuring anyway"
poll "$wait_s" 0.5 rows_are "$port_snmpd" "$oid_if_index" "$n_links" ||
	die "ifTable has $(rows "$port_snmpd" "$oid_if_index") of $n_links rows after ${wait_s}s"

# ---------------------------------------------------------------------------
# erreadyd: 1000-session subagent, 1000-session master, 10000-session master
# ---------------------------------------------------------------------------
er_start() { # VAR NAME SESSIONS PORT GEN_ARGS...: generate, validate, start, wait for the table
	local var=$1 name=$2 ns_=$3 port=$4 w=$tmp/$2 p
	shift 4
	mkdir -p "$w/state"
	"$py" "$here/gen_synthetic.py" "$@" "$ns_" "$w" || die "gen_synthetic.py $ns_ failed"
	"$erreadyd" -n -c "$w/erready.json" >/dev/null || die "erreadyd -n rejects $w/erready.json"
	bg_spawn "$var" "$w/erreadyd.log" ip netns exec "$ns" "$erreadyd" -c "$w/erready.json" \
		--observed "$w/observed.json" --state-dir "$w/state"
	p=${!var}
	poll "$wait_s" 0.2 rows_or_dead "$p" "$port" "$oid_er_state" "$ns_" || true
	alive "$p" || die "erreadyd ($name) exited: $(tail -n 5 "$w/erreadyd.log")"
	rows_are "$port" "$oid_er_state" "$ns_" ||
		die "erreadyd ($name): erSessionTable has $(rows "$port" "$oid_er_state") of $ns_ rows after ${wait_s}s"
}
if ((!ref_only)); then
	er_start er_sub_pid sub "$sessions" "$port_snmpd" --snmp-mode subagent \
		--agentx-socket "unix:$ax/master" --agentx-ping-interval 1
	er_start er_1k_pid m1k "$sessions" "$port_er" --snmp-mode master --listen "udp:127.0.0.1:$port_er"
	er_start er_big_pid m10k "$big" "$port_big" --snmp-mode master --listen "udp:127.0.0.1:$port_big"
fi
t_setup=$((($(us) - t_setup) / 1000))
# peak and current RSS (KiB) of an agent
mem() { # PID -> "VmHWM VmRSS"
	awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print h + 0, r + 0 }' "/proc/$1/status" 2>/dev/null || echo "0 0"
}
((ref_only)) || mem_big0=$(mem "$er_big_pid")
t_loop=$(us)

# ---------------------------------------------------------------------------
# The timed loop (inside the namespace)
# ---------------------------------------------------------------------------
plan=$tmp/plan
{
	if ((ref_only)); then
		echo "1 frr-bulk $port_snmpd bulk $oid_frr $snmpd_pid,$bgpd_pid"
		echo "2 frr-walk $port_snmpd walk $oid_frr $snmpd_pid,$bgpd_pid"
		echo "3 if-bulk $port_snmpd bulk $oid_if $snmpd_pid"
		echo "4 if-walk $port_snmpd walk $oid_if $snmpd_pid"
	else
		echo "1 frr-bulk $port_snmpd bulk $oid_frr $snmpd_pid,$bgpd_pid"
		echo "1 sub-bulk $port_snmpd bulk $oid_er $snmpd_pid,$er_sub_pid"
		echo "2 frr-walk $port_snmpd walk $oid_frr $snmpd_pid,$bgpd_pid"
		echo "2 sub-walk $port_snmpd walk $oid_er $snmpd_pid,$er_sub_pid"
		echo "3 if-bulk $port_snmpd bulk $oid_if $snmpd_pid"
		echo "3 m1k-bulk $port_er bulk $oid_er $er_1k_pid"
		echo "4 if-walk $port_snmpd walk $oid_if $snmpd_pid"
		echo "4 m1k-walk $port_er walk $oid_er $er_1k_pid"
		echo "5 m10k-bulk $port_big bulk $oid_er $er_big_pid"
	fi
} >"$plan"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# in the background and `wait`: INT/TERM then reach the trap at once
in_ns bash "$here/snmp/measure.sh" "$n" "$maxrep" "$plan" "$tmp" >"$tmp/raw.txt" &
wait $! || die "the timing loop failed"

t_loop=$((($(us) - t_loop) / 1000000))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "snmpd $(mem "$snmpd_pid")"
	echo "bgpd $(mem "$bgpd_pid")"
	if ((!ref_only)); then
		echo "sub $(mem "$er_sub_pid")"
		echo "m1k $(mem "$er_1k_pid")"
		echo "m10k $(mem "$er_big_pid")"
		echo "m10k-start $mem_big0"
	fi
} >"$tmp/mem.txt"
frr_states=$(vt -c 'show bgp vrf all neighbors json' 2>/dev/null | grep -o '"bgpState":"[A-Za-z]*"' | cut -d'"' -f4 |
	sort | uniq -c | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')

# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
tck=$(getconf CLK_TCK)
awk -v n="$n" -v tck="$tck" -v maxrep="$maxrep" -v setup="$t_setup" -v ref="$ref_only" \
	-v nbrs="$nbrs" -v frr_states="$frr_states" -v links="$n_links" -v sessions="$sessions" -v big="$big" \
	-v memfile="$tmp/mem.txt" -v t_loop="$t_loop" -v load0="$load0" -v load1="$load1" -v ncpu="$(nproc)" '
function med(kd, key,   t, i, j, x, m) {
	m = N[kd]
	for (i = 1; i <= m; i++) t[i] = V[kd, key, i]
	for (i = 2; i <= m; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
	return m % 2 ? t[(m + 1) / 2] : (t[m / 2] + t[m / 2 + 1]) / 2
}
function mn(kd, key,   i, x) { x = V[kd, key, 1]; for (i = 2; i <= N[kd]; i++) if (V[kd, key, i] < x) x = V[kd, key, i]; return x }
function mx(kd, key,   i, x) { x = V[kd, key, 1]; for (i = 2; i <= N[kd]; i++) if (V[kd, key, i] > x) x = V[kd, key, i]; return x }
function mean(kd, key,   i, x) { x = 0; for (i = 1; i <= N[kd]; i++) x += V[kd, key, i]; return x / N[kd] }
# varbinds per second of the median walk
function rate(kd) { return med(kd, "w") > 0 ? med(kd, "vb") / med(kd, "w") * 1000 : 0 }
# CPU per varbind, in us: of the agent answering, and of the agent plus snmpd as AgentX master
function agt_us(kd) { return med(kd, "vb") > 0 ? mean(kd, "agt") * 1e6 / tck / med(kd, "vb") : 0 }
function tot_us(kd) { return med(kd, "vb") > 0 ? (mean(kd, "agt") + (kd ~ /^(frr|sub)-/ ? mean(kd, "mst") : 0)) * 1e6 / tck / med(kd, "vb") : 0 }
function row(kd, name) {
	if (!(kd in N)) return
	printf "%-44s %7d %9.1f %9.1f %9.1f %10.0f %7s %7.1f %7.1f %7.2f %7.2f %6s\n", name, med(kd, "vb"), med(kd, "w"), mn(kd, "w"),
	    mx(kd, "w"), rate(kd), kd ~ /^(frr|sub)-/ ? sprintf("%.1f", mean(kd, "mst") * 1000 / tck) : "-",
	    mean(kd, "agt") * 1000 / tck, med(kd, "cli"), agt_us(kd), tot_us(kd), (BAD[kd] ? BAD[kd] " bad" : "ok")
}
function cratio(a, b) { return (a in N) && (b in N) && tot_us(a) > 0 ? tot_us(b) / tot_us(a) : 0 }
function ratio(a, b) { return (a in N) && (b in N) && rate(b) > 0 ? rate(a) / rate(b) : 0 }
function verdict(r, target, ge) { return r == 0 ? "n/a" : (ge ? r >= target : r <= target) ? "met" : "missed" }
$1 == "overhead" { ow = $3 / 1000; next }
NF == 9 {
	kd = $1; i = ++N[kd]
	V[kd, "w", i] = $3 / 1000; V[kd, "vb", i] = $4; V[kd, "mst", i] = $7; V[kd, "agt", i] = $8; V[kd, "cli", i] = $9
	if ($5 != 0 || $6 != 0) BAD[kd]++
	# every repetition must return as many varbinds as the first
	if (i > 1 && $4 != V[kd, "vb", 1]) BAD[kd]++
}
END {
	printf "erready SNMP benchmark: N=%d repetitions of each walk, alternating (ABBA) within each comparison,\n", n
	printf "inside the namespace; snmpbulkwalk -Cr%d (GETBULK) and snmpwalk (GETNEXT), -v2c, one walk per command\n", maxrep
	printf "FRR bgpd: %d neighbours (%s); ifTable: %d interfaces (1 lo + %d veth)\n", nbrs, frr_states, links, links - 1
	if (!ref) printf "erreadyd: erSessionTable of %d sessions (subagent, master) and %d sessions (master)\n", sessions, big
	printf "load average: %s before the timed loop, %s after; %d cores (wall-clock ratios swing with it: each\n", load0, load1, ncpu
	printf "AgentX hop wakes an idle vCPU; the CPU columns do not)\n"
	printf "\n%-44s %7s %9s %9s %9s %10s %7s %7s %7s %7s %7s %6s\n", "", "", "wall ms", "", "", "varbinds/s", "snmpd", "agent", "client", "agent", "total", ""
	printf "%-44s %7s %9s %9s %9s %10s %7s %7s %7s %7s %7s %6s\n", "walk", "varbind", "median", "min", "max", "(median)", "cpu ms", "cpu ms", "cpu ms", "us/vb", "us/vb", "check"
	row("frr-bulk", "1 FRR bgpPeerTable via snmpd, GETBULK")
	row("sub-bulk", "1 erreadyd subagent via snmpd, GETBULK")
	row("frr-walk", "1 FRR bgpPeerTable via snmpd, GETNEXT")
	row("sub-walk", "1 erreadyd subagent via snmpd, GETNEXT")
	row("if-bulk", "2 snmpd ifTable, GETBULK")
	row("m1k-bulk", "2 erreadyd master, " sessions " sessions, GETBULK")
	row("if-walk", "2 snmpd ifTable, GETNEXT")
	row("m1k-walk", "2 erreadyd master, " sessions " sessions, GETNEXT")
	row("m10k-bulk", "3 erreadyd master, " big " sessions, GETBULK")
	printf "\n"
	if (ref) {
		printf "reference sides only (-R): no erreadyd figures, no ratios\n"
	} else {
		r = cratio("sub-bulk", "frr-bulk")
		printf "1 AgentX, CPU per varbind (snmpd + agent), FRR/ours: GETBULK %.2fx, GETNEXT %.2fx   target >= 4x: %s (GETBULK), %s (GETNEXT)\n",
		    r, cratio("sub-walk", "frr-walk"), verdict(r, 4, 1), verdict(cratio("sub-walk", "frr-walk"), 4, 1)
		printf "  erreadyd subagent CPU per varbind: %.2f us (GETBULK), %.2f us (GETNEXT)   target <= 3 us: %s\n",
		    agt_us("sub-bulk"), agt_us("sub-walk"), verdict(agt_us("sub-bulk"), 3, 0)
		r = ratio("sub-bulk", "frr-bulk")
		printf "  wall clock, ours/FRR varbinds/s (load average beside it, not judged): GETBULK %.2fx, GETNEXT %.2fx\n",
		    r, ratio("sub-walk", "frr-walk")
		r = ratio("m1k-bulk", "if-bulk")
		printf "2 master, ours/ifTable varbinds/s: GETBULK %.2fx, GETNEXT %.2fx   target >= 0.5x: %s (GETBULK), %s (GETNEXT)\n",
		    r, ratio("m1k-walk", "if-walk"), verdict(r, 0.5, 1), verdict(ratio("m1k-walk", "if-walk"), 0.5, 1)
		# per-varbind cost = 1 / rate
		r = ratio("m1k-bulk", "m10k-bulk")
		printf "3 per-varbind cost %d/%d sessions (master, GETBULK): %.2fx (%.2f / %.2f us)   target <= 1.3x: %s\n",
		    big, sessions, r, rate("m10k-bulk") ? 1e6 / rate("m10k-bulk") : 0, rate("m1k-bulk") ? 1e6 / rate("m1k-bulk") : 0,
		    verdict(r, 1.3, 0)
	}
	printf "memory (KiB, peak VmHWM / now VmRSS):"
	while ((getline line < memfile) > 0) {
		split(line, f, " "); M[f[1]] = f[2]
		if (f[1] != "m10k-start") printf " %s %d/%d", f[1], f[2], f[3]
	}
	printf "\n"
	if (!ref)
		printf "3 peak RSS (VmHWM) of erreadyd with %d sessions: %.1f MiB at the end, %.1f MiB after start-up (the\n" \
		    "  daemon re-evaluates every poll-interval, 30 s; the timed loop took %d s)\n", big, M["m10k"] / 1024,
		    M["m10k-start"] / 1024, t_loop
	# one line per figure for tests/bench/results.py (README results table)
	if (!ref) {
		ld = "load " load0 " -> " load1
		printf "RESULT agentx-cpu-per-vb | erreadyd CPU per varbind as AgentX subagent of snmpd, %d sessions | <= 3 us | %.2f us GETBULK, %.2f us GETNEXT (%s)\n",
		    sessions, agt_us("sub-bulk"), agt_us("sub-walk"), ld
		printf "RESULT agentx-cpu-vs-frr | total CPU per varbind (snmpd + agent), FRR bgpd BGP4-MIB / erreadyd | >= 4x | %.2fx GETBULK (%.2f / %.2f us), %.2fx GETNEXT (%s)\n",
		    cratio("sub-bulk", "frr-bulk"), tot_us("frr-bulk"), tot_us("sub-bulk"), cratio("sub-walk", "frr-walk"), ld
		printf "RESULT agentx-wall-vs-frr | AgentX walk varbinds/s, erreadyd / FRR bgpd (not judged: swings with load) | - | %.2fx GETBULK, %.2fx GETNEXT (%s)\n",
		    ratio("sub-bulk", "frr-bulk"), ratio("sub-walk", "frr-walk"), ld
		printf "RESULT agentx-master-vs-iftable | embedded master varbinds/s vs snmpd ifTable, %d rows | >= 0.5x | %.2fx GETBULK, %.2fx GETNEXT (%s)\n",
		    sessions, ratio("m1k-bulk", "if-bulk"), ratio("m1k-walk", "if-walk"), ld
		printf "RESULT agentx-master-10k-vs-1k | embedded master per-varbind cost, %d vs %d sessions (GETBULK) | <= 1.3x | %.2fx (%s)\n",
		    big, sessions, ratio("m1k-bulk", "m10k-bulk"), ld
	}
	printf "notes: varbinds/s = varbinds / median wall time; wall includes the client start-up (%.1f ms: a\n", ow
	printf "       one-varbind bulk walk on snmpd); cpu: mean per walk (1/%d s ticks) of snmpd as AgentX master\n", tck
	printf "       and of the agent answering (bgpd, the erreadyd subagent, snmpd for ifTable, erreadyd as master);\n"
	printf "       client = snmpbulkwalk/snmpwalk itself (median); us/vb: agent = CPU of the agent answering per\n"
	printf "       varbind, total = agent + snmpd (the AgentX master) per varbind;\n"
	printf "       check: every repetition exited 0, without \"OID not increasing\", with the same count; setup %.1f s\n", setup / 1000
}' "$tmp/raw.txt"
