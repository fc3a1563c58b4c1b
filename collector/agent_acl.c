// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACL lines for a new agent (see agent_acl.h). SHA-256 from OpenSSL.
 */
#include "agent_acl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "raqib/keys.h"
#include "raqib/schema.h"

int agent_acl_setuser(const char *agent_id, const char *password, char *out, size_t out_len)
{
	uint8_t digest[32];
	unsigned digest_len = 0;
	char hash[65];
	int n;

	if (!EVP_Digest(password, strlen(password), digest, &digest_len, EVP_sha256(), NULL) ||
	    digest_len != sizeof(digest))
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hash + 2 * i, 3, "%02x", digest[i]);
	/*
	 * reset first: an agent added again gets exactly these rights. Keyless commands in the
	 * root permissions (subscribing to the announcements of rule versions only); the stream
	 * write-only; each selector pairs commands with the only keys they may touch (rule
	 * versions: read-only).
	 */
	n = snprintf(
		out, out_len,
		"ACL SETUSER %s%s reset on \"#%s\" resetchannels \"&%s\" -@all +ping +multi +exec +discard +subscribe +xadd \"%%W~%s\" \"(+hset +del ~%s%s)\" \"(+get +hget +hmget +hgetall +exists +type +zrevrange %%R~%s*)\"",
		RAQIB_AGENT_USER_PREFIX, agent_id, hash, RAQIB_CHANNEL_RULES, RAQIB_STREAM_EVENTS,
		RAQIB_KEY_AGENT_PREFIX, agent_id, RAQIB_KEY_RULES_PREFIX);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}
