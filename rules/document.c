// SPDX-License-Identifier: GPL-2.0-only
/*
 * Document evidence (../shared/spec/moroccan-pii.md section 4): the markers of the official-
 * documents pack seen in their zones (top lines, page headers, bottom lines, page footers,
 * anywhere), each kind of signal counted once, and the classification marks, which count only
 * as whole lines. At the end of a document the points decide whether it is official, and the
 * highest mark its level.
 */
#include "scanner.h"

#include <stdio.h>
#include <string.h>

static bool in_zone(enum marker_zone zone, const struct line *line)
{
	switch (zone) {
	case ZONE_TOP:
		return line->top;
	case ZONE_BOTTOM:
		return line->bottom;
	case ZONE_EDGES:
		return line->top || line->bottom;
	case ZONE_ANYWHERE:
		return true;
	}
	return false;
}

static void record_signal(struct doc_state *doc, const struct marker *mk)
{
	if (mk->meta.mode == RULES_MODE_SHADOW)
		return; /* a marker being tried does not decide yet */
	if (!doc->signal_seen[mk->signal]) {
		doc->signal_seen[mk->signal] = true;
		doc->signal_points[mk->signal] = (int8_t)mk->points;
	}
	if (mk->anchor)
		doc->anchor = true;
	if (mk->level > doc->level)
		doc->level = mk->level;
}

/* Whole-line classification marks: the line's key equals one of a mark's phrases. */
static void check_marks(struct rules_scan *scan, const char *key)
{
	const struct rules *r = scan->rules;

	if (!*key)
		return;
	for (size_t m = 0; m < r->n_markers; m++) {
		const struct marker *mk = &r->markers[m];

		if (!mk->whole_line || !mk->meta.enabled)
			continue;
		for (size_t i = 0; i < mk->line_keys.n; i++)
			if (strcmp(mk->line_keys.items[i], key) == 0)
				record_signal(&scan->doc, mk);
	}
}

/* Only decoration before pos on the line: spaces, dashes, stars, quotes, « and •. */
static bool at_line_start(const struct line *line, size_t pos)
{
	for (size_t i = 0; i < pos;) {
		const unsigned char *s = (const unsigned char *)line->text + i;

		if (strchr(" \t*>\"'([-", s[0]) && s[0])
			i++;
		else if (pos - i >= 2 && s[0] == 0xc2 && s[1] == 0xab)
			i += 2;
		else if (pos - i >= 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0xa2)
			i += 3;
		else
			return false;
		if (i > 24)
			return false;
	}
	return true;
}

static void markers_of(struct rules_scan *scan, const struct line *line,
		       const struct match *matches, size_t n)
{
	const struct rules *r = scan->rules;

	for (size_t i = 0; i < n; i++) {
		const struct match *m = &matches[i];
		const struct pattern_ref *ref = &r->patterns[m->id];
		const struct marker *mk;

		if (ref->role != ROLE_MARKER)
			continue;
		mk = &r->markers[ref->rule];
		if (in_zone(mk->zone, line) && word_boundary_ok(line, m, ref->flags) &&
		    (!mk->line_start || at_line_start(line, m->from)))
			record_signal(&scan->doc, mk);
	}
}

void document_line(struct rules_scan *scan, const struct line *line)
{
	struct doc_state *doc = &scan->doc;
	char key[TAIL_KEY_MAX];

	markers_of(scan, line, line->matches, line->n_matches);
	markers_of(scan, line, line->zone_matches, line->n_zone_matches);
	if (line->empty)
		return;
	if (line->top || line->bottom) {
		/* a mark line is short; a longer line cannot equal a mark */
		key[0] = '\0';
		if (line->len < 2 * TAIL_KEY_MAX)
			mark_key(line->text, line->len, key, sizeof(key));
		check_marks(scan, key);
	}
	if (scan->part != RULES_PART_HEADER && scan->part != RULES_PART_FOOTER) {
		/* kept raw: keys are made at the end, for the last lines only */
		char *slot = doc->tail[doc->tail_next];

		if (line->len < TAIL_KEY_MAX) {
			memcpy(slot, line->text, line->len);
			slot[line->len] = '\0';
		} else {
			slot[0] = '\0';
		}
		doc->tail_next = (doc->tail_next + 1) % TAIL_LINES;
		if (doc->tail_count < TAIL_LINES)
			doc->tail_count++;
	}
}

void document_end(struct rules_scan *scan)
{
	const struct rules_settings *s = &scan->rules->settings;
	struct doc_state *doc = &scan->doc;
	unsigned last = s->bottom_lines < doc->tail_count ? s->bottom_lines : doc->tail_count;
	size_t used = 0;
	int points = 0;
	bool official;

	/* the last lines of the document may hold a mark too */
	for (unsigned i = 1; i <= last; i++) {
		const char *raw = doc->tail[(doc->tail_next + TAIL_LINES - i) % TAIL_LINES];
		char key[TAIL_KEY_MAX];

		mark_key(raw, strlen(raw), key, sizeof(key));
		check_marks(scan, key);
	}
	scan->doc_evidence[0] = '\0';
	for (int sig = 0; sig < SIG_COUNT; sig++) {
		if (!doc->signal_seen[sig])
			continue;
		points += doc->signal_points[sig];
		if (used < sizeof(scan->doc_evidence))
			used += (size_t)snprintf(scan->doc_evidence + used,
						 sizeof(scan->doc_evidence) - used, "%s%s%+d",
						 used ? " " : "", marker_signal_name(sig),
						 doc->signal_points[sig]);
	}
	official = points >= (int)s->official_threshold && doc->anchor;
	if (official) {
		scan->official_any = true;
		if (doc->level > scan->level_max)
			scan->level_max = doc->level;
	}
	/* the verdict explains the best document: an official one first, then the most points */
	if (!scan->have_best || (official && !scan->best_is_official) ||
	    (official == scan->best_is_official && points > scan->best_official_score)) {
		scan->have_best = true;
		scan->best_is_official = official;
		scan->best_official_score = points;
		snprintf(scan->official_evidence, sizeof(scan->official_evidence), "%s",
			 scan->doc_evidence);
	}
}

void document_reset(struct rules_scan *scan)
{
	memset(&scan->doc, 0, sizeof(scan->doc));
	memset(&scan->table, 0, sizeof(scan->table));
}
