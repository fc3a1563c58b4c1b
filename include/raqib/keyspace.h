/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Redis key names, built in one place (include/raqib/schema.h lists them, docs/storage.md
 * explains them). Every builder writes into a caller's buffer and returns 0, or -ENAMETOOLONG
 * when it does not fit, or -EINVAL when a name part is not valid (site, agent id).
 *
 * An alert is named by its reference, "<site>:<agent>:<epoch>:<seq>" (global indexes), or by
 * its local reference "<agent>:<epoch>:<seq>" inside its site's keys. None of the parts can hold
 * a ':' (raqib_agent_id_is_valid()), so a reference splits unambiguously.
 */
#ifndef RAQIB_KEYSPACE_H
#define RAQIB_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest site name: letters, digits, '.', '-', '_' (like an agent id), 1 to 32 of them. */
#define RAQIB_SITE_MAX 32
/* An epoch: 16 lower-case hex digits. */
#define RAQIB_EPOCH_HEX 16
/* Room for any key raqib builds. */
#define RAQIB_KEY_MAX 256

bool raqib_site_is_valid(const char *site, size_t len);
bool raqib_epoch_is_valid(const char *epoch, size_t len);

/* "raqib:{s:<site>}:" : the prefix of every key of a site. */
int raqib_key_site(const char *site, char *out, size_t out_len);

/* "raqib:{s:<site>}:in:<agent>" : the agent's stream. */
int raqib_key_stream(const char *site, const char *agent, char *out, size_t out_len);

/* "raqib:{d:<sha256>}:" : the prefix of a document's keys (sha256: 64 hex digits). */
int raqib_key_document(const char *sha256, char *out, size_t out_len);

/* "raqib:{v:<hash>}:" : the prefix of a value's keys (hash: 64 hex digits). */
int raqib_key_value(const char *hash, char *out, size_t out_len);

/*
 * Splits a stream key "raqib:{s:<site>}:in:<agent>" into site and agent (each at least
 * RAQIB_SITE_MAX + 1 and 65 bytes). Returns 0 or -EINVAL.
 */
int raqib_key_parse_stream(const char *key, size_t key_len, char *site, char *agent);

/* The Redis Cluster hash slot of a key (CRC16 of its hash tag, or of the whole key), 0..16383. */
unsigned raqib_key_slot(const char *key, size_t len);

#endif /* RAQIB_KEYSPACE_H */
