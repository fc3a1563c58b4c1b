// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registered documents (rules of kind fingerprint): an exact SHA-256 of the file, and an ssdeep
 * similarity digest (libfuzzy) of its normalised text, so that an edited copy of a registered
 * circular, or the same text saved in another format, is still recognised.
 */
#include "scanner.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void apply(const struct fingerprint_rule *f, unsigned similarity, struct rules_verdict *v)
{
	if (v->fingerprint[0] && v->fingerprint_similarity >= similarity)
		return;
	snprintf(v->fingerprint, sizeof(v->fingerprint), "%s", f->meta.id);
	v->fingerprint_similarity = similarity;
	if (f->official)
		v->is_official = true;
	if (f->level > v->level)
		v->level = f->level;
}

void fingerprint_finish(struct rules_scan *scan, struct rules_verdict *out)
{
	const struct rules *r = scan->rules;
	char digest[FUZZY_MAX_RESULT];

	if (fuzzy_digest(scan->fuzzy, digest, 0) != 0)
		return;
	if (scan->want_digest)
		snprintf(out->text_digest, sizeof(out->text_digest), "%s", digest);
	for (size_t i = 0; i < r->n_fingerprints; i++) {
		const struct fingerprint_rule *f = &r->fingerprints[i];
		int score;

		if (!f->meta.enabled || !f->ssdeep)
			continue;
		score = fuzzy_compare(digest, f->ssdeep);
		if (score >= (int)f->similarity)
			apply(f, (unsigned)score, out);
	}
}

bool rules_verdict_match_sha256(const struct rules *r, struct rules_verdict *v,
				const char *sha256_hex)
{
	for (size_t i = 0; i < r->n_fingerprints; i++) {
		const struct fingerprint_rule *f = &r->fingerprints[i];

		if (!f->meta.enabled)
			continue;
		for (size_t k = 0; k < f->sha256.n; k++)
			if (strcasecmp(f->sha256.items[k], sha256_hex) == 0) {
				apply(f, 100, v);
				return true;
			}
	}
	return false;
}
