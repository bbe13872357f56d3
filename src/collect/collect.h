/*
 * Host collectors: one per source of host state, behind one small
 * interface. Each call has a deadline; a failing or hung source sets its
 * status (error/timeout) in the observed state and never blocks the rest.
 *
 * Parsers are separate from I/O (er_*_parse_*) so golden-file tests feed
 * them captured daemon output.
 */
#ifndef ER_COLLECT_H
#define ER_COLLECT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdint.h>

#include "child.h"
#include "config.h"
#include "observed.h"


struct er_collect_opts {
	const struct er_config *cfg; /* which sessions/interfaces matter; may be NULL */
	unsigned timeout_ms;         /* per source */
	enum er_bgp_source bgp;      /* auto, frr, bird, none (from cfg->agent unless overridden) */
	const char *vtysh;           /* vtysh binary, default "vtysh" */
	const char *frr_pathspace;   /* vtysh -N, NULL for the default instance */
	const char *bird_socket;     /* BIRD control socket */
	const char *proc_root;       /* "/proc" unless testing */
	const struct er_observed *prev; /* the previous collection (counters rise between two); may be NULL */
};

/** Fill @p o with defaults from @p cfg (which may be NULL). */
void er_collect_opts_init(struct er_collect_opts *o, const struct er_config *cfg);

/**
 * Run every collector and return a finalized observed state with each
 * source's status, daemon, message and duration set.
 */
struct er_observed *er_collect_all(const struct er_collect_opts *o);

/*
 * Individual collectors. Each fills its part of @p obs and returns
 * ER_COLLECT_OK, or ER_COLLECT_ERROR / ER_COLLECT_TIMEOUT with a message in
 * @p err. @p deadline_us is absolute, on er_now_us()'s clock.
 */
int er_collect_frr(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
int er_collect_bird(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
int er_collect_netlink(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
int er_collect_tc(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
int er_collect_nft(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
int er_collect_conntrack(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen);
/*
 * The TCP-MD5 counters of <proc_root>/net/netstat (this process's network
 * namespace), and their rise since o->prev. A procfs read does not block.
 * Without o->prev, when the counters are not 0 and a session of a peering
 * with an MD5 key is in @p obs and not Established, it reads them again
 * every 100 ms for up to
 * ER_MD5_WATCH_MS (within o->timeout_ms), until they rise: one
 * `erreadyd --check` can then tell a key mismatch from a silent peer.
 */
#define ER_MD5_WATCH_MS 3000
/*
 * A peer that ended a session with a NOTIFICATION (Microsoft's prefix limit,
 * a Cease) often refuses the reconnects that follow, and the BGP daemon then
 * replaces its last error with "Connection refused". While a session stays
 * down, keep in @p obs the reason its peer sent, as @p prev (the previous
 * collection) read it. Both collections must have read BGP.
 */
void er_keep_peer_reasons(const struct er_observed *prev, struct er_observed *obs);
int er_collect_tcp_md5(const struct er_collect_opts *o, struct er_observed *obs, char *err, size_t errlen);
/**
 * /proc/net/stat/nf_conntrack (a header, then one hexadecimal line per CPU)
 * into obs->ct_* as sums over the CPUs; 0, or -1 with a message.
 */
int er_conntrack_stats_parse(const char *text, struct er_observed *obs, char *err, size_t errlen);
/**
 * The router-redundancy multicast groups (VRRP, HSRP) each interface has
 * joined, from the text of /proc/net/igmp and /proc/net/igmp6 (either may
 * be NULL), into obs->ifs[].rr_groups by interface name. The IPv4 groups
 * are read in the byte order of the kernel that wrote them (this host's).
 * 0, or -1 with a message.
 */
int er_rr_groups_parse(const char *igmp, const char *igmp6, struct er_observed *obs, char *err, size_t errlen);

/*
 * The nftables query in two halves, as er_collect_all() calls it: start
 * opens the netlink socket; finish dumps the ruleset (in process, each
 * read bounded by the deadline) and fills NAT and DSCP rules; abort
 * closes. er_collect_nft() is start + finish.
 */
struct er_nl_io;
struct er_nft_query {
	struct er_nl_io *io;
};
int er_nft_start(struct er_nft_query *q, char *err, size_t errlen);
int er_nft_finish(struct er_nft_query *q, struct er_observed *obs, unsigned long long deadline_us, char *err,
    size_t errlen);
void er_nft_abort(struct er_nft_query *q);


/*
 * Parsers (no I/O), each fed one daemon answer. They append to @p obs and
 * return 0, or -1 with a message naming what was wrong in @p err.
 */
/* FRR: `show bgp vrf all neighbors json` (FRR 8.x, 9.x, 10.x key names). */
int er_frr_parse_neighbors(const char *json, struct er_observed *obs, char *err, size_t errlen);
/* FRR: `show bfd peers json`. */
int er_frr_parse_bfd(const char *json, struct er_observed *obs, char *err, size_t errlen);
/* FRR: `show bgp [vrf V] {ipv4|ipv6} unicast neighbors A advertised-routes json` or `... routes json`. */
int er_frr_parse_routes(const char *json, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen);
/* BIRD 2: the reply to `show protocols all` on the control socket (numbered lines). */
int er_bird_parse_protocols(const char *reply, struct er_observed *obs, char *err, size_t errlen);
/*
 * The same, with BIRD's own clock: uptimes are @p now_civil minus each
 * session's "since", both as civil seconds (the local date and time BIRD
 * prints, counted as if UTC: two stamps of one BIRD subtract without its
 * time zone). er_bird_parse_protocols() uses this host's clock instead.
 */
int er_bird_parse_protocols_at(const char *reply, long long now_civil, struct er_observed *obs, char *err,
    size_t errlen);
/* BIRD 2: "Current server time" of a `show status` reply as civil seconds; -1 if there is none. */
int er_bird_parse_status(const char *reply, long long *now_civil);
/* BIRD 2: the reply to `show route export <protocol>` / `show route protocol <protocol>`. */
int er_bird_parse_routes(const char *reply, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen);
/* BIRD 2: the reply to `show bfd sessions`. */
int er_bird_parse_bfd(const char *reply, struct er_observed *obs, char *err, size_t errlen);
/* Linux /proc/net/netstat: the TcpExt TCPMD5* counters into @p m (rise fields untouched). */
int er_netstat_parse_md5(const char *text, struct er_tcp_md5 *m, char *err, size_t errlen);
/*
 * Rules 25, 26, 32: the prefixes received from the MSEEs of the Microsoft
 * and public peerings of @p cfg (neighbours of @p obs, which need not be
 * finalized), sorted and unique; past ER_ROUTE_LOOKUP_MAX an evenly spread
 * sample. *out is malloc'd; returns how many.
 */
#define ER_ROUTE_LOOKUP_MAX 64
size_t er_route_lookup_targets(const struct er_config *cfg, const struct er_observed *obs, struct er_prefix **out);
/* FRR: `show bgp [vrf V] {ipv4|ipv6} unicast PREFIX json`: appends one er_prefix_paths (none for {}). */
int er_frr_parse_prefix(const char *json, size_t len, struct er_observed *obs, char *err, size_t errlen);
/*
 * BIRD 2: the reply to `show route PREFIX all`; @p protos[i] names the
 * protocol of obs->nbrs[i]. Appends one er_prefix_paths (none for "Network
 * not found").
 */
int er_bird_parse_prefix(const char *reply, const char (*protos)[64], size_t n_protos, struct er_observed *obs,
    char *err, size_t errlen);
/*
 * nftables: the ruleset as er_nft_dump() reads it, nf_tables netlink
 * messages as the kernel sent them (chains, sets, set elements, objects,
 * rules, in any order; NLMSG_DONE included). Appends the NAT and DSCP
 * rules; 0, or -1 with a message in @p err and nothing appended.
 */
int er_nft_parse(const void *buf, size_t len, struct er_observed *obs, char *err, size_t errlen);
/* Dump the ruleset of the caller's network namespace into *@p buf (free it): the input of er_nft_parse(). */
int er_nft_dump(unsigned long long deadline_us, char **buf, size_t *len, char *err, size_t errlen);

/**
 * Canonical text dump of an observed state, one fact per line, sorted:
 * the expected files of the golden-file tests.
 */
void er_observed_dump(const struct er_observed *obs, FILE *out);

#endif
