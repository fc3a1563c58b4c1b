// SPDX-License-Identifier: GPL-2.0-only
/*
 * Agent keys on the collector's side (see keystore.h): a small cache in front of the keys
 * directory, and the checks that make a forged or altered alert a dead letter.
 */
#include "keystore.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "raqib/keys.h"

/* How long a key (or its absence) is trusted before the file is read again. */
#define CACHE_MS 60000

struct cached_key {
	char agent_id[65];
	bool present;
	int error; /* when !present: -ENOENT, -EPERM, -EINVAL */
	char reason[160]; /* when !present: why, for every entry refused until it changes */
	struct raqib_key key;
	uint64_t loaded_ms;
};

struct keystore {
	char dir[4096];
	char value_key_id[RAQIB_KEY_ID_HEX_BYTES];
	bool has_value_key;
	struct raqib_key collector_key;
	bool has_collector_key;
	struct cached_key *keys;
	size_t n, cap;
	/* open addressing over keys: index + 1, 0 for empty; 2 * cap slots (a power of two) */
	uint32_t *slots;
	size_t n_slots;
};

/* FNV-1a of an agent id. */
static uint32_t hash_id(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h;
}

static void index_add(struct keystore *ks, size_t i)
{
	size_t mask = ks->n_slots - 1, at = hash_id(ks->keys[i].agent_id) & mask;

	while (ks->slots[at])
		at = (at + 1) & mask;
	ks->slots[at] = (uint32_t)(i + 1);
}

/* Rebuilds the index for the current capacity. 0 or -ENOMEM. */
static int index_rebuild(struct keystore *ks)
{
	size_t n_slots = 16;
	uint32_t *slots;

	while (n_slots < 2 * ks->cap)
		n_slots *= 2;
	slots = calloc(n_slots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(ks->slots);
	ks->slots = slots;
	ks->n_slots = n_slots;
	for (size_t i = 0; i < ks->n; i++)
		index_add(ks, i);
	return 0;
}

static struct cached_key *index_find(const struct keystore *ks, const char *agent_id)
{
	size_t mask, at;

	if (!ks->n_slots)
		return NULL;
	mask = ks->n_slots - 1;
	for (at = hash_id(agent_id) & mask; ks->slots[at]; at = (at + 1) & mask)
		if (strcmp(ks->keys[ks->slots[at] - 1].agent_id, agent_id) == 0)
			return &ks->keys[ks->slots[at] - 1];
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct keystore *keystore_new(const char *dir, char *err, size_t err_len)
{
	struct keystore *ks = calloc(1, sizeof(*ks));
	struct raqib_key key;
	char path[4096 + 32];
	int rc;

	if (!ks) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	snprintf(ks->dir, sizeof(ks->dir), "%s", raqib_keys_dir(dir));
	if (raqib_deployment_key_path(ks->dir, path, sizeof(path))) {
		snprintf(err, err_len, "keys directory '%s': name too long", ks->dir);
		goto err_free;
	}
	rc = raqib_key_load(path, &key, err, err_len);
	if (rc == 0) {
		raqib_key_id(&key, ks->value_key_id);
		raqib_key_wipe(&key);
		ks->has_value_key = true;
	} else if (rc != -ENOENT) {
		goto err_free;
	}
	return ks;

err_free:
	free(ks);
	return NULL;
}

void keystore_free(struct keystore *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		raqib_key_wipe(&ks->keys[i].key);
	raqib_key_wipe(&ks->collector_key);
	free(ks->slots);
	free(ks->keys);
	free(ks);
}

const char *keystore_dir(const struct keystore *ks)
{
	return ks->dir;
}

const char *keystore_value_key_id(const struct keystore *ks)
{
	return ks->has_value_key ? ks->value_key_id : NULL;
}

/* The cache entry of agent_id, read (again) from the directory when missing or stale. */
static struct cached_key *lookup(struct keystore *ks, const char *agent_id, char *reason,
				 size_t reason_len)
{
	struct cached_key *c = NULL;
	uint64_t now = mono_ms();
	char path[4096 + 80];

	c = index_find(ks, agent_id);
	if (c && now - c->loaded_ms < CACHE_MS)
		return c;
	if (!c) {
		if (ks->n == ks->cap) {
			size_t cap = ks->cap ? 2 * ks->cap : 16;
			struct cached_key *keys = reallocarray(ks->keys, cap, sizeof(*keys));

			if (!keys) {
				snprintf(reason, reason_len, "out of memory");
				return NULL;
			}
			ks->keys = keys;
			ks->cap = cap;
			if (index_rebuild(ks)) {
				snprintf(reason, reason_len, "out of memory");
				return NULL;
			}
		}
		c = &ks->keys[ks->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->agent_id, sizeof(c->agent_id), "%s", agent_id);
		index_add(ks, ks->n - 1);
	}
	c->loaded_ms = now;
	c->present = false;
	if (raqib_agent_key_path(ks->dir, agent_id, path, sizeof(path))) {
		c->error = -ENAMETOOLONG;
		return c;
	}
	c->error = raqib_key_load(path, &c->key, c->reason, sizeof(c->reason));
	c->present = c->error == 0;
	return c;
}

int keystore_verify(struct keystore *ks, const struct ingest_head *h, char *reason,
		    size_t reason_len)
{
	char mac[RAQIB_MAC_HEX_BYTES];
	struct cached_key *c = lookup(ks, h->agent_id, reason, reason_len);
	int rc = 0;

	if (!c)
		return -ENOMEM;
	if (!c->present) {
		if (c->error == -ENOENT)
			snprintf(reason, reason_len, "no key for agent '%s' in '%s'", h->agent_id,
				 ks->dir);
		else if (c->error == -ENAMETOOLONG)
			snprintf(reason, reason_len, "key path of agent '%s' is too long",
				 h->agent_id);
		else
			snprintf(reason, reason_len, "%s", c->reason);
		return c->error == -ENOENT ? -ENOKEY : c->error;
	}
	if (h->kind == INGEST_ALERT)
		rc = raqib_alert_mac(&c->key, h->agent_id, h->epoch, h->sequence, h->body,
				     h->body_len, mac);
	else
		rc = raqib_heartbeat_mac(&c->key, h->agent_id, h->body, h->body_len, mac);
	if (rc) {
		snprintf(reason, reason_len, "out of memory");
		return -ENOMEM;
	}
	if (!raqib_mac_equal(mac, h->sig)) {
		snprintf(reason, reason_len,
			 "signature does not match the key of agent '%s': forged or altered",
			 h->agent_id);
		rc = -EBADMSG;
	}
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

int keystore_check_value_key(const struct keystore *ks, const struct ingest_entry *e, char *reason,
			     size_t reason_len)
{
	const char *key_id = json_string_value(
		json_object_get(json_object_get(e->alert, "raqib"), "value_key_id"));

	if (ks->has_value_key && key_id && strcmp(key_id, ks->value_key_id) != 0) {
		snprintf(reason, reason_len,
			 "findings hashed with deployment key %.16s, not this deployment's %s",
			 key_id, ks->value_key_id);
		return -EKEYREJECTED;
	}
	return 0;
}

const struct raqib_key *keystore_collector_key(const struct keystore *ks)
{
	return ks->has_collector_key ? &ks->collector_key : NULL;
}

int keystore_load_collector_key(struct keystore *ks, char *err, size_t err_len)
{
	char path[4096 + 32];
	bool created;
	int rc;

	if (raqib_collector_key_path(ks->dir, path, sizeof(path))) {
		snprintf(err, err_len, "keys directory '%s': name too long", ks->dir);
		return -ENAMETOOLONG;
	}
	rc = raqib_key_load_or_create(path, &ks->collector_key, &created, err, err_len);
	ks->has_collector_key = rc == 0;
	return rc;
}
