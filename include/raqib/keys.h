/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The secrets of a deployment and what they sign, shared by the agent (which signs alerts and
 * hashes the values it found) and the collector (which checks the signatures):
 *
 *  - the agent key, one per agent: HMAC-SHA256 over every stream entry, so the collector can
 *    refuse forged or altered alerts; it also yields the agent's Redis ACL password;
 *  - the deployment key, one per deployment: HMAC-SHA256 of each value found (a CIN, a RIB),
 *    so investigators find every alert that touched the same value without the store ever
 *    holding it. It never leaves the agents' hosts and the collector's.
 *  - the collector key, one per deployment, only on the collectors' hosts: the collector
 *    hashes each finding's hash again with it before storing, so that the stored hashes
 *    cannot be tried against every CIN by someone holding a workstation's deployment key.
 *
 * Both live in a keys directory (--keys, $RAQIB_KEYS, /etc/raqib/keys): "<agent-id>.key" and
 * "deployment.key", each 64 hex digits, mode 0600. An agent host holds its own key and the
 * deployment key; the collector's host holds every agent's key. docs/deployment.md says how
 * they are made and handed out.
 *
 * Every message signed starts with a label naming its purpose, so that a MAC made for one
 * purpose is never valid for another.
 */
#ifndef RAQIB_KEYS_H
#define RAQIB_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAQIB_KEY_BYTES		  32
#define RAQIB_MAC_HEX_BYTES	  65 /* 64 hex digits and the NUL */
#define RAQIB_KEY_ID_HEX_BYTES	  17 /* 16 hex digits and the NUL */

#define RAQIB_KEYS_DIR_DEFAULT	  "/etc/raqib/keys"
#define RAQIB_KEYS_ENV		  "RAQIB_KEYS"
#define RAQIB_DEPLOYMENT_KEY_FILE "deployment.key"
/* The collector's own key (re-keys stored value hashes); only on the collectors' hosts. */
#define RAQIB_COLLECTOR_KEY_FILE "collector.key"
/* Redis ACL user of an agent: this prefix and the agent id. */
#define RAQIB_AGENT_USER_PREFIX "raqib-agent-"

struct raqib_key {
	uint8_t bytes[RAQIB_KEY_BYTES];
};

/*
 * An agent id names the agent's key file, its ACL user and its keys in Redis, so it holds only
 * 1 to 64 letters, digits, '.', '-' and '_' (never a '/', a ':' or a glob character).
 */
bool raqib_agent_id_is_valid(const char *id, size_t len);

/* The keys directory: dir when not NULL, else $RAQIB_KEYS when set and not empty, else the
 * default. */
const char *raqib_keys_dir(const char *dir);

/* "<dir>/<agent_id>.key" into out. Returns 0, or -ENAMETOOLONG. */
int raqib_agent_key_path(const char *dir, const char *agent_id, char *out, size_t out_len);

/* "<dir>/deployment.key" into out. Returns 0, or -ENAMETOOLONG. */
int raqib_deployment_key_path(const char *dir, char *out, size_t out_len);

/* "<dir>/collector.key" into out. Returns 0, or -ENAMETOOLONG. */
int raqib_collector_key_path(const char *dir, char *out, size_t out_len);

/*
 * Reads a key file (64 hex digits, an optional newline). Refuses a file other users may read
 * or write, as ssh does: a key others can read signs for whoever reads it. Returns 0, or a
 * negative errno with the reason in err (-ENOENT missing, -EPERM mode, -EINVAL content).
 */
int raqib_key_load(const char *path, struct raqib_key *key, char *err, size_t err_len);

/*
 * Creates a new random key at path (mode 0600, and its directory 0700 when missing); never
 * replaces a file. Returns 0, or a negative errno (-EEXIST) with the reason in err.
 */
int raqib_key_create(const char *path, struct raqib_key *key, char *err, size_t err_len);

/* Loads the key at path, or creates it when missing (*created tells). Same errors. */
int raqib_key_load_or_create(const char *path, struct raqib_key *key, bool *created, char *err,
			     size_t err_len);

/* Wipes a key held in memory. */
void raqib_key_wipe(struct raqib_key *key);

/* A public name of a key (16 hex digits), for telling keys apart without showing them. */
void raqib_key_id(const struct raqib_key *key, char out[RAQIB_KEY_ID_HEX_BYTES]);

/*
 * The signature of an alert entry (field "sig"): HMAC-SHA256 with the agent key over
 * "raqib-alert-v2\n<agent>\n<epoch>\n<seq>\n<alert>", as hex. Returns 0 or -ENOMEM.
 */
int raqib_alert_mac(const struct raqib_key *key, const char *agent_id, const char *epoch,
		    uint64_t sequence, const char *json, size_t json_len,
		    char out[RAQIB_MAC_HEX_BYTES]);

/*
 * The signature of a heartbeat entry: HMAC-SHA256 with the agent key over
 * "raqib-heartbeat-v1\n<agent>\n<heartbeat JSON>", as hex. Returns 0 or -ENOMEM.
 */
int raqib_heartbeat_mac(const struct raqib_key *key, const char *agent_id, const char *json,
			size_t json_len, char out[RAQIB_MAC_HEX_BYTES]);

/*
 * The stored hash of a value: the agent's keyed hash (hex) hashed again with the collector's
 * own key, "raqib-store-value-v1\n<type>\n<agent hash>". Whoever holds a workstation's
 * deployment key can try every CIN against an agent's hash; without the collector key, not
 * against a stored one. Returns 0 or -ENOMEM.
 */
int raqib_store_hash(const struct raqib_key *collector_key, const char *type,
		     const char *agent_hash, char out[RAQIB_MAC_HEX_BYTES]);

/*
 * The keyed hash of a value found (raqib.findings[].hash): HMAC-SHA256 with the deployment key
 * over the entity type and the normalised value, as hex. Returns 0 or -ENOMEM.
 */
int raqib_value_hash(const struct raqib_key *key, const char *type, const char *value,
		     char out[RAQIB_MAC_HEX_BYTES]);

/*
 * The Redis ACL password of an agent, derived from its key (so an agent host keeps one secret).
 * Returns 0 or -ENOMEM.
 */
int raqib_redis_password(const struct raqib_key *key, char out[RAQIB_MAC_HEX_BYTES]);

/* Compares two hex MACs in constant time. */
bool raqib_mac_equal(const char *a, const char *b);

#endif /* RAQIB_KEYS_H */
