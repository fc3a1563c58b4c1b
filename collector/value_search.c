// SPDX-License-Identifier: GPL-2.0-only
/* Alerts about one value, by its keyed hash (see value_search.h). */
#include "value_search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/*
 * Context words of the identifier types whose detectors require one (CIN, CNSS, MASSAR,
 * PASSPORT), within their 40-character window; the other types need none.
 */
#define CONTEXT_PREFIX "CIN CNSS Massar passeport : "
#define TEXT_MAX       512

int value_search_hashes(const struct rules *rules, const struct raqib_key *deployment_key,
			const char *text, struct value_hash *out, size_t max)
{
	char buf[TEXT_MAX];
	struct rules_verdict v;
	size_t n = 0;
	int len, err;

	len = snprintf(buf, sizeof(buf), "%s%s\n", CONTEXT_PREFIX, text);
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		explicit_bzero(buf, sizeof(buf));
		return -ENAMETOOLONG;
	}
	/* identifiers are written in capitals ("bk734021" is BK734021); e-mails are lowercased
	 * by their own rule whatever the case typed */
	for (int i = (int)sizeof(CONTEXT_PREFIX) - 1; i < len; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 'a' + 'A');
	err = rules_scan_buffer(rules, buf, (size_t)len, &v);
	explicit_bzero(buf, sizeof(buf));
	if (err)
		return err;
	for (size_t i = 0; i < v.n_findings && n < max && !err; i++) {
		const struct rules_finding *f = &v.findings[i];

		snprintf(out[n].type, sizeof(out[n].type), "%s", f->type);
		err = raqib_value_hash(deployment_key, f->type, f->value, out[n].hash);
		n++;
	}
	rules_verdict_release(&v);
	return err ? err : (int)n;
}

bool value_search_alert_matches(const char *json, size_t len, const struct value_hash *hashes,
				size_t n)
{
	json_t *doc = json_loadb(json, len, 0, NULL);
	json_t *findings = json_object_get(json_object_get(doc, "raqib"), "findings");
	bool found = false;
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f) {
		const char *hash = json_string_value(json_object_get(f, "hash"));
		const char *type = json_string_value(json_object_get(f, "type"));

		for (size_t k = 0; hash && type && k < n && !found; k++)
			found = !strcmp(hash, hashes[k].hash) && !strcmp(type, hashes[k].type);
		if (found)
			break;
	}
	json_decref(doc);
	return found;
}
