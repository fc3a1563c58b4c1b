/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rule distribution, shared by raqibctl (which pushes versions) and the agent (which follows
 * them): a version is a bundle of rule packs (the administrator's, layered on the built-in
 * ones), numbered, optionally targeted at sites or hosts, signed with the administrator's
 * rules signing key (Ed25519). Agents hold only the public half: a version that does not verify
 * is never loaded. docs/rules.md, "Pushing rules"; Redis keys in schema.h.
 *
 * The signed text is the bundle's JSON exactly as stored (compact, keys sorted), behind the
 * label "raqib-rules-v1\n", so a signature made for anything else never verifies a bundle.
 */
#ifndef RAQIB_RULES_DIST_H
#define RAQIB_RULES_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Files of the rules signing key in a keys directory (include/raqib/keys.h). */
#define RAQIB_RULES_SIGNING_KEY_FILE "rules-signing.key" /* private: administrators only */
#define RAQIB_RULES_VERIFY_KEY_FILE  "rules-signing.pub" /* public: every agent */

#define RAQIB_RULES_SIG_HEX_BYTES    129 /* Ed25519: 64 bytes as hex, and the NUL */
#define RAQIB_RULES_KEY_ID_BYTES     17 /* 16 hex digits and the NUL */
#define RAQIB_RULES_BUNDLE_MAX	     (16u << 20)

struct raqib_rules_pack {
	char *name; /* file name, without directory */
	char *text;
	size_t len;
};

struct raqib_rules_bundle {
	uint64_t version; /* 1, 2, ...; never reused */
	char created[32]; /* RFC 3339 UTC */
	char author[128];
	char comment[256];
	char **sites; /* targets: an agent of one of these sites (--site) */
	size_t n_sites;
	char **hosts; /* or one of these agent ids or host names; no target at all: every agent */
	size_t n_hosts;
	struct raqib_rules_pack *packs;
	size_t n_packs;
};

/* The bundle as its canonical JSON (malloc'ed, NUL-terminated), or NULL (ENOMEM). */
char *raqib_rules_bundle_encode(const struct raqib_rules_bundle *bundle);

/*
 * Reads a bundle's JSON (hostile: it comes from Redis) into out, which the caller releases.
 * Returns 0, or -EINVAL with the reason in err.
 */
int raqib_rules_bundle_decode(const char *json, size_t len, struct raqib_rules_bundle *out,
			      char *err, size_t err_len);

void raqib_rules_bundle_release(struct raqib_rules_bundle *bundle);

/* True when the bundle is meant for this agent (site may be NULL). */
bool raqib_rules_bundle_applies(const struct raqib_rules_bundle *bundle, const char *site,
				const char *agent_id, const char *host_name);

struct raqib_rules_key;

/*
 * Makes a new signing key pair in dir: RAQIB_RULES_SIGNING_KEY_FILE (mode 0600) and
 * RAQIB_RULES_VERIFY_KEY_FILE; never replaces a file. Returns 0, or -errno with err.
 */
int raqib_rules_keygen(const char *dir, char *err, size_t err_len);

/*
 * Loads the private key (refused when others may read it, as ssh does) or the public one.
 * Returns 0 and *out (raqib_rules_key_free()), or -errno with err.
 */
int raqib_rules_key_load_private(const char *path, struct raqib_rules_key **out, char *err,
				 size_t err_len);
int raqib_rules_key_load_public(const char *path, struct raqib_rules_key **out, char *err,
				size_t err_len);
void raqib_rules_key_free(struct raqib_rules_key *key);

/* A public name of the key pair (16 hex digits of the SHA-256 of its public half). */
void raqib_rules_key_id(const struct raqib_rules_key *key, char out[RAQIB_RULES_KEY_ID_BYTES]);

/* Signs a bundle's JSON with a private key. Returns 0 or -ENOMEM / -EINVAL. */
int raqib_rules_sign(const struct raqib_rules_key *key, const char *json, size_t len,
		     char sig_hex[RAQIB_RULES_SIG_HEX_BYTES]);

/* True when sig_hex is the key's signature of the bundle's JSON. */
bool raqib_rules_verify(const struct raqib_rules_key *key, const char *json, size_t len,
			const char *sig_hex);

#endif /* RAQIB_RULES_DIST_H */
