/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Heartbeats: what an agent says about itself every few seconds (version, rules, sensors
 * attached or degraded, counters of every stage, spool depth, last sequence number). Each part
 * of the agent that has something to say registers a provider, a callback that fills key/value
 * pairs; heartbeat_collect() asks them all, and the outbox writes the result to the Redis hash
 * a signed entry of the agent's stream (see docs/alert-schema.md, "Heartbeats").
 *
 * Keys are lower case, dot-separated by part ("sensor.bpf", "host.opens", "spool.pending").
 * Values are short text; never personal data. Not thread-safe: collect from the thread that
 * owns the providers' data (the event loop).
 */
#ifndef RAQIB_AGENT_HEARTBEAT_H
#define RAQIB_AGENT_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

/* room for the per-rule counters ("rules.shadow.<rule id>", agent.c) besides the stages' */
#define HEARTBEAT_MAX_FIELDS 192
#define HEARTBEAT_KEY_MAX    96
#define HEARTBEAT_VALUE_MAX  160

/* Sensor states, for "sensor.<name>" fields. */
#define HEARTBEAT_SENSOR_ATTACHED "attached"
#define HEARTBEAT_SENSOR_DEGRADED "degraded" /* followed by ": <what is lost>" */

struct heartbeat_field {
	char key[HEARTBEAT_KEY_MAX];
	char value[HEARTBEAT_VALUE_MAX];
};

struct heartbeat_fields {
	size_t n;
	uint64_t dropped; /* fields that did not fit (or were cut): a provider says too much */
	struct heartbeat_field f[HEARTBEAT_MAX_FIELDS];
};

/* Sets key to a formatted value (replacing an earlier value of key). */
void heartbeat_set(struct heartbeat_fields *fields, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void heartbeat_set_u64(struct heartbeat_fields *fields, const char *key, uint64_t value);

/* The value of key, or NULL. */
const char *heartbeat_get(const struct heartbeat_fields *fields, const char *key);

/* Fills fields with what the part behind ctx has to say. */
typedef void (*heartbeat_provider_fn)(void *ctx, struct heartbeat_fields *fields);

struct heartbeat;

struct heartbeat *heartbeat_new(void);
void heartbeat_free(struct heartbeat *heartbeat);

/* Registers a provider; they are asked in order. Returns 0 or -ENOMEM. */
int heartbeat_add_provider(struct heartbeat *heartbeat, heartbeat_provider_fn fn, void *ctx);

/* Removes every provider registered with ctx (a part that goes away before the agent). */
void heartbeat_remove_provider(struct heartbeat *heartbeat, void *ctx);

/* Empties fields and asks every provider. */
void heartbeat_collect(const struct heartbeat *heartbeat, struct heartbeat_fields *fields);

#endif /* RAQIB_AGENT_HEARTBEAT_H */
