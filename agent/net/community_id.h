/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Community ID v1 (github.com/corelight/community-id-spec): a string naming a flow the same way
 * Zeek, Suricata, Arkime and Elastic name it, so an analyst can pivot from a raqib alert or flow
 * record to their logs. Direction does not matter: both orders of the endpoints give one ID.
 */
#ifndef RAQIB_AGENT_COMMUNITY_ID_H
#define RAQIB_AGENT_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* "1:" + base64 of a 20-byte SHA-1 + NUL */
#define COMMUNITY_ID_LEN 31

/*
 * Writes the Community ID of the flow (addresses of addr_len 4 or 16 bytes in network order,
 * ports in host order, IP protocol number) with seed (0 unless the deployment sets one) into
 * out. Returns 0, -EINVAL for a bad addr_len or a short out, -ENOMEM if hashing fails.
 */
int community_id_v1(const uint8_t *saddr, const uint8_t *daddr, size_t addr_len, uint16_t sport,
		    uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t out_len);

#endif /* RAQIB_AGENT_COMMUNITY_ID_H */
