/*
 * rtnetlink collectors, split into I/O and parsing so that tests replay
 * captured dumps (tests/fixtures/netlink/<kernel>/) and inject faults.
 *
 * A "buffer" here is what the kernel answered to one or more dump
 * requests, message after message as received (NLMSG_DONE included). It
 * must be 4-byte aligned (malloc'd memory is); an unaligned buffer is
 * copied first.
 */
#ifndef ER_NETLINK_PARSE_H
#define ER_NETLINK_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>

#include "collect.h"

/* A dump the kernel flags NLM_F_DUMP_INTR is read again, at most this many times in all. */
#define ER_NL_DUMP_TRIES 5

/*
 * RTM_NEWLINK, RTM_NEWADDR and RTM_NEWNEIGH messages (in any order):
 * append the interfaces with their addresses to obs->ifs and the
 * neighbour entries to obs->neigh. Returns 0, or -1 with a message in
 * @p err and @p obs as it was.
 */
int er_netlink_parse(const void *buf, size_t len, struct er_observed *obs, char *err, size_t errlen);

/*
 * RTM_NEWLINK (for the names), RTM_NEWQDISC, RTM_NEWTCLASS and
 * RTM_NEWTFILTER messages: append one er_queue per interface with a root
 * qdisc; only the peering interfaces of @p cfg when it names some
 * (@p cfg may be NULL). Returns 0, or -1 with a message in @p err.
 */
int er_tc_parse(const void *buf, size_t len, const struct er_config *cfg, struct er_observed *obs, char *err,
    size_t errlen);

/*
 * Where dumps come from: a NETLINK_ROUTE socket (er_nl_io_kernel), or a
 * test's canned answers.
 */
struct er_nl_io {
	/* Send one request; 0, or ER_COLLECT_ERROR with @p err set. */
	int (*send)(void *arg, const struct nlmsghdr *req, char *err, size_t errlen);
	/*
	 * Receive one datagram into @p buf; its length, or ER_COLLECT_ERROR /
	 * ER_COLLECT_TIMEOUT (past @p deadline_us) with @p err set.
	 */
	long (*recv)(void *arg, void *buf, size_t len, unsigned long long deadline_us, char *err, size_t errlen);
	void (*close)(void *arg);
	void *arg;
	uint32_t seq;  /* of the last request sent */
	FILE *record;  /* when set, every completed dump is appended here, as received */
	unsigned dumps; /* requests sent, restarts included */
};

/** Open a NETLINK_ROUTE socket in the caller's network namespace. 0, or ER_COLLECT_ERROR. */
int er_nl_io_kernel(struct er_nl_io *io, char *err, size_t errlen);
/** The same over another netlink family (NETLINK_NETFILTER for nftables). */
int er_nl_io_kernel_proto(struct er_nl_io *io, int proto, char *err, size_t errlen);
void er_nl_io_close(struct er_nl_io *io);

/* er_collect_netlink and er_collect_tc over @p io. */
int er_netlink_collect_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    unsigned long long deadline_us, char *err, size_t errlen);
int er_tc_collect_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    unsigned long long deadline_us, char *err, size_t errlen);

/* Rule 32: route lookups toward what Microsoft sends (targets: er_route_lookup_targets()). */
/*
 * RTM_NEWLINK messages (interface names) and then one answer per target,
 * in order (RTM_NEWROUTE, or NLMSG_ERROR when there is no usable route);
 * other messages are skipped. Appends one er_route_lookup per target to
 * obs->lookups. Returns 0, or -1 with a message in @p err.
 */
int er_route_parse(const void *buf, size_t len, const struct er_prefix *targets, size_t n, struct er_observed *obs,
    char *err, size_t errlen);
/* Look the targets up over @p io; @p links is the link dump that names the interfaces. */
int er_route_lookup_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    const void *links, size_t links_len, unsigned long long deadline_us, char *err, size_t errlen);

#endif
