/*
 * Benchmark (not a test): evaluation time of the whole catalogue for N
 * circuits, each with an Azure private and a Microsoft peering (2N
 * peerings, 4N BGP sessions), every private session advertising 10,000
 * prefixes. Prints figures at the base size (100 circuits = 200
 * peerings / 400 sessions) and at 4x, side by side in one run.
 *
 * usage: bench_eval [circuits ...]   (default: 100 400)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "datastore.h"
#include "eval.h"
#include "util.h"

#define PRIV_PREFIXES 10000
#define RUNS 7

static char *
make_config(int n)
{
	size_t cap = (size_t)n * 2048 + 4096, len = 0;
	char *s = malloc(cap);
	int i;

	len += (size_t)snprintf(s + len, cap - len,
	    "{\"expressroute-readiness:expressroute\":{\"account\":{\"subscription-id\":"
	    "\"0b1f6471-1bf0-4dda-aec3-cb9272f09590\"},\"circuit\":[");
	for (i = 0; i < n; i++) {
		int a = i / 32, b = (i % 32) * 8;
		len += (size_t)snprintf(s + len, cap - len,
		    "%s{\"name\":\"er-%04d\",\"service-key\":\"97f85950-01dd-4d30-a73c-bf683b3a%04x\","
		    "\"provider\":\"Equinix\",\"peering-location\":\"Amsterdam\",\"connectivity-model\":"
		    "\"cloud-exchange-colocation\",\"bandwidth\":10000,\"sku\":{\"tier\":\"premium\",\"family\":"
		    "\"unlimited-data\"},\"provider-provisioning-state\":\"provisioned\",\"vnet-address-space\":"
		    "[\"10.200.0.0/16\"],\"peering\":["
		    "{\"type\":\"azure-private\",\"vlan-id\":100,\"customer-asn\":65010,\"ipv4\":{\"primary-subnet\":"
		    "\"172.16.%d.%d/30\",\"secondary-subnet\":\"172.16.%d.%d/30\"},\"primary-interface\":\"p%d\","
		    "\"secondary-interface\":\"s%d\",\"bfd-expected\":true},"
		    "{\"type\":\"microsoft\",\"vlan-id\":300,\"customer-asn\":23500,\"ipv4\":{\"primary-subnet\":"
		    "\"131.107.%d.%d/30\",\"secondary-subnet\":\"131.107.%d.%d/30\"},\"primary-interface\":\"mp%d\","
		    "\"secondary-interface\":\"ms%d\",\"advertised-public-prefix\":[\"123.%d.%d.0/24\"],"
		    "\"nat-pool\":[\"123.%d.%d.0/29\"]}]}",
		    i ? "," : "", i, i, a, b, a, b + 4, i, i, a, b, a, b + 4, i, i, i / 256, i % 256, i / 256, i % 256);
		if (cap - len < 4096)
			s = realloc(s, cap *= 2);
	}
	snprintf(s + len, cap - len, "]}}");
	return s;
}

static void
session(struct er_bgp_neighbor *nb, const char *addr, const char *local, uint32_t las, int adv, int base)
{
	int k;

	er_addr_parse(addr, &nb->addr);
	er_addr_parse(local, &nb->local);
	nb->remote_as = 12076;
	nb->local_as = las;
	nb->state = ER_BGP_ESTABLISHED;
	nb->hold_time = 180;
	nb->keepalive = 60;
	nb->have_adv = nb->have_rcv = true;
	nb->n_adv = (size_t)adv;
	nb->adv = xcalloc((size_t)adv, sizeof(*nb->adv));
	for (k = 0; k < adv; k++) {
		struct er_route *r = &nb->adv[k];
		r->pfx.addr.family = ER_AF_INET;
		if (adv == 1) {
			r->pfx.addr.bytes[0] = 123;
			r->pfx.addr.bytes[1] = (uint8_t)(base / 256);
			r->pfx.addr.bytes[2] = (uint8_t)(base % 256);
		} else {
			r->pfx.addr.bytes[0] = 10;
			r->pfx.addr.bytes[1] = (uint8_t)(k / 256);
			r->pfx.addr.bytes[2] = (uint8_t)(k % 256);
		}
		r->pfx.len = 24;
	}
	nb->n_rcv = 8;
	nb->rcv = xcalloc(nb->n_rcv, sizeof(*nb->rcv));
	for (k = 0; k < 8; k++) {
		nb->rcv[k].pfx.addr.family = ER_AF_INET;
		nb->rcv[k].pfx.addr.bytes[0] = 10;
		nb->rcv[k].pfx.addr.bytes[1] = 200;
		nb->rcv[k].pfx.addr.bytes[2] = (uint8_t)k;
		nb->rcv[k].pfx.len = 24;
	}
}

static void
iface(struct er_interface *ifp, const char *prefix, int i, const char *addr)
{
	snprintf(ifp->name, sizeof(ifp->name), "%s%d", prefix, i);
	ifp->oper = ER_OPER_UP;
	ifp->mtu = 1500;
	ifp->n_addrs = 1;
	ifp->addrs = xcalloc(1, sizeof(*ifp->addrs));
	er_ifaddr_parse(addr, ifp->addrs);
}

static struct er_observed *
make_observed(int n)
{
	struct er_observed *o = er_observed_new();
	char a[64], l[64];
	int i, s;

	for (s = 0; s < ER_SRC_COUNT; s++)
		er_observed_set_status(o, (enum er_source)s, ER_COLL_OK, "bench", 0, NULL);
	o->n_nbrs = (size_t)n * 4;
	o->nbrs = xcalloc(o->n_nbrs, sizeof(*o->nbrs));
	o->n_ifs = (size_t)n * 4;
	o->ifs = xcalloc(o->n_ifs, sizeof(*o->ifs));
	o->n_bfd = (size_t)n * 2;
	o->bfd = xcalloc(o->n_bfd, sizeof(*o->bfd));
	o->n_nat = (size_t)n * 2;
	o->nat = xcalloc(o->n_nat, sizeof(*o->nat));
	o->n_dscp = (size_t)n * 2;
	o->dscp = xcalloc(o->n_dscp, sizeof(*o->dscp));
	o->n_queues = (size_t)n * 2;
	o->queues = xcalloc(o->n_queues, sizeof(*o->queues));
	for (i = 0; i < n; i++) {
		int x = i / 32, y = (i % 32) * 8, p;
		for (p = 0; p < 2; p++) {
			struct er_nat_rule *r = &o->nat[i * 2 + p];
			struct er_dscp_rule *d = &o->dscp[i * 2 + p];
			struct er_queue *q = &o->queues[i * 2 + p];
			int off = y + p * 4;

			snprintf(a, sizeof(a), "172.16.%d.%d", x, off + 2);
			snprintf(l, sizeof(l), "172.16.%d.%d", x, off + 1);
			session(&o->nbrs[i * 4 + p], a, l, 65010, PRIV_PREFIXES, i);
			er_addr_parse(a, &o->bfd[i * 2 + p].peer);
			o->bfd[i * 2 + p].state = ER_BFD_UP;
			snprintf(l + strlen(l), sizeof(l) - strlen(l), "/30");
			iface(&o->ifs[i * 4 + p], p ? "s" : "p", i, l);

			snprintf(a, sizeof(a), "131.107.%d.%d", x, off + 2);
			snprintf(l, sizeof(l), "131.107.%d.%d", x, off + 1);
			session(&o->nbrs[i * 4 + 2 + p], a, l, 23500, 1, i);
			snprintf(l + strlen(l), sizeof(l) - strlen(l), "/30");
			iface(&o->ifs[i * 4 + 2 + p], p ? "ms" : "mp", i, l);

			snprintf(r->family, sizeof(r->family), "ip");
			snprintf(r->hook, sizeof(r->hook), "postrouting");
			snprintf(r->oif, sizeof(r->oif), "%s%d", p ? "ms" : "mp", i);
			r->action = ER_NAT_SNAT;
			r->n_xlat = 1;
			r->xlat = xcalloc(1, sizeof(*r->xlat));
			snprintf(a, sizeof(a), "123.%d.%d.0/29", i / 256, i % 256);
			er_prefix_parse(a, true, false, r->xlat);

			snprintf(d->ifname, sizeof(d->ifname), "%s%d", p ? "ms" : "mp", i);
			d->match = ER_DSCP_NOT_IN;
			d->match_set = (1ull << 46) | (1ull << 34) | (1ull << 18) | (1ull << 10) | 1ull;
			snprintf(q->ifname, sizeof(q->ifname), "%s%d", p ? "ms" : "mp", i);
			snprintf(q->qdisc, sizeof(q->qdisc), "htb");
			q->classful = q->ef_priority = true;
		}
	}
	er_observed_finalize(o);
	return o;
}

static int
cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void
bench(int n, double *ms_out)
{
	char err[ER_ERRLEN], *text = make_config(n);
	struct er_ds *ds = er_ds_new(err, sizeof(err));
	const struct er_config *cfg;
	struct er_observed *obs;
	struct er_snapshot *prev = NULL, *s;
	unsigned long long t[RUNS], t0;
	int r;

	if (!ds || er_ds_load_mem(ds, text, ER_FMT_JSON, "bench", err, sizeof(err)) < 0) {
		fprintf(stderr, "bench config: %s\n", err);
		exit(1);
	}
	cfg = er_ds_config(ds);
	obs = make_observed(n);
	for (r = 0; r < RUNS; r++) {
		t0 = er_now_us();
		s = er_evaluate(cfg, obs, prev, (long long)time(NULL));
		t[r] = er_now_us() - t0;
		er_snapshot_unref(prev);
		prev = s;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_ull);
	*ms_out = (double)t[RUNS / 2] / 1000.0;
	printf("%5d circuits  %5d peerings  %5d sessions  %9zu advertised prefixes  %6zu checks  "
	       "median %8.2f ms  (min %.2f, max %.2f)  readiness %s\n",
	    n, n * 2, n * 4, (size_t)n * 2 * PRIV_PREFIXES + (size_t)n * 2, prev->n_results, *ms_out,
	    (double)t[0] / 1000.0, (double)t[RUNS - 1] / 1000.0, er_readiness_name(prev->overall.readiness));
	er_snapshot_unref(prev);
	er_observed_unref(obs);
	er_ds_config_unref(cfg);
	er_ds_free(ds);
	free(text);
}

int
main(int argc, char **argv)
{
	int sizes[8] = { 100, 400 }, n = 2, i;
	double ms[8];
	struct rusage ru;

	if (argc > 1) {
		for (n = 0; n < argc - 1 && n < 8; n++)
			sizes[n] = atoi(argv[n + 1]);
	}
	printf("erready evaluation benchmark: %d runs per size, median reported\n", RUNS);
	for (i = 0; i < n; i++)
		bench(sizes[i], &ms[i]);
	for (i = 1; i < n; i++)
		printf("growth %dx size -> %.2fx time\n", sizes[i] / sizes[0], ms[i] / ms[0]);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld MiB\n", ru.ru_maxrss / 1024);
	return 0;
}
