#include "alerts.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct held {
	struct er_event ev;
	uint64_t due_ms;
};

struct er_alerts {
	uint32_t hold_ms, queue_size, rate;
	double burst; /* bucket size: a tenth of a second's worth, so receivers are not flooded */
	struct held *held; /* waiting for their hold-down, in arrival order */
	size_t n_held, cap_held;
	struct er_event *ring; /* ready to send */
	size_t head, n_ring, cap_ring;
	double tokens;
	uint64_t refill_ms;
	bool overflow_logged;
	struct er_alerts_stats st;
};

struct er_alerts *
er_alerts_new(void)
{
	struct er_alerts *a = xcalloc(1, sizeof(*a));

	er_alerts_configure(a, 10, 1000, 100);
	a->tokens = a->burst;
	return a;
}

void
er_alerts_free(struct er_alerts *a)
{
	if (!a)
		return;
	free(a->held);
	free(a->ring);
	free(a);
}

static void
ring_resize(struct er_alerts *a, size_t cap)
{
	struct er_event *v = xcalloc(cap, sizeof(*v));
	size_t i, keep = a->n_ring < cap ? a->n_ring : cap;
	size_t skip = a->n_ring - keep; /* drop the oldest beyond the new bound */

	for (i = 0; i < keep; i++)
		v[i] = a->ring[(a->head + skip + i) % a->cap_ring];
	a->st.dropped += skip;
	free(a->ring);
	a->ring = v;
	a->cap_ring = cap;
	a->head = 0;
	a->n_ring = keep;
}

void
er_alerts_configure(struct er_alerts *a, uint32_t hold_down_s, uint32_t queue_size, uint32_t rate)
{
	a->hold_ms = hold_down_s * 1000u;
	a->rate = rate ? rate : 1;
	a->burst = a->rate >= 10 ? a->rate / 10.0 : 1.0;
	if (a->tokens > a->burst)
		a->tokens = a->burst;
	if (!queue_size)
		queue_size = 1;
	if (queue_size != a->queue_size) {
		a->queue_size = queue_size;
		ring_resize(a, queue_size);
	}
}

static void
enqueue(struct er_alerts *a, const struct er_event *ev)
{
	if (a->n_ring == a->cap_ring) {
		a->head = (a->head + 1) % a->cap_ring;
		a->n_ring--;
		a->st.dropped++;
		if (!a->overflow_logged)
			log_warnx("alert queue full (%u): dropping the oldest alerts", a->queue_size);
		a->overflow_logged = true;
	}
	a->ring[(a->head + a->n_ring) % a->cap_ring] = *ev;
	a->n_ring++;
	a->st.queued++;
}

/* Events about the same thing share a key; a later one updates or cancels an earlier one. */
static bool
same_subject(const struct er_event *x, const struct er_event *y)
{
	bool xr = x->kind == ER_EV_REDUNDANCY_LOST || x->kind == ER_EV_REDUNDANCY_RESTORED;
	bool yr = y->kind == ER_EV_REDUNDANCY_LOST || y->kind == ER_EV_REDUNDANCY_RESTORED;

	if (xr != yr || (!xr && x->kind != y->kind))
		return false;
	if (strcmp(x->circuit, y->circuit))
		return false;
	switch (x->kind) {
	case ER_EV_READINESS_CHANGED:
		return true;
	case ER_EV_CHECK_STATUS_CHANGED:
		return !strcmp(x->check_id, y->check_id);
	case ER_EV_BGP_SESSION_CHANGED:
		return x->peering == y->peering && x->path == y->path && !memcmp(&x->neighbor, &y->neighbor, sizeof(x->neighbor));
	default:
		return x->peering == y->peering;
	}
}

/* @p ev undoes @p h: the subject is back where it was before @p h. */
static bool
reverts(const struct held *h, const struct er_event *ev)
{
	if (h->ev.kind == ER_EV_REDUNDANCY_LOST || h->ev.kind == ER_EV_REDUNDANCY_RESTORED)
		return h->ev.kind != ev->kind;
	if (h->ev.kind == ER_EV_BGP_SESSION_CHANGED) /* sessions change across Established only */
		return (ev->new_value == ER_BGP_ESTABLISHED) == (h->ev.old_value == ER_BGP_ESTABLISHED);
	return ev->new_value == h->ev.old_value;
}

static void
held_remove(struct er_alerts *a, size_t j)
{
	memmove(&a->held[j], &a->held[j + 1], (a->n_held - j - 1) * sizeof(*a->held));
	a->n_held--;
}

void
er_alerts_push(struct er_alerts *a, const struct er_event_list *evs, uint64_t now_ms)
{
	size_t i, j;

	for (i = 0; i < evs->n; i++) {
		const struct er_event *ev = &evs->v[i];
		bool merged = false;

		if (ev->maintenance) {
			/* nothing for a circuit in maintenance, not even what was held before it */
			for (j = 0; j < a->n_held; j++) {
				if (!same_subject(&a->held[j].ev, ev))
					continue;
				held_remove(a, j);
				a->st.suppressed++;
				break;
			}
			a->st.suppressed++;
			continue;
		}
		for (j = 0; j < a->n_held; j++) {
			struct held *h = &a->held[j];
			if (!same_subject(&h->ev, ev))
				continue;
			if (reverts(h, ev)) {
				a->st.cancelled += 2;
				held_remove(a, j);
			} else {
				/* a further change: report old -> newest once it holds */
				int old = h->ev.old_value;
				h->ev = *ev;
				if (ev->kind != ER_EV_REDUNDANCY_LOST && ev->kind != ER_EV_REDUNDANCY_RESTORED)
					h->ev.old_value = old;
				h->due_ms = now_ms + a->hold_ms;
			}
			merged = true;
			break;
		}
		if (merged)
			continue;
		if (!a->hold_ms) {
			enqueue(a, ev);
			continue;
		}
		ER_GROW(a->held, a->n_held, a->cap_held);
		a->held[a->n_held].ev = *ev;
		a->held[a->n_held].due_ms = now_ms + a->hold_ms;
		a->n_held++;
	}
}

static void
release_due(struct er_alerts *a, uint64_t now_ms)
{
	size_t i = 0, k = 0;

	for (i = 0; i < a->n_held; i++) {
		if (a->held[i].due_ms <= now_ms)
			enqueue(a, &a->held[i].ev);
		else
			a->held[k++] = a->held[i];
	}
	a->n_held = k;
}

static void
refill(struct er_alerts *a, uint64_t now_ms)
{
	if (now_ms > a->refill_ms) {
		a->tokens += (double)(now_ms - a->refill_ms) * a->rate / 1000.0;
		if (a->tokens > a->burst)
			a->tokens = a->burst;
	}
	a->refill_ms = now_ms;
}

bool
er_alerts_pop(struct er_alerts *a, uint64_t now_ms, struct er_event *out)
{
	release_due(a, now_ms);
	refill(a, now_ms);
	if (!a->n_ring || a->tokens < 1.0)
		return false;
	*out = a->ring[a->head];
	a->head = (a->head + 1) % a->cap_ring;
	a->n_ring--;
	a->tokens -= 1.0;
	a->st.sent++;
	if (!a->n_ring)
		a->overflow_logged = false;
	return true;
}

void
er_alerts_unpop(struct er_alerts *a, const struct er_event *ev)
{
	if (a->n_ring == a->cap_ring) {
		a->st.dropped++;
		return;
	}
	a->head = (a->head + a->cap_ring - 1) % a->cap_ring;
	a->ring[a->head] = *ev;
	a->n_ring++;
	a->st.sent--;
	a->tokens += 1.0;
}

uint64_t
er_alerts_next_ms(const struct er_alerts *a, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	if (a->n_ring) {
		double missing = 1.0 - a->tokens;
		next = missing <= 0 ? now_ms : now_ms + (uint64_t)(missing * 1000.0 / a->rate) + 1;
	}
	for (i = 0; i < a->n_held; i++)
		if (a->held[i].due_ms < next)
			next = a->held[i].due_ms;
	return next;
}

size_t
er_alerts_pending(const struct er_alerts *a)
{
	return a->n_held + a->n_ring;
}

void
er_alerts_stats(const struct er_alerts *a, struct er_alerts_stats *st)
{
	*st = a->st;
}
