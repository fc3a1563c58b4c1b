// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enrolment lines for a new agent (see agent_acl.h). SHA-256 from OpenSSL.
 */
#include "agent_acl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/schema.h"

int agent_acl_setuser(const char *agent_id, const char *site, const char *password, char *out,
		      size_t out_len)
{
	char stream[RAQIB_KEY_MAX], hash[65];
	uint8_t digest[32];
	unsigned digest_len = 0;
	int n;

	if (raqib_key_stream(site, agent_id, stream, sizeof(stream)))
		return -EINVAL;
	if (!EVP_Digest(password, strlen(password), digest, &digest_len, EVP_sha256(), NULL) ||
	    digest_len != sizeof(digest))
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hash + 2 * i, 3, "%02x", digest[i]);
	/*
	 * reset first: an agent added again gets exactly these rights. Keyless commands in the
	 * root permissions (subscribing to the announcements of rule versions only); its own
	 * stream write-only; the selector pairs the rule reads with the only keys they may touch
	 * (rule versions: read-only).
	 */
	n = snprintf(
		out, out_len,
		"ACL SETUSER %s%s reset on \"#%s\" resetchannels \"&%s\" -@all +ping +subscribe +xadd \"%%W~%s\" \"(+get +hget +hmget +hgetall +exists +type +zrevrange %%R~%s*)\"",
		RAQIB_AGENT_USER_PREFIX, agent_id, hash, RAQIB_CHANNEL_RULES, stream,
		RAQIB_KEY_RULES_PREFIX);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

int agent_acl_registry(const char *agent_id, const char *site, char *out, size_t out_len)
{
	int n;

	if (!raqib_agent_id_is_valid(agent_id, strlen(agent_id)) ||
	    !raqib_site_is_valid(site, strlen(site)))
		return -EINVAL;
	n = snprintf(out, out_len, "HSET %s %s %s\nSADD %s %s", RAQIB_KEY_REGISTRY, agent_id, site,
		     RAQIB_KEY_SITES, site);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}
