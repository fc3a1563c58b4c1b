// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS answer parser (see dns.h). Names may be compressed (RFC 1035 section 4.1.4): a pointer
 * must point backwards, and at most DNS_MAX_JUMPS are followed, so a loop of pointers or a name
 * longer than 255 octets ends the parse instead of the process.
 */
#include "dns.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define DNS_HEADER_LEN 12
#define DNS_MAX_JUMPS  16
#define DNS_TYPE_A     1
#define DNS_TYPE_AAAA  28
#define DNS_CLASS_IN   1

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Reads the name at *off into out (lower case, dotted, no final dot; NULL out: skip it) and
 * moves *off past it. Returns 0 or -EINVAL.
 */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	size_t pos = *off, n = 0, end = 0;
	int jumps = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = msg[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
				return -EINVAL;
			target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (target >= pos)
				return -EINVAL; /* forward or self pointers: a loop in the making */
			if (!end)
				end = pos + 2;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -EINVAL; /* extended label types (RFC 6891) are not names */
		if (pos + 1 + l > len || n + l + 1 >= DNS_NAME_MAX)
			return -EINVAL;
		if (out) {
			if (n)
				out[n++] = '.';
			for (size_t i = 0; i < l; i++)
				out[n++] = (char)tolower(msg[pos + 1 + i]);
		} else {
			n += l + 1;
		}
		pos += 1 + (size_t)l;
	}
	if (out)
		out[n] = '\0';
	*off = end ? end : pos;
	return 0;
}

int dns_parse_answers(const uint8_t *msg, size_t len, dns_answer_fn fn, void *ctx)
{
	char qname[DNS_NAME_MAX];
	uint16_t qd, an;
	size_t off = DNS_HEADER_LEN;
	int found = 0;

	if (len < DNS_HEADER_LEN)
		return -EINVAL;
	if (!(msg[2] & 0x80) || (msg[2] & 0x78) != 0)
		return -ENOENT; /* a query, or not a standard query's answer */
	qd = be16(msg + 4);
	an = be16(msg + 6);
	if (qd == 0)
		return -ENOENT;
	if (read_name(msg, len, &off, qname) || off + 4 > len)
		return -EINVAL;
	off += 4;
	/* further questions (never seen in practice) are skipped */
	for (uint16_t i = 1; i < qd; i++) {
		if (read_name(msg, len, &off, NULL) || off + 4 > len)
			return -EINVAL;
		off += 4;
	}
	for (uint16_t i = 0; i < an; i++) {
		uint16_t type, cls, rdlen;
		uint32_t ttl;

		if (read_name(msg, len, &off, NULL) || off + 10 > len)
			return found ? found : -EINVAL;
		type = be16(msg + off);
		cls = be16(msg + off + 2);
		ttl = (uint32_t)be16(msg + off + 4) << 16 | be16(msg + off + 6);
		rdlen = be16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return found ? found : -EINVAL;
		if (cls == DNS_CLASS_IN && ((type == DNS_TYPE_A && rdlen == 4) ||
					    (type == DNS_TYPE_AAAA && rdlen == 16))) {
			found++;
			if (fn(ctx, type == DNS_TYPE_A ? AF_INET : AF_INET6, msg + off, qname, ttl))
				break;
		}
		off += rdlen;
	}
	return found;
}
