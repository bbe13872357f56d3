/*
 * rtnetlink and tc collectors: golden replays of dumps captured on real
 * kernels (tests/fixtures/netlink/<uname -r>/), hand-built messages for
 * what the capture kernel cannot create (VLANs, prio, ets, flower, basic,
 * fq_codel), fault injection (interrupted dumps, kernel errors, malformed
 * messages, deadlines), and, as root, a live collection inside a network
 * namespace of our own.
 *
 * Two modes for maintainers, both as root and only ever inside a fresh
 * network namespace of a child process (gone when the child exits):
 *   test_golden_netlink --capture DIR [CASE]  record link-*.bin and tc-*.bin dumps
 *                                       (then ERREADY_UPDATE_GOLDEN=1 writes
 *                                       their .expected files)
 *   test_golden_netlink --bench N [htb] time a collection over N interfaces
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_vlan.h>
#include <linux/neighbour.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_ematch/tc_em_cmp.h>

#include "collect.h"
#include "fixture.h"
#include "netlink_parse.h"
#include "util.h"

#define NETNS_SKIP 77 /* a child's exit status: no new network namespace here */

/*
 * Building messages: a buffer of netlink messages as a dump would carry
 * them, built with libmnl.
 */
struct mb {
	union {
		struct nlmsghdr h; /* alignment */
		char b[1 << 16];
	} u;
	size_t len;
	struct nlmsghdr *cur;
};

static void *
mb_msg(struct mb *m, uint16_t type, size_t hdrlen)
{
	void *at = m->u.b + m->len;

	assert_true(m->len + 4096 < sizeof(m->u.b));
	m->cur = mnl_nlmsg_put_header(at);
	m->cur->nlmsg_type = type;
	m->cur->nlmsg_flags = NLM_F_MULTI;
	return mnl_nlmsg_put_extra_header(m->cur, hdrlen);
}

/* Close the current message. */
static void
mb_end(struct mb *m)
{
	m->len += m->cur->nlmsg_len;
	m->cur = NULL;
}

static void
mb_done(struct mb *m)
{
	int32_t *code = mb_msg(m, NLMSG_DONE, sizeof(int32_t));

	*code = 0;
	mb_end(m);
}

static void
mb_link(struct mb *m, int ifindex, const char *name, uint32_t mtu, uint8_t oper, const char *kind, int lower)
{
	struct ifinfomsg *ifi = mb_msg(m, RTM_NEWLINK, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST | (oper == IF_OPER_UP ? IFF_LOWER_UP | IFF_RUNNING : 0);
	mnl_attr_put_strz(m->cur, IFLA_IFNAME, name);
	mnl_attr_put_u32(m->cur, IFLA_TXQLEN, 1000);
	mnl_attr_put_u8(m->cur, IFLA_OPERSTATE, oper);
	mnl_attr_put_u32(m->cur, IFLA_MTU, mtu);
	if (lower)
		mnl_attr_put_u32(m->cur, IFLA_LINK, (uint32_t)lower);
	if (kind) {
		struct nlattr *li = mnl_attr_nest_start(m->cur, IFLA_LINKINFO);
		mnl_attr_put_strz(m->cur, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(m->cur, li);
	}
	mb_end(m);
}

/*
 * A VLAN link laid out as the kernel's vlan_fill_info() sends it: inside
 * IFLA_LINKINFO/IFLA_INFO_DATA, the protocol (network order), the ID and
 * the flags. @p proto 0 leaves the protocol out, as kernels before 3.10 did.
 */
static void
mb_vlan(struct mb *m, int ifindex, const char *name, uint8_t oper, int lower, uint16_t id, uint16_t proto)
{
	struct ifinfomsg *ifi = mb_msg(m, RTM_NEWLINK, sizeof(*ifi));
	struct ifla_vlan_flags fl = { VLAN_FLAG_REORDER_HDR, 0xffffffff };
	struct nlattr *li, *data;

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST;
	mnl_attr_put_strz(m->cur, IFLA_IFNAME, name);
	mnl_attr_put_u8(m->cur, IFLA_OPERSTATE, oper);
	mnl_attr_put_u32(m->cur, IFLA_MTU, 1500);
	mnl_attr_put_u32(m->cur, IFLA_LINK, (uint32_t)lower);
	li = mnl_attr_nest_start(m->cur, IFLA_LINKINFO);
	mnl_attr_put_strz(m->cur, IFLA_INFO_KIND, "vlan");
	data = mnl_attr_nest_start(m->cur, IFLA_INFO_DATA);
	if (proto)
		mnl_attr_put_u16(m->cur, IFLA_VLAN_PROTOCOL, htons(proto));
	mnl_attr_put_u16(m->cur, IFLA_VLAN_ID, id);
	mnl_attr_put(m->cur, IFLA_VLAN_FLAGS, sizeof(fl), &fl);
	mnl_attr_nest_end(m->cur, data);
	mnl_attr_nest_end(m->cur, li);
	mb_end(m);
}

static void
mb_addr(struct mb *m, int ifindex, const char *addr, uint8_t plen, const char *peer)
{
	struct ifaddrmsg *ifa = mb_msg(m, RTM_NEWADDR, sizeof(*ifa));
	uint8_t a[16], p[16];
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	size_t alen = fam == AF_INET ? 4 : 16;

	assert_int_equal(inet_pton(fam, addr, a), 1);
	ifa->ifa_family = (uint8_t)fam;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_index = (uint32_t)ifindex;
	if (peer) {
		assert_int_equal(inet_pton(fam, peer, p), 1);
		mnl_attr_put(m->cur, IFA_ADDRESS, alen, p);
		mnl_attr_put(m->cur, IFA_LOCAL, alen, a);
	} else {
		mnl_attr_put(m->cur, IFA_ADDRESS, alen, a);
		if (fam == AF_INET)
			mnl_attr_put(m->cur, IFA_LOCAL, alen, a);
	}
	mb_end(m);
}

static void
mb_neigh(struct mb *m, int ifindex, const char *addr, uint16_t state)
{
	struct ndmsg *nd = mb_msg(m, RTM_NEWNEIGH, sizeof(*nd));
	uint8_t a[16];
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, addr, a), 1);
	nd->ndm_family = (uint8_t)fam;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	mnl_attr_put(m->cur, NDA_DST, fam == AF_INET ? 4 : 16, a);
	mb_end(m);
}

static struct tcmsg *
mb_tc(struct mb *m, uint16_t type, int ifindex, uint32_t handle, uint32_t parent, const char *kind)
{
	struct tcmsg *t = mb_msg(m, type, sizeof(*t));

	t->tcm_ifindex = ifindex;
	t->tcm_handle = handle;
	t->tcm_parent = parent;
	mnl_attr_put_strz(m->cur, TCA_KIND, kind);
	return t;
}

#define H(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))

/* A root qdisc without options (prio's and fq_codel's do not matter here). */
static void
mb_qdisc(struct mb *m, int ifindex, uint32_t handle, const char *kind)
{
	mb_tc(m, RTM_NEWQDISC, ifindex, handle, TC_H_ROOT, kind);
	mb_end(m);
}

static void
mb_ets(struct mb *m, int ifindex, uint32_t handle, uint8_t nbands, uint8_t nstrict)
{
	struct nlattr *o;

	mb_tc(m, RTM_NEWQDISC, ifindex, handle, TC_H_ROOT, "ets");
	o = mnl_attr_nest_start(m->cur, TCA_OPTIONS);
	mnl_attr_put_u8(m->cur, TCA_ETS_NBANDS, nbands);
	mnl_attr_put_u8(m->cur, TCA_ETS_NSTRICT, nstrict);
	mnl_attr_nest_end(m->cur, o);
	mb_end(m);
}

static void
mb_htb_class(struct mb *m, int ifindex, uint32_t id, uint32_t parent, uint64_t rate_bps, uint32_t prio)
{
	struct tc_htb_opt opt;
	struct nlattr *o;

	memset(&opt, 0, sizeof(opt));
	opt.rate.rate = rate_bps / 8 >= UINT32_MAX ? UINT32_MAX : (uint32_t)(rate_bps / 8);
	opt.ceil = opt.rate;
	opt.prio = prio;
	mb_tc(m, RTM_NEWTCLASS, ifindex, id, parent, "htb");
	o = mnl_attr_nest_start(m->cur, TCA_OPTIONS);
	mnl_attr_put(m->cur, TCA_HTB_PARMS, sizeof(opt), &opt);
	if (rate_bps / 8 >= UINT32_MAX)
		mnl_attr_put_u64(m->cur, TCA_HTB_RATE64, rate_bps / 8);
	mnl_attr_nest_end(m->cur, o);
	mb_end(m);
}

/* A filter's tcm_info: its priority and its protocol (network order). */
static void
mb_filter_head(struct mb *m, int ifindex, uint32_t parent, const char *kind, uint16_t proto)
{
	struct tcmsg *t = mb_tc(m, RTM_NEWTFILTER, ifindex, 0x800, parent, kind);

	t->tcm_info = H(1, htons(proto));
}

/*
 * u32 with one key at offset 0: mask and value as the TOS word, e.g.
 * 0x00fc0000 / 0x00b80000. The selector says it has @p nkeys keys.
 */
static void
mb_u32_n(struct mb *m, int ifindex, uint32_t parent, uint16_t proto, uint32_t mask, uint32_t val, uint32_t classid,
    uint8_t nkeys)
{
	union {
		struct tc_u32_sel sel;
		char b[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)];
	} s;
	struct tc_u32_key k = { 0 };
	struct nlattr *o;

	memset(&s, 0, sizeof(s));
	s.sel.flags = TC_U32_TERMINAL;
	s.sel.nkeys = nkeys;
	k.mask = htonl(mask);
	k.val = htonl(val);
	memcpy(s.b + sizeof(s.sel), &k, sizeof(k));
	mb_filter_head(m, ifindex, parent, "u32", proto);
	o = mnl_attr_nest_start(m->cur, TCA_OPTIONS);
	mnl_attr_put_u32(m->cur, TCA_U32_CLASSID, classid);
	mnl_attr_put(m->cur, TCA_U32_SEL, sizeof(s), &s);
	mnl_attr_nest_end(m->cur, o);
	mb_end(m);
}

static void
mb_u32(struct mb *m, int ifindex, uint32_t parent, uint16_t proto, uint32_t mask, uint32_t val, uint32_t classid)
{
	mb_u32_n(m, ifindex, parent, proto, mask, val, classid, 1);
}

static void
mb_flower(struct mb *m, int ifindex, uint32_t parent, uint32_t chain, uint8_t tos, uint8_t mask, uint32_t classid)
{
	struct nlattr *o;

	mb_filter_head(m, ifindex, parent, "flower", ETH_P_IP);
	if (chain)
		mnl_attr_put_u32(m->cur, TCA_CHAIN, chain);
	o = mnl_attr_nest_start(m->cur, TCA_OPTIONS);
	mnl_attr_put_u32(m->cur, TCA_FLOWER_CLASSID, classid);
	mnl_attr_put_u16(m->cur, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IP));
	mnl_attr_put_u8(m->cur, TCA_FLOWER_KEY_IP_TOS, tos);
	mnl_attr_put_u8(m->cur, TCA_FLOWER_KEY_IP_TOS_MASK, mask);
	mnl_attr_nest_end(m->cur, o);
	mb_end(m);
}

/* basic with one ematch: a cmp (u8 at 1, layer network, mask, eq val) or a u32 key. */
static void
mb_basic(struct mb *m, int ifindex, uint32_t parent, bool cmp, uint32_t mask, uint32_t val, uint16_t flags,
    uint32_t classid)
{
	struct tcf_ematch_tree_hdr th = { 1, 0 };
	union {
		struct tcf_ematch_hdr h;
		char b[sizeof(struct tcf_ematch_hdr) + sizeof(struct tc_u32_key)];
	} e;
	struct nlattr *o, *em, *list;
	size_t elen;

	memset(&e, 0, sizeof(e));
	e.h.flags = flags;
	if (cmp) {
		struct tcf_em_cmp c;
		memset(&c, 0, sizeof(c));
		c.val = val;
		c.mask = mask;
		c.off = 1;
		c.align = TCF_EM_ALIGN_U8;
		c.layer = TCF_LAYER_NETWORK;
		c.opnd = TCF_EM_OPND_EQ;
		e.h.kind = TCF_EM_CMP;
		memcpy(e.b + sizeof(e.h), &c, sizeof(c));
		elen = sizeof(e.h) + sizeof(c);
	} else {
		struct tc_u32_key k = { 0 };
		k.mask = htonl(mask);
		k.val = htonl(val);
		e.h.kind = TCF_EM_U32;
		memcpy(e.b + sizeof(e.h), &k, sizeof(k));
		elen = sizeof(e.h) + sizeof(k);
	}
	mb_filter_head(m, ifindex, parent, "basic", ETH_P_IP);
	o = mnl_attr_nest_start(m->cur, TCA_OPTIONS);
	mnl_attr_put_u32(m->cur, TCA_BASIC_CLASSID, classid);
	em = mnl_attr_nest_start(m->cur, TCA_BASIC_EMATCHES);
	mnl_attr_put(m->cur, TCA_EMATCH_TREE_HDR, sizeof(th), &th);
	list = mnl_attr_nest_start(m->cur, TCA_EMATCH_TREE_LIST);
	mnl_attr_put(m->cur, 1, elen, &e);
	mnl_attr_nest_end(m->cur, list);
	mnl_attr_nest_end(m->cur, em);
	mnl_attr_nest_end(m->cur, o);
	mb_end(m);
}

/*
 * Small helpers
 */

static char *
slurp_bin(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xcalloc(1, (size_t)n + 1);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Golden replays of captured dumps
 */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every tests/fixtures/netlink/<kernel>/<case>.bin against <case>.expected. */
static void
test_golden_captured(void **state)
{
	char base[1024], *names[256];
	size_t n = 0, i, cases = 0;
	DIR *top, *d;
	struct dirent *e;

	(void)state;
	snprintf(base, sizeof(base), "%s", fx_fixture("netlink"));
	assert_non_null(top = opendir(base));
	while ((e = readdir(top)))
		if (e->d_name[0] != '.' && n < ARRAY_SIZE(names))
			names[n++] = xstrdup(e->d_name);
	closedir(top);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char dir[1300];
		snprintf(dir, sizeof(dir), "%s/%s", base, names[i]);
		if (!(d = opendir(dir)))
			continue;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name), len;
			char path[1600], rel[600], err[512];
			struct er_observed *obs;
			char *buf;
			int rc;
			if (l < 5 || strcmp(e->d_name + l - 4, ".bin") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			snprintf(rel, sizeof(rel), "netlink/%s/%.*s.expected", names[i], (int)(l - 4), e->d_name);
			buf = slurp_bin(path, &len);
			obs = er_observed_new();
			if (!strncmp(e->d_name, "tc-", 3))
				rc = er_tc_parse(buf, len, NULL, obs, err, sizeof(err));
			else
				rc = er_netlink_parse(buf, len, obs, err, sizeof(err));
			if (rc != 0)
				fail_msg("%s: %s", path, err);
			er_observed_finalize(obs);
			fx_golden(obs, rel);
			er_observed_unref(obs);
			free(buf);
			cases++;
		}
		closedir(d);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	assert_true(cases >= 2); /* a link and a tc capture at least */
}

/*
 * Hand-built fixtures
 */

static void
build_vlans(struct mb *m)
{
	mb_link(m, 1, "lo", 65536, IF_OPER_UNKNOWN, NULL, 0);
	mb_link(m, 2, "eth1", 9000, IF_OPER_UP, NULL, 0);
	mb_link(m, 3, "eth2", 1500, IF_OPER_DOWN, NULL, 0);
	mb_vlan(m, 4, "eth1.100", IF_OPER_UP, 2, 100, ETH_P_8021Q);
	mb_vlan(m, 5, "eth1.300", IF_OPER_UP, 2, 300, ETH_P_8021AD);
	mb_vlan(m, 6, "eth2.100", IF_OPER_LOWERLAYERDOWN, 3, 100, 0);
	mb_done(m);
	mb_addr(m, 4, "172.16.0.1", 30, NULL);
	mb_addr(m, 4, "2001:db8:1::1", 126, NULL);
	mb_addr(m, 5, "10.0.0.1", 32, "10.0.0.2");
	mb_addr(m, 5, "2001:db8:5::1", 128, "2001:db8:5::2");
	mb_addr(m, 99, "192.0.2.1", 24, NULL); /* an interface that appeared after the link dump */
	mb_done(m);
	mb_neigh(m, 4, "172.16.0.2", NUD_REACHABLE);
	mb_neigh(m, 4, "2001:db8:1::2", NUD_DELAY);
	mb_neigh(m, 6, "172.16.0.6", NUD_FAILED);
	mb_neigh(m, 4, "224.0.0.22", NUD_NOARP); /* multicast mapping: not a neighbour */
	mb_done(m);
}

/* What ip(8) prints for a link's operational state, to ours. */
static const char *
ip_oper(const char *s)
{
	if (!strcmp(s, "UP"))
		return "up";
	if (!strcmp(s, "LOWERLAYERDOWN"))
		return "lower-layer-down";
	if (!strcmp(s, "DOWN") || !strcmp(s, "NOTPRESENT") || !strcmp(s, "DORMANT") || !strcmp(s, "TESTING"))
		return "down";
	return "unknown";
}

/*
 * The VLAN links must read as `ip -j -d link show` prints them (the
 * reference file is that output for the same links: iproute2 prints
 * IFLA_VLAN_PROTOCOL through ll_proto_n2a(), network order, and "802.1q"
 * when the attribute is absent).
 */
static void
check_against_ip_json(const struct er_observed *obs, const char *json_rel)
{
	char *text = fx_read_data(fx_fixture(json_rel));
	json_object *arr = json_tokener_parse(text);
	size_t i, n;

	assert_non_null(arr);
	n = json_object_array_length(arr);
	assert_int_equal(n, obs->n_ifs);
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v, *li, *data;
		const struct er_interface *ifp;
		static const char *const oper[] = { "unknown", "up", "down", "lower-layer-down" };
		assert_true(json_object_object_get_ex(o, "ifname", &v));
		ifp = er_observed_interface(obs, json_object_get_string(v));
		if (!ifp)
			fail_msg("%s: not collected", json_object_get_string(v));
		assert_true(json_object_object_get_ex(o, "mtu", &v));
		assert_int_equal(json_object_get_int(v), ifp->mtu);
		assert_true(json_object_object_get_ex(o, "operstate", &v));
		assert_string_equal(ip_oper(json_object_get_string(v)), oper[ifp->oper]);
		if (!json_object_object_get_ex(o, "linkinfo", &li)) {
			assert_string_equal(ifp->kind, "");
			assert_int_equal(ifp->vlan_id, 0);
			continue;
		}
		assert_true(json_object_object_get_ex(li, "info_kind", &v));
		assert_string_equal(ifp->kind, json_object_get_string(v));
		if (strcmp(ifp->kind, "vlan") != 0)
			continue;
		assert_true(json_object_object_get_ex(li, "info_data", &data));
		assert_true(json_object_object_get_ex(data, "id", &v));
		assert_int_equal(json_object_get_int(v), ifp->vlan_id);
		assert_true(json_object_object_get_ex(data, "protocol", &v));
		if (!strcasecmp(json_object_get_string(v), "802.1Q"))
			assert_int_equal(ifp->vlan_proto, 0x8100);
		else if (!strcmp(json_object_get_string(v), "802.1ad"))
			assert_int_equal(ifp->vlan_proto, 0x88a8);
		else
			fail_msg("%s: unexpected protocol %s", ifp->name, json_object_get_string(v));
	}
	json_object_put(arr);
	free(text);
}

static void
test_vlan_handmade(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	char err[256];

	(void)state;
	build_vlans(m);
	if (er_netlink_parse(m->u.b, m->len, obs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	er_observed_finalize(obs);
	fx_golden(obs, "netlink/handmade/link-vlan.expected");
	check_against_ip_json(obs, "netlink/handmade/link-vlan.ip.json");
	er_observed_unref(obs);
	free(m);
}

/* Qdisc kinds and classifiers this kernel cannot load, one interface each. */
static void
build_tc_kinds(struct mb *m)
{
	static const char *const names[] = { NULL, "p-ef", "p-band2", "fqc", "h-flower", "h-basic", "ets-ef",
		"ets-nostrict", "h-chain", "hfsc", "h-inv", "h-v6" };
	int i;

	for (i = 1; i < (int)ARRAY_SIZE(names); i++)
		mb_link(m, i, names[i], 1500, IF_OPER_UP, "veth", 0);
	mb_done(m);
	/* prio: EF into band 1 (1:1) counts, into band 2 not. */
	mb_qdisc(m, 1, H(1, 0), "prio");
	mb_qdisc(m, 2, H(1, 0), "prio");
	mb_qdisc(m, 3, 0, "fq_codel");
	mb_qdisc(m, 4, H(1, 0), "htb");
	mb_qdisc(m, 5, H(1, 0), "htb");
	mb_ets(m, 6, H(1, 0), 4, 1);
	mb_ets(m, 7, H(1, 0), 4, 0);
	mb_qdisc(m, 8, H(1, 0), "htb");
	mb_qdisc(m, 9, H(1, 0), "hfsc");
	mb_qdisc(m, 10, H(1, 0), "htb");
	mb_qdisc(m, 11, H(1, 0), "htb");
	mb_done(m);
	for (i = 4; i <= 11; i++) {
		if (i == 6 || i == 7 || i == 9)
			continue;
		mb_htb_class(m, i, H(1, 1), TC_H_ROOT, 1000000000ull, 0);
		mb_htb_class(m, i, H(1, 10), H(1, 1), 200000000ull, 1);
		mb_htb_class(m, i, H(1, 20), H(1, 1), 800000000ull, 2);
		mb_done(m);
	}
	mb_u32(m, 1, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 1));
	mb_done(m);
	mb_u32(m, 2, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 2));
	mb_done(m);
	mb_flower(m, 4, H(1, 0), 0, 0xb8, 0xfc, H(1, 10));
	mb_done(m);
	mb_basic(m, 5, H(1, 0), true, 0xfc, 0xb8, 0, H(1, 10));
	mb_done(m);
	mb_basic(m, 6, H(1, 0), false, 0x00fc0000, 0x00b80000, 0, H(1, 1));
	mb_done(m);
	mb_u32(m, 7, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 1));
	mb_done(m);
	mb_flower(m, 8, H(1, 0), 1, 0xb8, 0xfc, H(1, 10)); /* chain 1: only via goto */
	mb_done(m);
	mb_u32(m, 9, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 1));
	mb_done(m);
	mb_basic(m, 10, H(1, 0), true, 0xfc, 0xb8, TCF_EM_INVERT, H(1, 10)); /* "not DSCP 46" */
	mb_done(m);
	mb_u32(m, 11, H(1, 0), ETH_P_IPV6, 0x0fc00000, 0x0b800000, H(1, 10));
	mb_done(m);
}

static void
test_tc_handmade(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	char err[256];

	(void)state;
	build_tc_kinds(m);
	if (er_tc_parse(m->u.b, m->len, NULL, obs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	er_observed_finalize(obs);
	fx_golden(obs, "netlink/handmade/tc-kinds.expected");
	er_observed_unref(obs);
	free(m);
}

/* With a config, only its peering interfaces get a queue. */
static void
test_tc_peering_only(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	char *cfgtext = fx_read_data(FX_CONFIG), err[256];
	struct fx fx;

	(void)state;
	fx_load(&fx, cfgtext, NULL);
	mb_link(m, 1, "eth1", 1500, IF_OPER_UP, NULL, 0);
	mb_vlan(m, 2, "eth1.100", IF_OPER_UP, 1, 100, ETH_P_8021Q);
	mb_vlan(m, 3, "eth1.999", IF_OPER_UP, 1, 999, ETH_P_8021Q);
	mb_done(m);
	mb_qdisc(m, 1, 0, "pfifo_fast");
	mb_qdisc(m, 2, H(1, 0), "prio");
	mb_qdisc(m, 3, H(1, 0), "prio");
	mb_done(m);
	mb_u32(m, 2, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 1));
	mb_done(m);
	assert_int_equal(er_tc_parse(m->u.b, m->len, fx.cfg, fx.obs, err, sizeof(err)), 0);
	assert_int_equal(fx.obs->n_queues, 1);
	assert_string_equal(fx.obs->queues[0].ifname, "eth1.100");
	assert_true(fx.obs->queues[0].ef_priority);
	fx_free(&fx);
	free(cfgtext);
	free(m);
}

/*
 * Malformed input
 */

static void
expect_parse_error(const void *buf, size_t len, bool tc, const char *want)
{
	struct er_observed *obs = er_observed_new();
	char err[256] = "";
	int rc = tc ? er_tc_parse(buf, len, NULL, obs, err, sizeof(err)) : er_netlink_parse(buf, len, obs, err, sizeof(err));

	assert_int_equal(rc, -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	/* Nothing half-parsed is left behind. */
	assert_int_equal(obs->n_ifs, 0);
	assert_int_equal(obs->n_neigh, 0);
	assert_int_equal(obs->n_queues, 0);
	er_observed_unref(obs);
}

static void
test_malformed(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct nlattr *a;
	size_t good;
	char *unaligned;
	struct er_observed *obs;
	char err[256];

	(void)state;
	build_vlans(m);
	good = m->len;
	/* Cut in the middle of the last message, and in the middle of a header. */
	expect_parse_error(m->u.b, good - 6, false, "truncated netlink message at byte");
	expect_parse_error(m->u.b, good - 18, false, "truncated netlink message at byte");
	/* A link message whose attribute claims more bytes than there are. */
	m->len = 0;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	a = (struct nlattr *)(void *)(m->u.b + MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg)));
	a->nla_len = 200;
	expect_parse_error(m->u.b, m->len, false, "RTM_NEWLINK at byte 0: link: malformed attribute at byte 0");
	/* IFLA_MTU of two bytes. */
	m->len = 0;
	mb_msg(m, RTM_NEWLINK, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(m->cur, IFLA_IFNAME, "eth0");
	mnl_attr_put_u16(m->cur, IFLA_MTU, 1500);
	mb_end(m);
	expect_parse_error(m->u.b, m->len, false, "IFLA_MTU shorter than 4 bytes");
	/* An interface name without its NUL. */
	m->len = 0;
	mb_msg(m, RTM_NEWLINK, sizeof(struct ifinfomsg));
	mnl_attr_put(m->cur, IFLA_IFNAME, 4, "eth0");
	mb_end(m);
	expect_parse_error(m->u.b, m->len, false, "IFLA_IFNAME not NUL-terminated");
	/* A 5-byte IPv4 address, after a good link. */
	m->len = 0;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	{
		struct ifaddrmsg *ifa = mb_msg(m, RTM_NEWADDR, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 24;
		ifa->ifa_index = 1;
		mnl_attr_put(m->cur, IFA_LOCAL, 5, "\x0a\x00\x00\x01\x00");
		mb_end(m);
	}
	expect_parse_error(m->u.b, m->len, false, "IFA_LOCAL is 5 bytes, not the 4 of an IPv4 address");
	/* A family header that is not there. */
	m->len = 0;
	mb_msg(m, RTM_NEWNEIGH, 0);
	mb_end(m);
	expect_parse_error(m->u.b, m->len, false, "RTM_NEWNEIGH at byte 0: 16 bytes, too short for its 12-byte header");
	/* A u32 selector announcing more keys than it carries. */
	m->len = 0;
	mb_u32_n(m, 1, H(1, 0), ETH_P_IP, 0x00fc0000, 0x00b80000, H(1, 1), 3);
	expect_parse_error(m->u.b, m->len, true, "TCA_U32_SEL shorter than its 3 keys");
	/* A tc message in a link dump. */
	expect_parse_error(m->u.b, m->len, false, "unexpected message type 44");
	/* Interrupted and failed dumps in a replayed buffer. */
	m->len = 0;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	mb_done(m);
	((struct nlmsghdr *)(void *)m->u.b)->nlmsg_flags |= NLM_F_DUMP_INTR;
	expect_parse_error(m->u.b, m->len, false, "dump interrupted (NLM_F_DUMP_INTR)");
	m->len = 0;
	{
		struct nlmsgerr *e = mb_msg(m, NLMSG_ERROR, sizeof(*e));
		e->error = -EPERM;
		mb_end(m);
	}
	expect_parse_error(m->u.b, m->len, true, "NLMSG_ERROR at byte 0: the kernel answered: Operation not permitted");

	/* An odd address is copied, not misread. */
	m->len = 0;
	build_vlans(m);
	unaligned = xcalloc(1, m->len + 1);
	memcpy(unaligned + 1, m->u.b, m->len);
	obs = er_observed_new();
	assert_int_equal(er_netlink_parse(unaligned + 1, m->len, obs, err, sizeof(err)), 0);
	assert_int_equal(obs->n_ifs, 6);
	er_observed_unref(obs);
	free(unaligned);
	free(m);
}

/*
 * Fault injection through a replayed transport
 */

struct replay {
	const char *ans[32]; /* the answer to each request, one datagram */
	size_t len[32];
	size_t n, next;
	bool pending;
	uint32_t seq;
	uint16_t types[32];
};

static int
replay_send(void *arg, const struct nlmsghdr *req, char *err, size_t errlen)
{
	struct replay *r = arg;

	if (r->next >= r->n) {
		snprintf(err, errlen, "no canned answer left");
		return ER_COLLECT_ERROR;
	}
	assert_true(req->nlmsg_flags & NLM_F_DUMP);
	r->types[r->next] = req->nlmsg_type;
	r->seq = req->nlmsg_seq;
	r->pending = true;
	return 0;
}

static long
replay_recv(void *arg, void *buf, size_t len, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct replay *r = arg;
	size_t i = r->next, off = 0;

	(void)deadline_us;
	if (!r->pending) {
		snprintf(err, errlen, "no answer before the deadline");
		return ER_COLLECT_TIMEOUT;
	}
	r->pending = false;
	r->next++;
	assert_true(r->len[i] <= len);
	memcpy(buf, r->ans[i], r->len[i]);
	/* Answers carry the sequence number of the request they answer. */
	while (off < r->len[i]) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)((char *)buf + off);
		nlh->nlmsg_seq = r->seq;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return (long)r->len[i];
}

static void
replay_io(struct er_nl_io *io, struct replay *r)
{
	memset(io, 0, sizeof(*io));
	io->send = replay_send;
	io->recv = replay_recv;
	io->arg = r;
	io->seq = 1000;
}

/* Add the messages built in @p m since @p from as the answer to the next request. */
static void
replay_add(struct replay *r, const struct mb *m, size_t from)
{
	assert_true(r->n < ARRAY_SIZE(r->ans));
	r->ans[r->n] = m->u.b + from;
	r->len[r->n++] = m->len - from;
}

/* An interrupted link dump is read again; only the second, consistent one counts. */
static void
test_dump_intr_restart(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	struct replay r = { 0 };
	struct er_nl_io io;
	char err[256] = "";
	size_t from = 0;

	(void)state;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	mb_link(m, 2, "gone0", 1500, IF_OPER_UP, NULL, 0);
	m->u.h.nlmsg_flags |= NLM_F_DUMP_INTR; /* the first message already says so */
	mb_done(m);
	replay_add(&r, m, from);
	from = m->len;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	mb_link(m, 3, "eth1", 1500, IF_OPER_UP, NULL, 0);
	mb_done(m);
	replay_add(&r, m, from);
	from = m->len;
	mb_addr(m, 3, "172.16.0.1", 30, NULL);
	mb_done(m);
	replay_add(&r, m, from);
	from = m->len;
	mb_done(m);
	replay_add(&r, m, from);
	replay_io(&io, &r);
	assert_int_equal(er_netlink_collect_io(&io, NULL, obs, er_now_us() + 1000000, err, sizeof(err)), ER_COLLECT_OK);
	assert_int_equal(io.dumps, 4);
	assert_int_equal(r.types[0], RTM_GETLINK);
	assert_int_equal(r.types[1], RTM_GETLINK);
	assert_int_equal(r.types[2], RTM_GETADDR);
	assert_int_equal(r.types[3], RTM_GETNEIGH);
	er_observed_finalize(obs);
	assert_null(er_observed_interface(obs, "gone0"));
	assert_non_null(er_observed_interface(obs, "eth1"));
	assert_int_equal(er_observed_interface(obs, "eth1")->n_addrs, 1);
	er_observed_unref(obs);
	free(m);
}

/* A table that never stops changing: a bounded number of tries, then an error. */
static void
test_dump_intr_bounded(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	struct replay r = { 0 };
	struct er_nl_io io;
	char err[256] = "";
	int i;

	(void)state;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	mb_done(m);
	/* Only the NLMSG_DONE is flagged: a flag anywhere in the dump counts. */
	((struct nlmsghdr *)(void *)(m->u.b + m->u.h.nlmsg_len))->nlmsg_flags |= NLM_F_DUMP_INTR;
	for (i = 0; i < ER_NL_DUMP_TRIES + 2; i++)
		replay_add(&r, m, 0);
	replay_io(&io, &r);
	assert_int_equal(er_netlink_collect_io(&io, NULL, obs, er_now_us() + 1000000, err, sizeof(err)),
	    ER_COLLECT_ERROR);
	assert_int_equal(io.dumps, ER_NL_DUMP_TRIES);
	assert_string_equal(err, "RTM_GETLINK dump: 5 interrupted dumps in a row (the table kept changing)");
	assert_int_equal(obs->n_ifs, 0);
	er_observed_unref(obs);
	free(m);
}

/* The kernel refusing a dump: the message names the request and keeps the kernel's words. */
static void
test_dump_kernel_error(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	struct replay r = { 0 };
	struct er_nl_io io;
	char err[256] = "";
	size_t from = 0;

	(void)state;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0);
	mb_done(m);
	replay_add(&r, m, from);
	from = m->len;
	mb_qdisc(m, 1, H(1, 0), "htb");
	mb_done(m);
	replay_add(&r, m, from);
	from = m->len;
	{
		struct nlmsgerr *e = mb_msg(m, NLMSG_ERROR, sizeof(*e));
		e->error = -EOPNOTSUPP;
		m->cur->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
		mnl_attr_put_strz(m->cur, NLMSGERR_ATTR_MSG, "no classes here");
		mb_end(m);
	}
	replay_add(&r, m, from);
	replay_io(&io, &r);
	assert_int_equal(er_tc_collect_io(&io, NULL, obs, er_now_us() + 1000000, err, sizeof(err)), ER_COLLECT_ERROR);
	assert_string_equal(err, "RTM_GETTCLASS dump of eth0: Operation not supported (no classes here)");
	assert_int_equal(obs->n_queues, 0);
	er_observed_unref(obs);
	free(m);
}

/* A dump that never ends in time: the transport's timeout comes through. */
static void
test_dump_timeout_replay(void **state)
{
	struct mb *m = xcalloc(1, sizeof(*m));
	struct er_observed *obs = er_observed_new();
	struct replay r = { 0 };
	struct er_nl_io io;
	char err[256] = "";

	(void)state;
	mb_link(m, 1, "eth0", 1500, IF_OPER_UP, NULL, 0); /* no NLMSG_DONE: more would follow */
	replay_add(&r, m, 0);
	replay_io(&io, &r);
	assert_int_equal(er_netlink_collect_io(&io, NULL, obs, er_now_us() + 1000000, err, sizeof(err)),
	    ER_COLLECT_TIMEOUT);
	assert_string_equal(err, "RTM_GETLINK dump: no answer before the deadline");
	er_observed_unref(obs);
	free(m);
}

/* The real socket honours a deadline already past (no privilege needed). */
static void
test_kernel_deadline(void **state)
{
	struct er_observed *obs = er_observed_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(er_collect_netlink(NULL, obs, er_now_us() - 1, err, sizeof(err)), ER_COLLECT_TIMEOUT);
	assert_string_equal(err, "RTM_GETLINK dump: no answer before the deadline");
	assert_int_equal(er_collect_tc(NULL, obs, er_now_us() - 1, err, sizeof(err)), ER_COLLECT_TIMEOUT);
	assert_int_equal(obs->n_ifs, 0);
	er_observed_unref(obs);
}

/*
 * Namespaces. Everything below that changes the network happens in a
 * child process that has just unshared its network namespace, and checks
 * that it did before running a single command: the namespace, and every
 * link and address in it, disappears when that child exits, whatever path
 * it takes. Nothing is ever named, mounted or left behind.
 */

static int
enter_new_netns(void)
{
	struct stat before, after;

	if (stat("/proc/self/ns/net", &before) < 0 || unshare(CLONE_NEWNET) < 0 ||
	    stat("/proc/self/ns/net", &after) < 0 || before.st_ino == after.st_ino)
		return -1;
	return 0;
}

/* Run a shell script (set -e) in the current namespace; its output into *out when wanted. */
static int
run_sh(const char *script, unsigned timeout_s, char **out)
{
	char *argv[] = { "/bin/sh", "-ec", (char *)script, NULL }, *o = NULL, err[512];
	int rc = er_run_command(argv, er_now_us() + timeout_s * 1000000ull, &o, NULL, err, sizeof(err));

	if (rc != ER_COLLECT_OK)
		fprintf(stderr, "setup failed: %s\n", err);
	if (out)
		*out = o;
	else
		free(o);
	return rc;
}

static const char LIVE_SETUP[] =
	"ip link add va type veth peer name vb\n"
	"ip link set va up\n"
	"ip link set vb up\n"
	"ip link add vc type veth peer name vd\n"
	"ip link set vc mtu 9000 up\n"
	"ip addr add 172.16.0.1/30 dev va\n"
	"ip addr add 2001:db8:1::1/126 dev va nodad\n"
	"ip neigh add 172.16.0.2 lladdr 02:00:00:00:00:02 dev va nud reachable\n"
	"ip neigh add 172.16.0.3 lladdr 02:00:00:00:00:03 dev va nud permanent\n"
	"ip link add vrrp.1 link va type macvlan mode private\n"
	"ip link set vrrp.1 address 00:00:5e:00:01:01 up\n"
	"tc qdisc add dev va root handle 1: htb default 20\n"
	"tc class add dev va parent 1: classid 1:1 htb rate 100mbit\n"
	"tc class add dev va parent 1:1 classid 1:10 htb rate 20mbit ceil 100mbit prio 0\n"
	"tc class add dev va parent 1:1 classid 1:20 htb rate 80mbit ceil 100mbit prio 1\n"
	"tc filter add dev va parent 1: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 1:10\n";

/* Child: collect in a fresh namespace set up by LIVE_SETUP, and write the dump to @p fd. */
static int
live_child(int fd)
{
	struct er_observed *obs;
	char err[256];
	FILE *f;
	int rc;

	if (enter_new_netns() < 0)
		return NETNS_SKIP;
	if (run_sh(LIVE_SETUP, 30, NULL) != ER_COLLECT_OK)
		return 2;
	obs = er_observed_new();
	if ((rc = er_collect_netlink(NULL, obs, er_now_us() + 5000000, err, sizeof(err))) != ER_COLLECT_OK ||
	    (rc = er_collect_tc(NULL, obs, er_now_us() + 5000000, err, sizeof(err))) != ER_COLLECT_OK) {
		dprintf(fd, "collector failed (%d): %s\n", rc, err);
		return 3;
	}
	er_observed_finalize(obs);
	if (!(f = fdopen(fd, "w")))
		return 4;
	er_observed_dump(obs, f);
	fclose(f);
	er_observed_unref(obs);
	return 0;
}

/* Fork, run @p fn(write end) in the child, read what it writes within @p timeout_s; the child's status. */
static int
in_child(int (*fn)(int), unsigned timeout_s, char **text)
{
	unsigned long long deadline = er_now_us() + timeout_s * 1000000ull;
	size_t len = 0, cap = 4096;
	int p[2], status = 0;
	pid_t pid;

	*text = xcalloc(1, cap);
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(p[0]);
		_exit(fn(p[1]));
	}
	assert_true(pid > 0);
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		unsigned long long now = er_now_us();
		ssize_t n;
		if (now >= deadline || poll(&pfd, 1, (int)((deadline - now) / 1000) + 1) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(p[0]);
			fail_msg("child %d gave no answer in %u s: killed", (int)pid, timeout_s);
		}
		if (len + 1024 > cap)
			*text = xreallocarray(*text, cap *= 2, 1);
		if ((n = read(p[0], *text + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	(*text)[len] = '\0';
	close(p[0]);
	/* The pipe closed: the child is exiting; wait for it, still bounded. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (er_now_us() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("child %d did not exit in %u s: killed", (int)pid, timeout_s);
		}
		usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_live_namespace(void **state)
{
	static const char *const want[] = {
		/* veth MACs are random: only their presence is known */
		"interface va oper=up mtu=1500 kind=veth mac=",
		" link=vb\n  addr 172.16.0.1/30\n  addr 2001:db8:1::1/126\n",
		"interface vb oper=up mtu=1500 kind=veth mac=",
		" link=va\n",
		"interface vc oper=lower-layer-down mtu=9000 kind=veth mac=",
		" link=vd\n",
		"interface vd oper=down mtu=1500 kind=veth mac=",
		" link=vc\n",
		"interface vrrp.1 oper=up mtu=1500 kind=macvlan mac=00:00:5e:00:01:01 link=va\n",
		"neigh 172.16.0.2 if=va state=reachable\n",
		"neigh 172.16.0.3 if=va state=permanent\n",
		"queue va qdisc=htb classful=1 ef-priority=1 rate=100000000\n",
		"queue vb qdisc=noqueue classful=0 ef-priority=0 rate=0\n",
	};
	char *text;
	size_t i;
	int rc;

	(void)state;
	if (geteuid() != 0) {
		print_message("live test skipped: needs root for a network namespace\n");
		skip();
	}
	rc = in_child(live_child, 60, &text);
	if (rc == NETNS_SKIP) {
		free(text);
		print_message("live test skipped: cannot create a network namespace\n");
		skip();
	}
	if (rc != 0)
		fail_msg("live child exited %d: %s", rc, text);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(text, want[i]))
			fail_msg("live collection lacks \"%s\"; it was:\n%s", want[i], text);
	free(text);
}

/*
 * Capture (maintainers): record real dumps for the golden tests.
 */

static const char CAPTURE_LINK[] =
	"ip link set lo up\n"
	"ip link add va type veth peer name vb\n"
	"ip link add vc type veth peer name vd\n"
	"ip link add br0 type bridge\n"
	"ip link set va mtu 9000 up\n"
	"ip link set vb mtu 9000 up\n"
	"ip link set vc up\n"
	"ip link set br0 up\n"
	"ip addr add 172.16.0.1/30 dev va\n"
	"ip addr add 192.168.100.129/30 dev va\n"
	"ip addr add 2001:db8:1::1/126 dev va nodad\n"
	"ip addr add 172.16.0.2/30 dev vb\n"
	"ip addr add 10.9.0.1 peer 10.9.0.2/32 dev vc\n"
	"ip addr add 2001:db8:9::1/128 peer 2001:db8:9::2/128 dev vc nodad\n"
	"ip neigh add 172.16.0.2 lladdr 02:00:00:00:00:02 dev va nud permanent\n"
	"ip neigh add 192.168.100.130 lladdr 02:00:00:00:01:30 dev va nud reachable\n"
	"ip neigh add 192.168.100.131 lladdr 02:00:00:00:01:31 dev va nud stale\n"
	"ip neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:02 dev va nud reachable\n"
	"ip neigh add 2001:db8:1::3 lladdr 02:00:00:00:00:03 dev va nud delay\n"
	"ip neigh add 172.16.0.3 dev va nud failed\n"
	"ip neigh add 192.168.100.132 dev va nud incomplete\n"
	"ip neigh add 10.9.0.9 lladdr 02:00:00:00:09:09 dev vc nud noarp\n";

static const char CAPTURE_TC[] =
	"ip link set lo up\n"
	"ip link add t0 type veth peer name t1\n"
	"ip link add t2 type veth peer name t3\n"
	"ip link add t4 type veth peer name t5\n"
	"for d in t0 t1 t2 t3 t4 t5; do ip link set $d up; done\n"
	/* t0: EF (IPv4 and IPv6) into the prio-0 leaf of a 200 Mbit/s htb; an ingress qdisc besides */
	"tc qdisc add dev t0 root handle 1: htb default 20\n"
	"tc class add dev t0 parent 1: classid 1:1 htb rate 200mbit\n"
	"tc class add dev t0 parent 1:1 classid 1:10 htb rate 50mbit ceil 200mbit prio 0\n"
	"tc class add dev t0 parent 1:1 classid 1:20 htb rate 150mbit ceil 200mbit prio 1\n"
	"tc filter add dev t0 parent 1: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 1:10\n"
	"tc filter add dev t0 parent 1: protocol ipv6 prio 2 u32 match ip6 priority 0xb8 0xfc flowid 1:10\n"
	"tc qdisc add dev t0 ingress\n"
	/* t1: EF into a class tied with its sibling (both prio 0): no priority */
	"tc qdisc add dev t1 root handle 2: htb default 20\n"
	"tc class add dev t1 parent 2: classid 2:1 htb rate 100mbit\n"
	"tc class add dev t1 parent 2:1 classid 2:10 htb rate 20mbit ceil 100mbit\n"
	"tc class add dev t1 parent 2:1 classid 2:20 htb rate 80mbit ceil 100mbit\n"
	"tc filter add dev t1 parent 2: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 2:10\n"
	/* t2: 40 Gbit/s (TCA_HTB_RATE64); everything to inner 1:1, whose own filter sends EF on */
	"tc qdisc add dev t2 root handle 1: htb default 20\n"
	"tc class add dev t2 parent 1: classid 1:1 htb rate 40gbit\n"
	"tc class add dev t2 parent 1:1 classid 1:10 htb rate 1gbit ceil 40gbit prio 0\n"
	"tc class add dev t2 parent 1:1 classid 1:20 htb rate 39gbit ceil 40gbit prio 3\n"
	"tc filter add dev t2 parent 1: protocol ip prio 1 u32 match u32 0 0 flowid 1:1\n"
	"tc filter add dev t2 parent 1:1 protocol ip prio 1 u32 match ip tos 0xb8 0xff flowid 1:10\n"
	/* t3: a tbf shaper; t4: pfifo_fast; t5: htb whose only DSCP filter is AF41 (34) */
	"tc qdisc add dev t3 root handle 1: tbf rate 50mbit burst 64kb latency 50ms\n"
	"tc qdisc add dev t4 root pfifo_fast\n"
	"tc qdisc add dev t5 root handle 1: htb\n"
	"tc class add dev t5 parent 1: classid 1:1 htb rate 10mbit\n"
	"tc class add dev t5 parent 1:1 classid 1:10 htb rate 5mbit ceil 10mbit prio 0\n"
	"tc class add dev t5 parent 1:1 classid 1:20 htb rate 5mbit ceil 10mbit prio 1\n"
	"tc filter add dev t5 parent 1: protocol ip prio 1 u32 match ip dsfield 0x88 0xfc flowid 1:10\n";

/*
 * Rule 12: keepalived's use_vmac (a macvlan with the VRRP MAC over the
 * peering interface), an HSRP MAC on an interface itself, and a macvlan
 * with an ordinary MAC.
 */
static const char CAPTURE_VRRP[] =
	"ip link set lo up\n"
	"ip link add pri1 type veth peer name msee1\n"
	"ip link add pri2 type veth peer name msee2\n"
	"ip link add vrrp.10 link pri1 type macvlan mode private\n"
	"ip link set vrrp.10 address 00:00:5e:00:01:0a\n"
	"ip link add mv0 link pri2 type macvlan mode bridge\n"
	"ip link set mv0 address 02:00:00:00:00:10\n"
	"ip link set msee2 address 00:00:0c:07:ac:01\n"
	"for d in pri1 msee1 pri2 msee2 vrrp.10 mv0; do ip link set $d up; done\n";

static const char *capture_dir;

/* Record one case: set up, dump through @p collect into DIR/NAME.bin, and describe it in DIR/NAME.txt. */
static int
capture_case(const char *name, const char *setup, const char *describe,
    int (*collect)(struct er_nl_io *, const struct er_collect_opts *, struct er_observed *, unsigned long long, char *,
        size_t))
{
	char path[1024], err[256], *out = NULL;
	struct er_observed *obs;
	struct er_nl_io io;
	FILE *f;
	int rc;

	if (enter_new_netns() < 0)
		return NETNS_SKIP;
	if (run_sh(setup, 60, NULL) != ER_COLLECT_OK)
		return 2;
	snprintf(path, sizeof(path), "%s/%s.bin", capture_dir, name);
	if (!(f = fopen(path, "wb")) || er_nl_io_kernel(&io, err, sizeof(err)) != ER_COLLECT_OK) {
		fprintf(stderr, "%s: cannot start\n", path);
		return 3;
	}
	io.record = f;
	obs = er_observed_new();
	rc = collect(&io, NULL, obs, er_now_us() + 10000000, err, sizeof(err));
	er_nl_io_close(&io);
	fclose(f);
	er_observed_unref(obs);
	if (rc != ER_COLLECT_OK) {
		fprintf(stderr, "%s: %s\n", name, err);
		return 3;
	}
	snprintf(path, sizeof(path), "%s/%s.txt", capture_dir, name);
	if (run_sh(describe, 30, &out) != ER_COLLECT_OK || !(f = fopen(path, "w")))
		return 4;
	fprintf(f, "# Captured by test_golden_netlink --capture in a fresh network namespace set up with:\n%s\n"
	           "# The namespace as ip(8) and tc(8) showed it:\n%s", setup, out);
	fclose(f);
	free(out);
	return 0;
}

static int
capture_link(int fd)
{
	(void)fd;
	return capture_case("link-veth", CAPTURE_LINK,
	    "echo '$ uname -r'; uname -r; echo '$ ip -d link show'; ip -d link show; echo '$ ip addr show'; ip addr "
	    "show; echo '$ ip neigh show nud all'; ip neigh show nud all",
	    er_netlink_collect_io);
}

static int
capture_vrrp(int fd)
{
	(void)fd;
	return capture_case("link-vrrp", CAPTURE_VRRP,
	    "echo '$ uname -r'; uname -r; echo '$ ip -d link show'; ip -d link show", er_netlink_collect_io);
}

static int
capture_tc(int fd)
{
	(void)fd;
	return capture_case("tc-veth", CAPTURE_TC,
	    "echo '$ uname -r'; uname -r; echo '$ tc qdisc show'; tc qdisc show; for d in t0 t1 t2 t3 t4 t5; do "
	    "echo \"$ tc class show dev $d\"; tc class show dev $d; echo \"$ tc filter show dev $d [parent 1:1]\"; "
	    "tc filter show dev $d; tc filter show dev $d parent 1:1 2>/dev/null || true; done",
	    er_tc_collect_io);
}

/* The child's own status, or the test runner's way of failing. @p only: one case (link-veth, tc-veth, link-vrrp). */
static int
run_capture(const char *dir, const char *only)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} cases[] = { { "link-veth", capture_link }, { "tc-veth", capture_tc }, { "link-vrrp", capture_vrrp } };
	char *text;
	size_t i;
	int rc = 0;

	capture_dir = dir;
	if (geteuid() != 0) {
		fprintf(stderr, "--capture needs root (a network namespace)\n");
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(cases) && !rc; i++) {
		if (only && strcmp(only, cases[i].name) != 0)
			continue;
		rc = in_child(cases[i].fn, 120, &text);
		free(text);
		if (!rc)
			printf("recorded %s/%s.bin\n", dir, cases[i].name);
	}
	if (rc)
		fprintf(stderr, "capture failed (%d)\n", rc);
	else
		printf("now run with ERREADY_UPDATE_GOLDEN=1\n");
	return rc;
}

/*
 * Bench (maintainers): N interfaces (N/2 veth pairs, up, one address
 * each), optionally an htb with an EF class and filter on every one.
 */

static unsigned bench_n;
static bool bench_htb;

static double
ms_since(unsigned long long t0)
{
	return (double)(er_now_us() - t0) / 1000.0;
}

static int
bench_child(int fd)
{
	char script[2048], err[256];
	unsigned long long t0;
	double best_nl = 1e9, best_tc = 1e9;
	int i, rc;

	if (enter_new_netns() < 0)
		return NETNS_SKIP;
	snprintf(script, sizeof(script),
	    "i=0; while [ $i -lt %u ]; do echo \"link add a$i type veth peer name b$i\"; "
	    "echo \"link set a$i up\"; echo \"link set b$i up\"; "
	    "echo \"addr add 10.$((i / 250)).$((i %% 250)).1/30 dev a$i\"; i=$((i + 1)); done | ip -batch -\n"
	    "if [ %d = 1 ]; then i=0; while [ $i -lt %u ]; do for d in a$i b$i; do "
	    "echo \"qdisc add dev $d root handle 1: htb default 20\"; "
	    "echo \"class add dev $d parent 1: classid 1:1 htb rate 1gbit\"; "
	    "echo \"class add dev $d parent 1:1 classid 1:10 htb rate 100mbit ceil 1gbit prio 0\"; "
	    "echo \"class add dev $d parent 1:1 classid 1:20 htb rate 900mbit ceil 1gbit prio 1\"; "
	    "echo \"filter add dev $d parent 1: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 1:10\"; "
	    "done; i=$((i + 1)); done | tc -batch - 2>/dev/null; fi\n",
	    bench_n / 2, bench_htb, bench_n / 2);
	t0 = er_now_us();
	if (run_sh(script, 600, NULL) != ER_COLLECT_OK)
		return 2;
	dprintf(fd, "setup of %u interfaces%s: %.0f ms\n", bench_n, bench_htb ? " with htb" : "", ms_since(t0));
	for (i = 0; i < 5; i++) {
		struct er_observed *obs = er_observed_new();
		double t;
		t0 = er_now_us();
		rc = er_collect_netlink(NULL, obs, er_now_us() + 30000000, err, sizeof(err));
		t = ms_since(t0);
		best_nl = t < best_nl ? t : best_nl;
		if (rc == ER_COLLECT_OK) {
			t0 = er_now_us();
			rc = er_collect_tc(NULL, obs, er_now_us() + 30000000, err, sizeof(err));
			t = ms_since(t0);
			best_tc = t < best_tc ? t : best_tc;
		}
		if (rc != ER_COLLECT_OK) {
			dprintf(fd, "collect failed: %s\n", err);
			return 3;
		}
		if (i == 0) {
			size_t k, ef = 0;
			for (k = 0; k < obs->n_queues; k++)
				ef += obs->queues[k].ef_priority;
			dprintf(fd, "collected %zu interfaces, %zu queues, %zu with EF priority\n", obs->n_ifs,
			    obs->n_queues, ef);
		}
		er_observed_unref(obs);
	}
	dprintf(fd, "best of 5: er_collect_netlink %.2f ms, er_collect_tc %.2f ms\n", best_nl, best_tc);
	return 0;
}

static int
run_bench(unsigned n, bool htb)
{
	char *text;
	int rc;

	bench_n = n;
	bench_htb = htb;
	if (geteuid() != 0) {
		fprintf(stderr, "--bench needs root (a network namespace)\n");
		return 1;
	}
	rc = in_child(bench_child, 900, &text);
	fputs(text, stdout);
	free(text);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_captured),
		cmocka_unit_test(test_vlan_handmade),
		cmocka_unit_test(test_tc_handmade),
		cmocka_unit_test(test_tc_peering_only),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_dump_intr_restart),
		cmocka_unit_test(test_dump_intr_bounded),
		cmocka_unit_test(test_dump_kernel_error),
		cmocka_unit_test(test_dump_timeout_replay),
		cmocka_unit_test(test_kernel_deadline),
		cmocka_unit_test(test_live_namespace),
	};

	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--capture"))
		return run_capture(argv[2], argc == 4 ? argv[3] : NULL);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--bench"))
		return run_bench((unsigned)strtoul(argv[2], NULL, 10), argc == 4 && !strcmp(argv[3], "htb"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
