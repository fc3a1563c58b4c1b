/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding the alerts about one value (a CIN, a phone number, a RIB...) without the store ever
 * holding it: alerts carry only the value's keyed hash (raqib.findings[].hash, HMAC-SHA256 with
 * the deployment key over the value as the rules normalise it). An investigator types the
 * value in any form; it goes through the same rules as the agents' documents, which give its
 * type and normal form, and its hash is compared with the stored alerts' hashes.
 */
#ifndef RAQIB_COLLECTOR_VALUE_SEARCH_H
#define RAQIB_COLLECTOR_VALUE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "raqib/keys.h"
#include "raqib/rules.h"

struct value_hash {
	char type[RULES_TYPE_MAX];
	char hash[RAQIB_MAC_HEX_BYTES];
};

/*
 * The identifiers the rules find in text (as written by a person: "BK 734021",
 * "+212 6 12 34 56 78"), hashed with the deployment key into out (at most max). Context words
 * of every type that needs one are put before the text, so that a bare number is read as the
 * identifier it looks like. Returns how many, or a negative errno. Wipes what it copied.
 */
int value_search_hashes(const struct rules *rules, const struct raqib_key *deployment_key,
			const char *text, struct value_hash *out, size_t max);

/* True when the stored alert (JSON) has a finding with one of the hashes (and its type). */
bool value_search_alert_matches(const char *json, size_t len, const struct value_hash *hashes,
				size_t n);

#endif /* RAQIB_COLLECTOR_VALUE_SEARCH_H */
