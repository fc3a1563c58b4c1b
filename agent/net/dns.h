/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS answers (RFC 1035 section 4): which names the addresses of A and AAAA records answer for,
 * so that a later flow to one of those addresses can be named after what the application asked
 * for (web.whatsapp.com), even when nothing in the flow itself names it (no SNI, ECH, QUIC).
 */
#ifndef RAQIB_AGENT_DNS_H
#define RAQIB_AGENT_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 256 /* 255 octets of a presentation name + NUL */

/*
 * Called for each A or AAAA record of an answer: family AF_INET or AF_INET6, addr of 4 or 16
 * bytes, qname the question's name (lower case, no final dot), ttl_s the record's TTL.
 * Returns 0 to go on.
 */
typedef int (*dns_answer_fn)(void *ctx, int family, const uint8_t *addr, const char *qname,
			     uint32_t ttl_s);

/*
 * Parses the DNS message msg[0..len) (a UDP payload, or a TCP one without its length prefix)
 * and calls fn for the address records of its answer section. CNAME chains are followed
 * implicitly: every address record of the answer belongs to the question's name.
 * Returns the number of address records, -ENOENT for a query or an answer without a question,
 * -EINVAL for a malformed message (counted by the caller; records before the damage were given).
 */
int dns_parse_answers(const uint8_t *msg, size_t len, dns_answer_fn fn, void *ctx);

#endif /* RAQIB_AGENT_DNS_H */
