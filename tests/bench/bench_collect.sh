#!/usr/bin/env bash
# tests/bench/bench_collect.sh - benchmark (not a test): one erreadyd
# collection cycle against FRR with 1000 configured BGP neighbours and a
# 10,000-rule nftables ruleset, side by side in one run with the raw
#   vtysh -c 'show bgp vrf all neighbors json'  +  nft -j list ruleset
# Target (issue 17): cycle <= 0.7x the raw commands, in wall time and in CPU.
# Prints figures, the load average of the timed loop beside them, and one
# `RESULT id | figure | target | measured` line per figure (collected by
# tests/bench/results.py); the exit status says only whether the benchmark
# could run (0), not whether it was fast.
#
# usage: sudo tests/bench/bench_collect.sh [-n N] [-b BUILD_DIR] [-w SECONDS]
#   -n N          repetitions of each side (default 10, or $BENCH_N)
#   -b BUILD_DIR  build directory holding agent/erreadyd (default: <repo>/build)
#   -w SECONDS    deadline for FRR to come up with all neighbours (default 60)
# Build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && make -C build erreadyd
#
# Needs root, iproute2, nftables, FRR (/usr/lib/frr/{zebra,bfdd,bgpd}, vtysh)
# and GNU time (/usr/bin/time, Debian package `time`) for the peak RSS.
#
# What it sets up (all names carry this shell's pid, P):
#  - namespaces erbenchP (lo up, veth erb0 10.255.0.1/16) and erbenchPp (the
#    veth's far end, 10.255.0.2/16). Nothing is added to the root namespace.
#  - FRR zebra + bfdd + bgpd in erbenchP, pathspace erbenchP
#    (/run/frr/erbenchP, /etc/frr/erbenchP/vtysh.conf), `router bgp 65010`
#    with 1000 neighbours 10.255.1.1 ... 10.255.4.250 (remote-as 12076,
#    default VRF). Nothing answers them: they stay in Connect/Active, as down
#    peers do in a poll. Their ARP requests stay on the veth.
#  - the ruleset of tests/fixtures/nft/gen-big.sh, loaded in erbenchP.
#  - an erreadyd config (source frr, this pathspace) whose private peering's
#    MSEEs (10.255.1.2, 10.255.1.6) are two of the 1000 neighbours.
# Everything is removed on exit (EXIT, INT, TERM): daemons stopped by the
# pid in their pid file, namespaces deleted, FRR and temp directories removed.
set -u
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${BENCH_N:-10}
build=$repo/build
wait_s=60
frr_bin=${ERBENCH_FRR_BIN:-/usr/lib/frr}
nbrs=1000

usage() { sed -n '9,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while getopts n:b:w:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	b) build=$OPTARG ;;
	w) wait_s=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
done
[[ $n =~ ^[1-9][0-9]*$ && $wait_s =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 64; }

say() { printf 'bench_collect: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

erreadyd=$build/agent/erreadyd
[[ $EUID -eq 0 ]] || die "needs root (network namespaces, FRR)"
[[ -x $erreadyd ]] || die "$erreadyd not found: build it first (make -C $build erreadyd)"
[[ -x /usr/bin/time ]] || die "GNU time is needed for the peak RSS: apt-get install time"
for c in ip nft vtysh "$frr_bin/zebra" "$frr_bin/bfdd" "$frr_bin/bgpd"; do
	command -v "$c" >/dev/null || die "$c not found"
done
id frr >/dev/null 2>&1 || die "user frr not found (FRR package)"

# ---------------------------------------------------------------------------
# Names and cleanup
# ---------------------------------------------------------------------------
id=$$
ns=erbench$id ns2=erbench${id}p ps=erbench$id
frr_run=/run/frr/$ps frr_etc=/etc/frr/$ps
tmp="" made_ns="" made_ns2="" made_run="" made_etc=""

# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
cleanup() {
	local dm x
	trap - EXIT INT TERM
	if [[ -n $tmp ]]; then
		for dm in bgpd bfdd zebra; do stop_pidfile "$tmp/frr/$dm.pid"; done
	fi
	for x in "$made_ns" "$made_ns2"; do ns_remove "$x"; done
	[[ -n $made_run && -d $frr_run ]] && rm -rf "$frr_run"
	[[ -n $made_etc && -d $frr_etc ]] && rm -rf "$frr_etc"
	[[ -n $tmp && -d $tmp && $tmp == /tmp/erbench.* ]] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for x in "/run/netns/$ns" "/run/netns/$ns2" "$frr_run" "$frr_etc"; do
	[[ -e $x ]] && die "$x already exists (another run with pid $id?); not touching it"
done

# ---------------------------------------------------------------------------
# Network namespaces
# ---------------------------------------------------------------------------
t_setup=$(us)
tmp=$(mktemp -d /tmp/erbench.XXXXXX) || die "mktemp failed"
chmod 711 "$tmp"
ip netns add "$ns" || die "cannot create namespace $ns"
made_ns=$ns
ip netns add "$ns2" || die "cannot create namespace $ns2"
made_ns2=$ns2
# the veth is created inside $ns and its far end moved to $ns2: never in the root namespace
if ! { ip -n "$ns" link set lo up &&
	ip -n "$ns" link add erb0 type veth peer name erb1 &&
	ip -n "$ns" link set erb1 netns "$ns2" &&
	ip -n "$ns" addr add 10.255.0.1/16 dev erb0 &&
	ip -n "$ns" link set erb0 up &&
	ip -n "$ns2" link set lo up &&
	ip -n "$ns2" addr add 10.255.0.2/16 dev erb1 &&
	ip -n "$ns2" link set erb1 up; }; then
	die "cannot set up the veth pair"
fi

# ---------------------------------------------------------------------------
# nftables: the 10,000-rule ruleset of the fixtures
# ---------------------------------------------------------------------------
sh "$repo/tests/fixtures/nft/gen-big.sh" "$tmp/big.nft" || die "gen-big.sh failed"
ip netns exec "$ns" nft -f "$tmp/big.nft" || die "nft -f $tmp/big.nft failed"

# ---------------------------------------------------------------------------
# FRR: zebra, bfdd, bgpd with 1000 neighbours
# ---------------------------------------------------------------------------
nbr_addrs() { local o h; for o in 1 2 3 4; do for h in $(seq 1 250); do echo "10.255.$o.$h"; done; done; }
d=$tmp/frr
mkdir -p "$d"
printf 'hostname %s\n!\n' "$ns" >"$d/zebra.conf"
printf 'hostname %s\n!\nbfd\nexit\n!\n' "$ns" >"$d/bfdd.conf"
{
	printf 'frr defaults traditional\nhostname %s\n!\nrouter bgp 65010\n bgp router-id 10.255.0.1\n' "$ns"
	nbr_addrs | sed 's/.*/ neighbor & remote-as 12076/'
	printf '!\n'
} >"$d/bgpd.conf"
mkdir "$frr_run" || die "cannot create $frr_run"
made_run=1
mkdir "$frr_etc" || die "cannot create $frr_etc"
made_etc=1
: >"$frr_etc/vtysh.conf" # vtysh -N reads /etc/frr/<pathspace>/vtysh.conf
# FRR drops to user frr: give it its directories
if ! { chown frr:frr "$frr_run" "$d" && chmod 755 "$frr_run" && chmod 750 "$d" &&
	chgrp frr "$d"/*.conf && chmod 640 "$d"/*.conf; }; then
	die "cannot hand $d to user frr"
fi

sock_ready() { [[ -S $1 ]]; }
pidfile_alive() { local pid; [[ -s $1 ]] && read -r pid <"$1" && pid_ours "$pid"; }
for dm in zebra bfdd bgpd; do
	er_spawn "$d/start.log" ip netns exec "$ns" "$frr_bin/$dm" -d -N "$ps" -P 0 -f "$d/$dm.conf" \
		-i "$d/$dm.pid" --log "file:$d/$dm.log" --log-level notifications ||
		die "$dm failed to start: $(tail -n 3 "$d/start.log")"
	poll 10 0.02 sock_ready "$frr_run/$dm.vty" || die "$dm: no vty socket in $frr_run"
	poll 10 0.02 pidfile_alive "$d/$dm.pid" || die "$dm not running"
done
read -r bgpd_pid <"$d/bgpd.pid"

vt() { ip netns exec "$ns" timeout 20 vtysh -N "$ps" "$@"; }
nbr_count() { vt -c 'show bgp vrf all neighbors json' 2>/dev/null | grep -o '"bgpState":' | wc -l; }
all_nbrs() { [[ $(nbr_count) -eq $nbrs ]]; }
poll "$wait_s" 0.2 all_nbrs || die "bgpd lists $(nbr_count) of $nbrs neighbours after ${wait_s}s"
# bgpd starts its peers a few seconds after it comes up: poll as a poller would, once
# they have tried to connect (Connect/Active), not while all are still Idle
none_idle() { ! vt -c 'show bgp vrf all neighbors json' 2>/dev/null | grep -q '"bgpState":"Idle"'; }
poll "$wait_s" 0.5 none_idle || say "some neighbours are still Idle after ${wait_s}s; measuring anyway"
vt -c 'show bfd peers json' >/dev/null 2>&1 || die "bfdd does not answer 'show bfd peers json'"

# ---------------------------------------------------------------------------
# erreadyd configuration
# ---------------------------------------------------------------------------
cfg=$tmp/erready.json
cat >"$cfg" <<EOF
{
  "expressroute-readiness:expressroute": {
    "account": { "subscription-id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590", "microsoft-365": false },
    "circuit": [
      {
        "name": "erbench-$id",
        "service-key": "97f85950-01dd-4d30-a73c-bf683b3a6e5c",
        "provider": "Equinix",
        "peering-location": "Amsterdam",
        "connectivity-model": "cloud-exchange-colocation",
        "service-layer": "layer-2",
        "bandwidth": 1000,
        "sku": { "tier": "standard", "family": "metered-data" },
        "provider-provisioning-state": "provisioned",
        "created": "2024-03-01",
        "vnet-address-space": ["10.10.0.0/16"],
        "peering": [
          {
            "type": "azure-private",
            "vlan-id": 100,
            "customer-asn": 65010,
            "ipv4": { "primary-subnet": "10.255.1.0/30", "secondary-subnet": "10.255.1.4/30" },
            "primary-interface": "erb0",
            "secondary-interface": "erb0",
            "bfd-expected": false
          }
        ]
      }
    ],
    "agent": { "poll-interval": 30, "bgp": { "source": "frr", "frr-pathspace": "$ps" } }
  }
}
EOF
"$erreadyd" -n -c "$cfg" >/dev/null || die "erreadyd -n rejects $cfg"

# ---------------------------------------------------------------------------
# What is measured: counts, from the same commands
# ---------------------------------------------------------------------------
frr_json=$tmp/nbrs.json
vt -c 'show bgp vrf all neighbors json' >"$frr_json" 2>/dev/null
frr_n=$(grep -o '"bgpState":' "$frr_json" | wc -l)
frr_states=$(grep -o '"bgpState":"[A-Za-z]*"' "$frr_json" | cut -d'"' -f4 | sort | uniq -c |
	awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
frr_bytes=$(wc -c <"$frr_json")
nft_json=$tmp/ruleset.json
ip netns exec "$ns" nft -j list ruleset >"$nft_json"
nft_rules=$(grep -o '{"rule": {' "$nft_json" | wc -l)
nft_bytes=$(wc -c <"$nft_json")
# one untimed cycle: what erreadyd itself collected (also warms the caches)
ip netns exec "$ns" "$erreadyd" --dump-observed -c "$cfg" --timeout 30000 >"$tmp/dump.txt" 2>"$tmp/dump.err"
er_nbrs=$(grep -c '^neighbor ' "$tmp/dump.txt")
er_nat=$(grep -c '^nat ' "$tmp/dump.txt")
er_dscp=$(grep -c '^dscp ' "$tmp/dump.txt")
ip netns exec "$ns" vtysh -N "$ps" -c 'show bgp vrf all neighbors json' >/dev/null 2>&1
t_setup=$((($(us) - t_setup) / 1000))

# ---------------------------------------------------------------------------
# The timed loop (inside the namespace), then the per-collector durations
# ---------------------------------------------------------------------------
# (in the background and `wait`: INT/TERM then reach the trap at once, and the
# cleanup stops what still runs in the namespace)
read -r load0 _ </proc/loadavg
ip netns exec "$ns" bash "$here/collect/measure.sh" "$n" "$ps" "$erreadyd" "$cfg" "$bgpd_pid" "$tmp" \
	>"$tmp/raw.txt" &
wait $! || die "the timing loop failed"
read -r load1 _ </proc/loadavg
k=$((n < 5 ? n : 5))
for ((i = 0; i < k; i++)); do
	ip netns exec "$ns" "$erreadyd" --check -c "$cfg" --timeout 30000 2>/dev/null &
	wait $!
done >"$tmp/check.txt"
awk '/^Sources:/ { on = 1; next } on && /^$/ { on = 0; next }
     on && match($0, /\([0-9]+ ms\)/) { print $1, substr($0, RSTART + 1, RLENGTH - 5) + 0 }' \
	"$tmp/check.txt" >"$tmp/sources.txt"

# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
tck=$(getconf CLK_TCK)
awk -v n="$n" -v tck="$tck" -v frr_n="$frr_n" -v frr_states="$frr_states" -v frr_bytes="$frr_bytes" \
	-v nft_rules="$nft_rules" -v nft_bytes="$nft_bytes" -v er_nbrs="$er_nbrs" -v er_nat="$er_nat" \
	-v er_dscp="$er_dscp" -v k="$k" -v setup="$t_setup" -v srcfile="$tmp/sources.txt" -v load0="$load0" \
	-v load1="$load1" '
function med(mt, kd, m,   t, i, j, x) {
	for (i = 1; i <= m; i++) t[i] = V[mt, kd, i]
	for (i = 2; i <= m; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
	return m % 2 ? t[(m + 1) / 2] : (t[m / 2] + t[m / 2 + 1]) / 2
}
function mn(mt, kd, m,   i, x) { x = V[mt, kd, 1]; for (i = 2; i <= m; i++) if (V[mt, kd, i] < x) x = V[mt, kd, i]; return x }
function mx(mt, kd, m,   i, x) { x = V[mt, kd, 1]; for (i = 2; i <= m; i++) if (V[mt, kd, i] > x) x = V[mt, kd, i]; return x }
function sum(mt, kd, m,   i, x) { x = 0; for (i = 1; i <= m; i++) x += V[mt, kd, i]; return x }
function row(name, kd) {
	printf "%-32s %8.1f %8.1f %8.1f  %8.1f %7.1f %7.1f  %9d  %8.1f\n", name,
	    med("w", kd, n), mn("w", kd, n), mx("w", kd, n), med("c", kd, n), med("u", kd, n), med("s", kd, n),
	    mx("r", kd, n), sum("b", kd, n) * 1000 / tck / n
}
$1 == "overhead" { ow = $3 / 1000; oc = $4 + $5; next }
NF == 7 {
	i = $2
	V["w", $1, i] = $3 / 1000; V["u", $1, i] = $4; V["s", $1, i] = $5; V["c", $1, i] = $4 + $5
	V["r", $1, i] = $6; V["b", $1, i] = $7
	if ($1 != "cycle") {
		V["w", "raw", i] += $3 / 1000; V["u", "raw", i] += $4; V["s", "raw", i] += $5
		V["c", "raw", i] += $4 + $5; V["b", "raw", i] += $7
		if ($6 > V["r", "raw", i]) V["r", "raw", i] = $6
	}
}
END {
	printf "erready collection benchmark: N=%d repetitions each, alternating (ABBA), inside the namespace\n", n
	printf "FRR:  %d neighbours reported by `show bgp vrf all neighbors json` (%s), %.1f MB of JSON\n",
	    frr_n, frr_states, frr_bytes / 1e6
	printf "nft:  %d rules in `nft -j list ruleset`, %.1f MB of JSON\n", nft_rules, nft_bytes / 1e6
	printf "erreadyd --dump-observed saw %d neighbours, %d NAT and %d DSCP rules\n", er_nbrs, er_nat, er_dscp
	printf "\n%-32s %8s %8s %8s  %8s %7s %7s  %9s  %8s\n", "", "wall ms", "", "", "cpu ms", "user", "sys",
	    "maxrss", "bgpd cpu"
	printf "%-32s %8s %8s %8s  %8s %7s %7s  %9s  %8s\n", "command", "median", "min", "max", "median",
	    "median", "median", "KiB (max)", "ms (mean)"
	row("raw: vtysh ... neighbors json", "vtysh")
	row("raw: nft -j list ruleset", "nft")
	row("raw: total (sum per repetition)", "raw")
	row("cycle: erreadyd --dump-observed", "cycle")
	r = med("w", "cycle", n) / med("w", "raw", n)
	printf "\ncycle/raw = %.2fx (median wall %.1f / %.1f ms); cpu cycle/raw = %.2fx (%.1f / %.1f ms)\n", r,
	    med("w", "cycle", n), med("w", "raw", n), med("c", "cycle", n) / med("c", "raw", n), med("c", "cycle", n),
	    med("c", "raw", n)
	rc = med("c", "cycle", n) / med("c", "raw", n)
	printf "load average (1 min) %s before the timed loop, %s after\n", load0, load1
	printf "target cycle <= 0.7x raw, wall and cpu: %s\n", r <= 0.7 && rc <= 0.7 ? "met" : "missed"
	printf "RESULT nft-cycle-wall | collection cycle wall time / raw vtysh + nft -j, 1,000 FRR neighbours, " \
	    "10,000 nftables rules | <= 0.7x | %.2fx (%.0f / %.0f ms wall, load %s)\n", r, med("w", "cycle", n),
	    med("w", "raw", n), load1
	printf "RESULT nft-cycle-cpu | collection cycle CPU / raw vtysh + nft -j CPU, same run | <= 0.7x | " \
	    "%.2fx (%.0f / %.0f ms CPU, load %s)\n", rc, med("c", "cycle", n), med("c", "raw", n), load1
	while ((getline line < srcfile) > 0) {
		split(line, f, " ")
		if (!(f[1] in nsrc)) order[++no] = f[1]
		V["d", f[1], ++nsrc[f[1]]] = f[2]
	}
	printf "erreadyd collectors (--check, median of %d runs):", k
	for (j = 1; j <= no; j++) printf " %s %d ms%s", order[j], med("d", order[j], nsrc[order[j]]), j < no ? "," : ""
	printf "\n"
	printf "notes: cpu = user+sys of the command and the processes it waited for (bash times, ms); maxrss = GNU time %%M,\n"
	printf "       largest process; bgpd cpu = bgpd ticks meanwhile (1/%d s), not in cpu; harness overhead %.1f ms wall, %d ms cpu\n", tck, ow, oc
	printf "       per timed command; setup took %.1f s\n", setup / 1000
}' "$tmp/raw.txt"
