// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: a rules version as agents read it from Redis (include/raqib/rules_dist.h): the
 * bundle's JSON decoded, checked against targets, encoded again.
 */
#include <stdint.h>
#include <stdlib.h>

#include "raqib/rules_dist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raqib_rules_bundle b;
	char err[256];

	if (raqib_rules_bundle_decode((const char *)data, size, &b, err, sizeof(err)))
		return 0;
	(void)raqib_rules_bundle_applies(&b, "east", "ws-1", "ws-1.example.ma");
	free(raqib_rules_bundle_encode(&b));
	raqib_rules_bundle_release(&b);
	return 0;
}
