// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flow table (see flow_table.h): a chained hash over canonical 5-tuples plus one doubly linked
 * LRU list per timeout class, most recent at the head. Flows of a class share one timeout, so
 * expiry walks each list from its tail and stops at the first flow still active: its cost is
 * the number of flows released. A flow changing class (a TCP handshake completing, a FIN) moves
 * to the head of its new list, which keeps every list ordered by last activity.
 */
#include "flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct flow_table {
	struct flow **buckets;
	size_t n_buckets; /* a power of two */
	size_t count;
	size_t max_flows;
	struct flow *lru_head[FLOW_CLASS_COUNT], *lru_tail[FLOW_CLASS_COUNT];
	flow_release_fn release;
	void *release_ctx;
	struct flow_table_stats stats;
	uint64_t clock_us; /* latest time seen: capture files may step back, the LRU order may not */
};

/*
 * A multiply-xorshift hash over the key's 64-bit words (the key has no uninitialised padding:
 * flow_key_make zeroes it). Byte-wise FNV-1a cost 40 multiplications per packet; this costs 5.
 */
static size_t hash_key(const struct flow_key *key)
{
	uint64_t w[sizeof(*key) / 8], h = 0x9e3779b97f4a7c15ull;

	_Static_assert(sizeof(*key) % 8 == 0, "flow_key is a whole number of words");
	memcpy(w, key, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (size_t)h;
}

struct flow_table *flow_table_new(size_t max_flows, flow_release_fn release, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_buckets = 256;
	while (t->n_buckets < max_flows && t->n_buckets < (1u << 22))
		t->n_buckets <<= 1;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->max_flows = max_flows ? max_flows : 1;
	t->release = release;
	t->release_ctx = ctx;
	return t;
}

void flow_key_make(struct flow_key *key, uint8_t family, uint8_t proto, const uint8_t *src,
		   uint16_t sport, const uint8_t *dst, uint16_t dport, size_t addr_len)
{
	int cmp = memcmp(src, dst, addr_len);
	bool src_lo = cmp < 0 || (cmp == 0 && sport <= dport);

	memset(key, 0, sizeof(*key));
	key->family = family;
	key->proto = proto;
	memcpy(key->addr_lo, src_lo ? src : dst, addr_len);
	memcpy(key->addr_hi, src_lo ? dst : src, addr_len);
	key->port_lo = src_lo ? sport : dport;
	key->port_hi = src_lo ? dport : sport;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head[f->cls] = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail[f->cls] = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push_head(struct flow_table *t, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = t->lru_head[f->cls];
	if (t->lru_head[f->cls])
		t->lru_head[f->cls]->lru_prev = f;
	t->lru_head[f->cls] = f;
	if (!t->lru_tail[f->cls])
		t->lru_tail[f->cls] = f;
}

static void unlink_and_free(struct flow_table *t, struct flow *f, enum flow_end why)
{
	struct flow **link = &t->buckets[hash_key(&f->key) & (t->n_buckets - 1)];

	if (t->release)
		t->release(t->release_ctx, f, why);
	while (*link && *link != f)
		link = &(*link)->hash_next;
	if (*link)
		*link = f->hash_next;
	lru_unlink(t, f);
	t->count--;
	free(f);
}

/* The least recently active flow of all classes. */
static struct flow *oldest(const struct flow_table *t)
{
	struct flow *victim = NULL;

	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		struct flow *f = t->lru_tail[c];

		if (f && (!victim || f->last_us < victim->last_us))
			victim = f;
	}
	return victim;
}

/*
 * The flow to evict at the bound: closed connections first (their owners are done with them),
 * then the least recently active flow of any class.
 */
static struct flow *eviction_victim(const struct flow_table *t)
{
	return t->lru_tail[FLOW_CLASS_TCP_CLOSED] ?: oldest(t);
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key, const uint8_t *src,
			    uint16_t sport, const uint8_t *dst, uint16_t dport, uint64_t now_us,
			    bool *created)
{
	size_t b = hash_key(key) & (t->n_buckets - 1);
	size_t addr_len = key->family == AF_INET ? 4 : 16;
	struct flow *f;

	*created = false;
	if (now_us > t->clock_us)
		t->clock_us = now_us;
	for (f = t->buckets[b]; f; f = f->hash_next) {
		if (memcmp(&f->key, key, sizeof(*key)) == 0) {
			lru_unlink(t, f);
			lru_push_head(t, f);
			f->last_us = t->clock_us;
			return f;
		}
	}
	if (t->count >= t->max_flows) {
		struct flow *victim = eviction_victim(t);

		if (victim) {
			t->stats.evicted++;
			unlink_and_free(t, victim, FLOW_END_EVICTED);
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *key;
	memcpy(f->client_addr, src, addr_len);
	memcpy(f->server_addr, dst, addr_len);
	f->client_port = sport;
	f->server_port = dport;
	f->first_us = now_us;
	f->last_us = t->clock_us;
	f->cls = FLOW_CLASS_OTHER;
	f->hash_next = t->buckets[b];
	t->buckets[b] = f;
	lru_push_head(t, f);
	t->count++;
	t->stats.created++;
	*created = true;
	return f;
}

struct flow *flow_table_find(const struct flow_table *t, const struct flow_key *key)
{
	struct flow *f = t->buckets[hash_key(key) & (t->n_buckets - 1)];

	while (f && memcmp(&f->key, key, sizeof(*key)) != 0)
		f = f->hash_next;
	return f;
}

enum flow_dir flow_direction(const struct flow *f, const uint8_t *src, uint16_t sport)
{
	size_t addr_len = f->key.family == AF_INET ? 4 : 16;

	if (sport == f->client_port && memcmp(src, f->client_addr, addr_len) == 0)
		return FLOW_DIR_TO_SERVER;
	return FLOW_DIR_TO_CLIENT;
}

void flow_swap_sides(struct flow *f)
{
	uint8_t addr[16];
	uint16_t port = f->client_port;
	uint64_t tmp;

	memcpy(addr, f->client_addr, sizeof(addr));
	memcpy(f->client_addr, f->server_addr, sizeof(addr));
	memcpy(f->server_addr, addr, sizeof(addr));
	f->client_port = f->server_port;
	f->server_port = port;
	tmp = f->bytes[0];
	f->bytes[0] = f->bytes[1];
	f->bytes[1] = tmp;
	tmp = f->packets[0];
	f->packets[0] = f->packets[1];
	f->packets[1] = tmp;
	tmp = f->payload_bytes[0];
	f->payload_bytes[0] = f->payload_bytes[1];
	f->payload_bytes[1] = tmp;
	f->fin_seen = (uint8_t)(((f->fin_seen & 1) << 1) | ((f->fin_seen >> 1) & 1));
	/* bursts are client uploads: what was counted as such came from the other side */
	memset(&f->cur_burst, 0, sizeof(f->cur_burst));
	f->n_bursts = 0;
	f->bursts_seen = 0;
}

/* Keeps burst b among the FLOW_BURSTS_MAX largest, largest first. */
static void keep_burst(struct flow *f, const struct flow_burst *b)
{
	uint32_t i;

	f->bursts_seen++;
	if (f->n_bursts == FLOW_BURSTS_MAX && f->bursts[FLOW_BURSTS_MAX - 1].bytes >= b->bytes)
		return;
	if (f->n_bursts < FLOW_BURSTS_MAX)
		f->n_bursts++;
	for (i = f->n_bursts - 1; i > 0 && f->bursts[i - 1].bytes < b->bytes; i--)
		f->bursts[i] = f->bursts[i - 1];
	f->bursts[i] = *b;
}

void flow_end_burst(struct flow *f)
{
	if (f->cur_burst.bytes >= FLOW_BURST_MIN_BYTES)
		keep_burst(f, &f->cur_burst);
	memset(&f->cur_burst, 0, sizeof(f->cur_burst));
}

void flow_account(struct flow *f, enum flow_dir dir, uint64_t wire_len, uint64_t payload_len,
		  uint64_t now_us)
{
	struct flow_burst *b = &f->cur_burst;

	f->bytes[dir] += wire_len;
	f->packets[dir]++;
	f->payload_bytes[dir] += payload_len;
	if (dir != FLOW_DIR_TO_SERVER || payload_len == 0)
		return;
	/* capture files may go back in time: a step back also ends the burst */
	if (b->bytes && (now_us < b->end_us || now_us - b->end_us > FLOW_BURST_GAP_US))
		flow_end_burst(f);
	if (!b->bytes)
		b->start_us = now_us;
	b->end_us = now_us;
	b->bytes += payload_len;
	b->packets++;
}

static void set_class(struct flow_table *t, struct flow *f, enum flow_class cls)
{
	if (f->cls == cls)
		return;
	lru_unlink(t, f);
	f->cls = (uint8_t)cls;
	lru_push_head(t, f);
}

void flow_table_tcp_update(struct flow_table *t, struct flow *f, enum flow_dir dir, uint8_t flags)
{
	enum flow_tcp_state s = f->tcp_state;

	if (flags & TH_RST) {
		s = FLOW_TCP_CLOSED;
	} else if (flags & TH_FIN) {
		f->fin_seen |= (uint8_t)(1u << dir);
		s = f->fin_seen == 3 ? FLOW_TCP_CLOSED : FLOW_TCP_CLOSING;
	} else if (s == FLOW_TCP_NONE) {
		if ((flags & (TH_SYN | TH_ACK)) == TH_SYN)
			s = FLOW_TCP_SYN_SENT;
		else if (flags & TH_SYN)
			s = FLOW_TCP_SYN_RECEIVED;
		else
			s = FLOW_TCP_ESTABLISHED; /* picked up in its middle */
	} else if (s == FLOW_TCP_SYN_SENT && (flags & TH_SYN) && (flags & TH_ACK) &&
		   dir == FLOW_DIR_TO_CLIENT) {
		s = FLOW_TCP_SYN_RECEIVED;
	} else if (s == FLOW_TCP_SYN_RECEIVED && !(flags & TH_SYN) && (flags & TH_ACK) &&
		   dir == FLOW_DIR_TO_SERVER) {
		s = FLOW_TCP_ESTABLISHED;
	} else if (s == FLOW_TCP_CLOSED && (flags & TH_SYN) && !(flags & TH_ACK)) {
		/* the 5-tuple reused by a new connection */
		f->fin_seen = 0;
		s = FLOW_TCP_SYN_SENT;
	}
	f->tcp_state = (uint8_t)s;
	switch (s) {
	case FLOW_TCP_SYN_SENT:
	case FLOW_TCP_SYN_RECEIVED:
		set_class(t, f, FLOW_CLASS_TCP_NEW);
		break;
	case FLOW_TCP_ESTABLISHED:
	case FLOW_TCP_CLOSING:
		set_class(t, f, FLOW_CLASS_TCP_ESTABLISHED);
		break;
	case FLOW_TCP_CLOSED:
		set_class(t, f, FLOW_CLASS_TCP_CLOSED);
		break;
	case FLOW_TCP_NONE:
		break;
	}
}

const char *flow_tcp_state_name(enum flow_tcp_state state)
{
	static const char *const names[] = {
		[FLOW_TCP_NONE] = "none",
		[FLOW_TCP_SYN_SENT] = "syn_sent",
		[FLOW_TCP_SYN_RECEIVED] = "syn_received",
		[FLOW_TCP_ESTABLISHED] = "established",
		[FLOW_TCP_CLOSING] = "closing",
		[FLOW_TCP_CLOSED] = "closed",
	};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "none";
}

void flow_table_expire_classes(struct flow_table *t, uint64_t now_us,
			       const uint64_t idle_us[FLOW_CLASS_COUNT])
{
	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		while (t->lru_tail[c] && t->lru_tail[c]->last_us + idle_us[c] < now_us) {
			t->stats.expired++;
			unlink_and_free(t, t->lru_tail[c], FLOW_END_EXPIRED);
		}
	}
}

void flow_table_expire(struct flow_table *t, uint64_t now_us, uint64_t idle_us)
{
	uint64_t idle[FLOW_CLASS_COUNT];

	for (int c = 0; c < FLOW_CLASS_COUNT; c++)
		idle[c] = idle_us;
	flow_table_expire_classes(t, now_us, idle);
}

void flow_table_foreach(struct flow_table *t, void (*fn)(void *ctx, struct flow *flow), void *ctx)
{
	for (int c = 0; c < FLOW_CLASS_COUNT; c++)
		for (struct flow *f = t->lru_head[c]; f; f = f->lru_next)
			fn(ctx, f);
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
	t->stats.closed++;
	unlink_and_free(t, f, FLOW_END_CLOSED);
}

void flow_table_drain(struct flow_table *t)
{
	struct flow *f;

	while ((f = oldest(t)))
		unlink_and_free(t, f, FLOW_END_DRAINED);
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	flow_table_drain(t);
	free(t->buckets);
	free(t);
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *stats)
{
	*stats = t->stats;
	stats->flows = t->count;
}

bool flow_table_check(const struct flow_table *t)
{
	size_t in_hash = 0, in_lru = 0;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (const struct flow *f = t->buckets[i]; f; f = f->hash_next) {
			if ((hash_key(&f->key) & (t->n_buckets - 1)) != i)
				return false;
			in_hash++;
		}
	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		const struct flow *prev = NULL;

		for (const struct flow *f = t->lru_head[c]; f; f = f->lru_next) {
			/* linked both ways, in its class, ordered by last activity */
			if (f->lru_prev != prev || f->cls != c ||
			    (prev && prev->last_us < f->last_us))
				return false;
			prev = f;
			in_lru++;
		}
		if (prev != t->lru_tail[c])
			return false;
	}
	return in_hash == t->count && in_lru == t->count && t->count <= t->max_flows;
}
