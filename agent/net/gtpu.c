// SPDX-License-Identifier: GPL-2.0-only
/*
 * GTP-U decapsulation (see gtpu.h). Header, TS 29.281 section 5.1:
 *
 *   octet 0     version (3 bits, 1), PT (1: GTP), spare, E, S, PN flags
 *   octet 1     message type: 255 for a G-PDU (user data); others are signalling
 *   octets 2-3  length of what follows the first 8 octets
 *   octets 4-7  tunnel endpoint id
 *   octets 8-11 present when any of E, S, PN is set: sequence number, N-PDU number, and the
 *               type of the first extension header (0: none)
 *   extensions  each: a length in 4-octet units (counting itself), content, next type
 */
#include "gtpu.h"

#define GTPU_VERSION_1 1
#define GTPU_FLAG_PT   0x10
#define GTPU_FLAG_E    0x04
#define GTPU_FLAGS_OPT 0x07 /* E, S, PN: the optional 4 octets are there */
#define GTPU_G_PDU     255
#define GTPU_EXT_MAX   16 /* extension headers followed at most */

size_t gtpu_inner_packet(const uint8_t *payload, size_t len, const uint8_t **inner)
{
	size_t off = 8, end;
	uint8_t next;

	if (len < 8 || payload[0] >> 5 != GTPU_VERSION_1 || !(payload[0] & GTPU_FLAG_PT) ||
	    payload[1] != GTPU_G_PDU)
		return 0;
	end = 8 + (size_t)(payload[2] << 8 | payload[3]);
	if (end > len)
		end = len; /* the capture was cut: inspect what there is */
	if (payload[0] & GTPU_FLAGS_OPT) {
		if (end < 12)
			return 0;
		off = 12;
		next = (payload[0] & GTPU_FLAG_E) ? payload[11] : 0;
		for (int i = 0; next; i++) {
			size_t ext_len;

			if (i == GTPU_EXT_MAX || off >= end)
				return 0;
			ext_len = (size_t)payload[off] * 4;
			if (ext_len == 0 || ext_len > end - off)
				return 0;
			next = payload[off + ext_len - 1];
			off += ext_len;
		}
	}
	if (off >= end)
		return 0;
	if (payload[off] >> 4 != 4 && payload[off] >> 4 != 6)
		return 0;
	*inner = payload + off;
	return end - off;
}
