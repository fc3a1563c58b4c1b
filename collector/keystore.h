/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's keys (include/raqib/keys.h): every enrolled agent's key, read on demand from
 * the keys directory ("<agent-id>.key"), the deployment key's public id and the collector key.
 * The collector asks only for the agents of its registry (raqib:registry), whose streams it
 * reads, so no entry can make it open a file for an agent id of its choosing. keystore_verify() refuses
 * an entry whose signature was not made with its agent's key (forged, or altered on the way),
 * and an alert whose findings were hashed with another deployment's key (their hashes would
 * match nothing here).
 *
 * Keys are cached for a minute, so a key added or replaced in the directory is picked up
 * without a restart. Not thread-safe.
 */
#ifndef RAQIB_COLLECTOR_KEYSTORE_H
#define RAQIB_COLLECTOR_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

struct keystore;

/*
 * Opens the keys directory dir (NULL: $RAQIB_KEYS, else /etc/raqib/keys). A missing directory
 * is not an error (every agent is then unknown); a deployment key that cannot be read is.
 * Returns NULL with a reason in err.
 */
struct keystore *keystore_new(const char *dir, char *err, size_t err_len);
void keystore_free(struct keystore *ks);

/* The directory used, for messages. */
const char *keystore_dir(const struct keystore *ks);

/* The deployment key's id, or NULL when the directory has none. */
const char *keystore_value_key_id(const struct keystore *ks);

/*
 * Checks the signature of an entry (an alert or a heartbeat) with its agent's key, before
 * anything in it is parsed. Returns 0, or with a one-line reason: -ENOKEY (no key for the
 * agent), -EBADMSG (signature does not match), -EPERM or -EINVAL (a key file unsafe or
 * unreadable), -ENOMEM.
 */
int keystore_verify(struct keystore *ks, const struct ingest_head *head, char *reason,
		    size_t reason_len);

/*
 * Checks the alert's raqib.value_key_id against the deployment key. Returns 0, or
 * -EKEYREJECTED with a reason (its findings were hashed with another deployment's key).
 */
int keystore_check_value_key(const struct keystore *ks, const struct ingest_entry *entry,
			     char *reason, size_t reason_len);

/*
 * The collector key (RAQIB_COLLECTOR_KEY_FILE, made when missing), with which stored value
 * hashes are hashed again (raqib_store_hash()). NULL when the keystore was opened without it.
 */
const struct raqib_key *keystore_collector_key(const struct keystore *ks);

/*
 * Opens the collector key too (creating it when missing). Returns 0, or a negative errno with
 * the reason in err.
 */
int keystore_load_collector_key(struct keystore *ks, char *err, size_t err_len);

#endif /* RAQIB_COLLECTOR_KEYSTORE_H */
