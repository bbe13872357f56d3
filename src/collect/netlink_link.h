/*
 * Internal to the rtnetlink collectors: one RTM_NEWLINK parsed, and the
 * interface index map that the address, neighbour and traffic-control
 * parsers name interfaces with (collect_netlink.c).
 */
#ifndef ER_NETLINK_LINK_H
#define ER_NETLINK_LINK_H

#include <stddef.h>

#include <linux/netlink.h>

#include "collect.h"
#include "netlink_attr.h"

struct nl_link {
	int ifindex;
	int link, master; /* IFLA_LINK in this namespace, IFLA_MASTER; 0 if none */
	size_t pos; /* in obs->ifs */
	char name[ER_OBS_IFNAMSIZ];
};

/** The entry of @p ifindex in @p v (sorted by nl_link_sort()), or NULL. */
const struct nl_link *nl_link_find(const struct nl_link *v, size_t n, int ifindex);
/** Sort by ifindex; the same index twice means the buffer is not one dump (-1, @p err set). */
int nl_link_sort(struct nl_link *v, size_t n, char *err, size_t errlen);
/** One RTM_NEWLINK into @p le and @p ifp. */
int nl_link_parse(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct nl_link *le, struct er_interface *ifp);

#endif
