/*
 * The nftables query: the ruleset as the kernel dumps it over netlink
 * (NETLINK_NETFILTER, nf_tables), read in this process under the
 * collection deadline and decoded by er_nft_parse() (collect_nft.c).
 *
 * Until issue 17 a child process ran libnftables' `list ruleset` to JSON
 * and parsed that: libnftables cannot be interrupted, so the child was
 * the only way to keep the deadline. Netlink dumps can: every read waits
 * in poll() for at most the time left, so the query runs in process.
 *
 * A consistent picture takes several dumps (chains, sets, each set's
 * elements, counter objects, rules). Every nf_tables message carries the
 * low 16 bits of the ruleset's generation in its nfgenmsg.res_id; the
 * whole series is read again when they differ, and each dump is read
 * again when the kernel flags it NLM_F_DUMP_INTR (nl_dump()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "collect.h"
#include "netlink_attr.h"
#include "netlink_io.h"
#include "netlink_parse.h"
#include "util.h"

/* Room for a request naming a table and a set (NFT_NAME_MAXLEN 256 each). */
union nft_req {
	struct nlmsghdr h;
	char b[1024];
};

static struct nlmsghdr *
nft_req_start(union nft_req *r, uint16_t msg, uint8_t family)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(r, 0, sizeof(*r));
	nlh = mnl_nlmsg_put_header(r->b);
	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

static int
dump_all(struct er_nl_io *io, uint16_t msg, const char *what, char *rbuf, struct nl_buf *out,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	union nft_req r;

	return nl_dump(io, nft_req_start(&r, msg, NFPROTO_UNSPEC), what, rbuf, out, deadline_us, err, errlen);
}

/* Ask for the elements of every set that the NEWSET messages in out[from, to) describe. */
static int
dump_elements(struct er_nl_io *io, size_t from, size_t to, char *rbuf, struct nl_buf *out,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	size_t off = from;

	while (off < to) {
		/* out->p may move as elements are appended: re-read it each time. */
		const void *at = out->p + off;
		const struct nlmsghdr *nlh = at;
		const struct nlattr *tb[NFTA_SET_MAX + 1];
		struct nl_msgpos m = { "NFT_MSG_NEWSET", off, err, errlen };
		struct nfgenmsg nfg;
		const void *attrs;
		size_t alen, step = MNL_ALIGN(nlh->nlmsg_len);
		union nft_req r;
		struct nlmsghdr *req;
		int rc;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSET)) {
			off += step;
			continue;
		}
		if (nl_msg_payload(&m, nlh, &nfg, sizeof(nfg), &attrs, &alen) < 0 ||
		    nl_attr_table(&m, "set", attrs, alen, tb, NFTA_SET_MAX) < 0)
			return ER_COLLECT_ERROR;
		if (!tb[NFTA_SET_TABLE] || !tb[NFTA_SET_NAME]) {
			nl_perr(&m, "a set without a table or a name");
			return ER_COLLECT_ERROR;
		}
		req = nft_req_start(&r, NFT_MSG_GETSETELEM, nfg.nfgen_family);
		if (!mnl_attr_put_check(req, sizeof(r), NFTA_SET_ELEM_LIST_TABLE, mnl_attr_get_payload_len(tb[NFTA_SET_TABLE]),
		        mnl_attr_get_payload(tb[NFTA_SET_TABLE])) ||
		    !mnl_attr_put_check(req, sizeof(r), NFTA_SET_ELEM_LIST_SET, mnl_attr_get_payload_len(tb[NFTA_SET_NAME]),
		        mnl_attr_get_payload(tb[NFTA_SET_NAME]))) {
			nl_perr(&m, "set names too long for a request");
			return ER_COLLECT_ERROR;
		}
		if ((rc = nl_dump(io, req, "NFT_MSG_GETSETELEM dump", rbuf, out, deadline_us, err, errlen)) != ER_COLLECT_OK)
			return rc;
		off += step;
	}
	return ER_COLLECT_OK;
}

/* True when every nf_tables message of @p b names the same ruleset generation. */
static bool
one_generation(const struct nl_buf *b)
{
	size_t off = 0;
	bool seen = false;
	uint16_t gen = 0;

	while (off + sizeof(struct nlmsghdr) <= b->len) {
		const void *at = b->p + off;
		const struct nlmsghdr *nlh = at;
		struct nfgenmsg nfg;

		if (nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES && nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(nfg)) {
			memcpy(&nfg, mnl_nlmsg_get_payload(nlh), sizeof(nfg));
			if (seen && nfg.res_id != gen)
				return false;
			gen = nfg.res_id;
			seen = true;
		}
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return true;
}

static int
dump_ruleset(struct er_nl_io *io, struct nl_buf *out, unsigned long long deadline_us, char *err, size_t errlen)
{
	char *rbuf = xcalloc(1, NL_RECV_SIZE);
	int rc = ER_COLLECT_ERROR, try;

	for (try = 0; try < ER_NL_DUMP_TRIES; try++) {
		size_t sets;

		out->len = 0;
		if ((rc = dump_all(io, NFT_MSG_GETCHAIN, "NFT_MSG_GETCHAIN dump", rbuf, out, deadline_us, err, errlen)) !=
		        ER_COLLECT_OK)
			break;
		sets = out->len;
		if ((rc = dump_all(io, NFT_MSG_GETSET, "NFT_MSG_GETSET dump", rbuf, out, deadline_us, err, errlen)) !=
		        ER_COLLECT_OK ||
		    (rc = dump_elements(io, sets, out->len, rbuf, out, deadline_us, err, errlen)) != ER_COLLECT_OK ||
		    (rc = dump_all(io, NFT_MSG_GETOBJ, "NFT_MSG_GETOBJ dump", rbuf, out, deadline_us, err, errlen)) !=
		        ER_COLLECT_OK ||
		    (rc = dump_all(io, NFT_MSG_GETRULE, "NFT_MSG_GETRULE dump", rbuf, out, deadline_us, err, errlen)) !=
		        ER_COLLECT_OK)
			break;
		if (one_generation(out))
			goto out;
		rc = ER_COLLECT_ERROR;
		snprintf(err, errlen, "the ruleset changed during each of %d reads", ER_NL_DUMP_TRIES);
	}
out:
	free(rbuf);
	return rc;
}

int
er_nft_dump(unsigned long long deadline_us, char **buf, size_t *len, char *err, size_t errlen)
{
	struct er_nl_io io;
	struct nl_buf out = { 0 };
	int rc;

	*buf = NULL;
	*len = 0;
	if ((rc = er_nl_io_kernel_proto(&io, NETLINK_NETFILTER, err, errlen)) != ER_COLLECT_OK)
		return rc;
	rc = dump_ruleset(&io, &out, deadline_us, err, errlen);
	er_nl_io_close(&io);
	if (rc != ER_COLLECT_OK) {
		free(out.p);
		return rc;
	}
	*buf = out.p;
	*len = out.len;
	return ER_COLLECT_OK;
}

int
er_nft_start(struct er_nft_query *q, char *err, size_t errlen)
{
	struct er_nl_io *io = xcalloc(1, sizeof(*io));
	char e[200];
	int rc;

	q->io = NULL;
	if ((rc = er_nl_io_kernel_proto(io, NETLINK_NETFILTER, e, sizeof(e))) != ER_COLLECT_OK) {
		free(io);
		snprintf(err, errlen, "nftables netlink: %s", e);
		return rc;
	}
	q->io = io;
	return ER_COLLECT_OK;
}

int
er_nft_finish(struct er_nft_query *q, struct er_observed *obs, unsigned long long deadline_us, char *err,
    size_t errlen)
{
	struct nl_buf out = { 0 };
	char e[256];
	int rc;

	if (!q->io) {
		snprintf(err, errlen, "nftables netlink: query not started");
		return ER_COLLECT_ERROR;
	}
	rc = dump_ruleset(q->io, &out, deadline_us, e, sizeof(e));
	er_nft_abort(q);
	if (rc == ER_COLLECT_TIMEOUT)
		snprintf(err, errlen, "nftables netlink: no answer before the deadline");
	else if (rc != ER_COLLECT_OK)
		snprintf(err, errlen, "nftables netlink: %s", e);
	else if (er_nft_parse(out.p, out.len, obs, err, errlen) < 0)
		rc = ER_COLLECT_ERROR;
	free(out.p);
	return rc;
}

void
er_nft_abort(struct er_nft_query *q)
{
	if (q->io) {
		er_nl_io_close(q->io);
		free(q->io);
	}
	q->io = NULL;
}

int
er_collect_nft(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	struct er_nft_query q;
	int rc;

	(void)o;
	if (er_ms_left(deadline_us) == 0) {
		snprintf(err, errlen, "nftables netlink: no time left before the deadline");
		return ER_COLLECT_TIMEOUT;
	}
	if ((rc = er_nft_start(&q, err, errlen)) != ER_COLLECT_OK)
		return rc;
	return er_nft_finish(&q, obs, deadline_us, err, errlen);
}
