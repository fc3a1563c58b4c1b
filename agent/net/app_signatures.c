// SPDX-License-Identifier: GPL-2.0-only
#include "app_signatures.h"

#include <string.h>

#define DISCORD_IP_DISCOVERY_LEN  74
#define DISCORD_IP_DISCOVERY_BODY 70
#define DISCORD_ADDRESS_LEN	  64

int app_signature_is_discord_ip_discovery(const uint8_t *payload, size_t len)
{
	const uint8_t *address = payload + 8;
	size_t n;

	if (len != DISCORD_IP_DISCOVERY_LEN || payload[0] != 0 ||
	    (payload[1] != 1 && payload[1] != 2) || payload[2] != 0 ||
	    payload[3] != DISCORD_IP_DISCOVERY_BODY)
		return 0;
	/* the address is a string, NUL-terminated within its 64 bytes, then only NULs */
	n = strnlen((const char *)address, DISCORD_ADDRESS_LEN);

	if (n == DISCORD_ADDRESS_LEN)
		return 0;
	for (size_t i = n; i < DISCORD_ADDRESS_LEN; i++)
		if (address[i])
			return 0;
	/* a request carries no address; an answer carries one */
	return payload[1] == 1 ? n == 0 : n > 0;
}
