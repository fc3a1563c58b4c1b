// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule-set construction: the layered packs merged (pack_merge.c) and typed (pack_load.c), the
 * checks that span rules, and compilation of every pattern into one Hyperscan database with a
 * map from pattern id back to the rule and role it serves. A rule set is built whole or not at
 * all: on any error the caller keeps the rules it had.
 */
#include "engine.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "raqib/schema.h"
#include "normalize.h"
#include "pack_merge.h"
#include "packs.h"

/* What the awareness notice points to when the packs name nothing else. */
#define NOTICE_GUIDANCE_DEFAULT                                                                    \
	"Circulaire du Ministère de l'Intérieur (avril 2019) : les documents administratifs ne " \
	"s'échangent pas par les applications de messagerie."

static const struct rules_settings default_settings = {
	.official_threshold = 6,
	.top_lines = 15,
	.bottom_lines = 10,
	.bulk_threshold = 5,
	.max_findings = 100000,
	.notice_guidance = NOTICE_GUIDANCE_DEFAULT,
};

int severity_from_name(const char *name)
{
	if (!strcmp(name, "low"))
		return RAQIB_SEVERITY_LOW;
	if (!strcmp(name, "medium"))
		return RAQIB_SEVERITY_MEDIUM;
	if (!strcmp(name, "high"))
		return RAQIB_SEVERITY_HIGH;
	if (!strcmp(name, "critical"))
		return RAQIB_SEVERITY_CRITICAL;
	return -1;
}

int level_from_name(const char *name)
{
	for (int l = RULES_LEVEL_RESTRICTED; l <= RULES_LEVEL_TOP_SECRET; l++)
		if (!strcmp(name, rules_level_name((enum rules_level)l)))
			return l;
	return -1;
}

bool host_pattern_match(const char *pattern, const char *host)
{
	if (fnmatch(pattern, host, FNM_CASEFOLD) == 0)
		return true;
	/* "*.example.org" also stands for example.org itself */
	return pattern[0] == '*' && pattern[1] == '.' && strcasecmp(pattern + 2, host) == 0;
}

/* Bytes that separate words of a mark line: ASCII punctuation, « » • and Arabic commas. */
static size_t separator_len(const unsigned char *s, size_t left)
{
	if (s[0] < 0x80)
		return isalnum(s[0]) ? 0 : 1;
	if (left >= 2 && s[0] == 0xc2 && (s[1] == 0xab || s[1] == 0xbb || s[1] == 0xb7))
		return 2; /* « » · */
	if (left >= 2 && s[0] == 0xd8 && (s[1] == 0x8c || s[1] == 0x9b))
		return 2; /* ، ؛ */
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa2 || s[2] == 0xa6))
		return 3; /* • … */
	return 0;
}

size_t mark_key(const char *line, size_t len, char *out, size_t out_len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t o = 0;
	bool space = true; /* no leading space */

	for (size_t i = 0; i < len && o + 1 < out_len;) {
		size_t sep = separator_len(s + i, len - i);

		if (sep) {
			if (!space) {
				out[o++] = ' ';
				space = true;
			}
			i += sep;
			continue;
		}
		out[o++] = (char)(s[i] < 0x80 ? tolower(s[i]) : s[i]);
		space = false;
		i++;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

static int error_at(struct rules_error *err, const struct rule_meta *m, const char *file,
		    unsigned line, unsigned column, const char *text)
{
	snprintf(err->file, sizeof(err->file), "%s", file ? file : m->file);
	err->line = line ? line : m->line;
	err->column = line ? column : m->column;
	snprintf(err->text, sizeof(err->text), "rule '%.60s': %.180s", m->id, text);
	return -EINVAL;
}

static bool has_entity(const struct rules *r, const char *entity)
{
	for (size_t i = 0; i < r->n_detectors; i++)
		if (!strcmp(r->detectors[i].entity, entity))
			return true;
	return false;
}

static bool has_app(const struct rules *r, const char *id)
{
	for (size_t i = 0; i < r->n_apps; i++)
		if (!strcmp(r->apps[i].app.id, id) || !strcmp(r->apps[i].meta.id, id))
			return true;
	return false;
}

/* Every app of list names an app rule (by its id, or its rule id app.<id>). */
static int check_apps(const struct rules *r, const struct str_list *list,
		      const struct rule_meta *meta, const char *what, struct rules_error *err)
{
	char text[160];

	for (size_t k = 0; k < list->n; k++)
		if (!has_app(r, list->items[k])) {
			snprintf(text, sizeof(text), "%s names '%.30s', which no app rule defines",
				 what, list->items[k]);
			return error_at(err, meta, NULL, 0, 0, text);
		}
	return 0;
}

static int check_references(struct rules *r, struct rules_error *err)
{
	char text[160];
	int rc = 0;

	for (size_t i = 0; i < r->n_policies && !rc; i++) {
		const struct policy_rule *p = &r->policies[i];

		for (size_t k = 0; k < p->entities_any.n; k++)
			if (!has_entity(r, p->entities_any.items[k])) {
				snprintf(text, sizeof(text),
					 "entities_any names '%.30s', which no detector defines",
					 p->entities_any.items[k]);
				return error_at(err, &p->meta, NULL, 0, 0, text);
			}
		rc = check_apps(r, &p->apps_any, &p->meta, "apps_any", err);
		if (!rc)
			rc = check_apps(r, &p->dest.apps, &p->meta, "destination.apps", err);
	}
	for (size_t i = 0; i < r->n_exceptions && !rc; i++) {
		const struct exception_rule *e = &r->exceptions[i];

		rc = check_apps(r, &e->apps, &e->meta, "match.apps", err);
		if (!rc)
			rc = check_apps(r, &e->dest.apps, &e->meta, "destination.apps", err);
	}
	if (rc)
		return rc;
	if (r->n_detectors > MAX_COLUMN_DETECTORS)
		for (size_t i = MAX_COLUMN_DETECTORS; i < r->n_detectors; i++)
			if (r->detectors[i].ctx_words.n)
				return error_at(
					err, &r->detectors[i].meta, NULL, 0, 0,
					"too many detectors with context words (64 at most)");
	return 0;
}

/* Pattern table under construction, with where each pattern came from for errors. */
struct pattern_build {
	char **expr;
	unsigned *flags;
	unsigned *ids;
	struct pattern_ref *refs;
	const struct rule_meta **metas;
	const char **files;
	unsigned *lines, *columns;
	size_t n, cap;
	struct arena *arena;
};

static int add_pattern(struct pattern_build *b, char *expr, unsigned flags, struct pattern_ref ref,
		       const struct rule_meta *meta, const char *file, unsigned line,
		       unsigned column)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;

		if (cap > 0xffffu)
			return -E2BIG;
#define GROW(f)                                                                               \
	do {                                                                                  \
		void *p = reallocarray(b->f, cap, sizeof(*b->f));                             \
		if (!p)                                                                       \
			return -ENOMEM;                                                       \
		b->f = p;                                                                     \
	} while (0)
		GROW(expr);
		GROW(flags);
		GROW(ids);
		GROW(refs);
		GROW(metas);
		GROW(files);
		GROW(lines);
		GROW(columns);
#undef GROW
		b->cap = cap;
	}
	b->expr[b->n] = expr;
	b->flags[b->n] = flags;
	b->ids[b->n] = (unsigned)b->n;
	b->refs[b->n] = ref;
	b->metas[b->n] = meta;
	b->files[b->n] = file;
	b->lines[b->n] = line;
	b->columns[b->n] = column;
	b->n++;
	return 0;
}

static void free_build(struct pattern_build *b)
{
	free(b->expr);
	free(b->flags);
	free(b->ids);
	free(b->metas);
	free(b->files);
	free(b->lines);
	free(b->columns);
	/* refs moves into the rules */
}

/*
 * A literal word as a Hyperscan expression: normalised like the text, every ASCII character
 * that is not a letter or digit escaped as \xHH, other bytes kept (Hyperscan matches bytes).
 * *flags_out gets the word-boundary flags, *len_out the normalised length.
 */
static char *literal_expr(struct arena *arena, const char *word, uint8_t *flags_out,
			  uint16_t *len_out)
{
	char norm[1024];
	long len = normalize_string(word, norm, sizeof(norm));
	size_t o = 0;
	char *expr;

	if (len <= 0)
		return NULL;
	expr = arena_alloc(arena, (size_t)len * 4 + 1);
	if (!expr)
		return NULL;
	for (long i = 0; i < len; i++) {
		unsigned char c = (unsigned char)norm[i];

		if (c >= 0x80 || isalnum(c))
			expr[o++] = (char)c;
		else
			o += (size_t)sprintf(expr + o, "\\x%02x", c);
	}
	expr[o] = '\0';
	*flags_out = 0;
	*len_out = (uint16_t)len;
	if ((unsigned char)norm[0] < 0x80 && isalnum((unsigned char)norm[0]))
		*flags_out |= PAT_WORD_LEFT;
	if ((unsigned char)norm[len - 1] < 0x80 && isalnum((unsigned char)norm[len - 1]))
		*flags_out |= PAT_WORD_RIGHT;
	return expr;
}

/* A regular expression normalised like the text (its Arabic letters folded the same way);
 * NULL when out of memory or empty once normalised. */
static char *regex_expr(struct arena *arena, const char *regex)
{
	size_t cap = NORMALIZE_OUT_MAX(strlen(regex)) + 1;
	char *norm = arena_alloc(arena, cap);
	long len = norm ? normalize_string(regex, norm, cap) : -1;

	return len > 0 ? norm : NULL;
}

/* ^ and $ stand for the ends of a line only where the expression uses them: the flag costs. */
static unsigned multiline_flag(const char *expr)
{
	return strchr(expr, '^') || strchr(expr, '$') ? HS_FLAG_MULTILINE : 0;
}

static int add_words(struct pattern_build *b, const struct str_list *words, uint8_t role,
		     size_t rule, const struct rule_meta *meta, struct rules_error *err_out)
{
	for (size_t i = 0; i < words->n; i++) {
		struct pattern_ref ref = { .role = role, .rule = (uint16_t)rule, .item = (uint16_t)i };
		char *expr = literal_expr(b->arena, words->items[i], &ref.flags, &ref.lit_len);
		int err;

		if (!expr) {
			char text[160];

			snprintf(text, sizeof(text), "word '%.60s' is empty once normalised",
				 words->items[i]);
			return error_at(err_out, meta, NULL, 0, 0, text);
		}
		/* a literal's start is its end minus its length: no start-of-match tracking, which
		 * costs Hyperscan much */
		ref.flags |= PAT_LITERAL;
		err = add_pattern(b, expr, HS_FLAG_CASELESS, ref, meta, NULL, 0, 0);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Patterns go to one of two databases: markers that only count in the first or last lines of a
 * document (zone != anywhere) to the zone database, run on those lines only; everything else to
 * the main database, run on every line. zone selects which is being built.
 */
static int collect_patterns(struct rules *r, struct pattern_build *b, struct rules_error *e,
			    bool zone)
{
	int err = 0;

	for (size_t d = 0; d < r->n_detectors && !err && !zone; d++) {
		const struct detector *det = &r->detectors[d];

		if (!det->meta.enabled)
			continue;
		for (size_t p = 0; p < det->n_patterns && !err; p++) {
			struct pattern_ref ref = { .role = ROLE_DETECT,
						   .flags = det->patterns[p].column_only ? PAT_COLUMN_ONLY
											 : 0,
						   .rule = (uint16_t)d,
						   .item = (uint16_t)p };
			char *expr = regex_expr(&r->arena, det->patterns[p].regex);
			unsigned flags;

			if (!expr)
				return error_at(e, &det->meta, det->patterns[p].file,
						det->patterns[p].line, det->patterns[p].column,
						"pattern is empty once normalised");
			flags = multiline_flag(expr);
			/* an address is delimited by its own characters around the @: the start is
			 * found from the end (detect.c), sparing Hyperscan the costly tracking */
			if (det->validator == VAL_EMAIL)
				ref.flags |= PAT_NO_SOM;
			else
				flags |= HS_FLAG_SOM_LEFTMOST;
			err = add_pattern(b, expr, flags, ref, &det->meta, det->patterns[p].file,
					  det->patterns[p].line, det->patterns[p].column);
		}
		if (!err)
			err = add_words(b, &det->ctx_words, ROLE_CONTEXT, d, &det->meta, e);
		if (!err)
			err = add_words(b, &det->neg_words, ROLE_NEGATIVE, d, &det->meta, e);
	}
	for (size_t m = 0; m < r->n_markers && !err; m++) {
		const struct marker *mk = &r->markers[m];

		if (!mk->meta.enabled || mk->whole_line || (mk->zone != ZONE_ANYWHERE) != zone)
			continue;
		err = add_words(b, &mk->phrases, ROLE_MARKER, m, &mk->meta, e);
		for (size_t i = 0; i < mk->regexes.n && !err; i++) {
			/* a marker regex only says "this line has it": no start of match needed,
			 * which keeps bounded repeats cheap for Hyperscan */
			struct pattern_ref ref = { .role = ROLE_MARKER, .flags = PAT_NO_SOM,
						   .rule = (uint16_t)m,
						   .item = (uint16_t)(mk->phrases.n + i) };
			char *expr = regex_expr(&r->arena, mk->regexes.items[i]);

			if (!expr)
				return error_at(e, &mk->meta, NULL, 0, 0,
						"regex is empty once normalised");
			err = add_pattern(b, expr, HS_FLAG_CASELESS | multiline_flag(expr), ref,
					  &mk->meta, NULL, 0, 0);
		}
	}
	return err;
}

/* Compiles one database from b; ids continue from first_id in the shared pattern map. */
static int compile_one(struct rules *r, struct pattern_build *b, hs_database_t **db,
		       struct rules_error *err)
{
	hs_compile_error_t *cerr = NULL;

	if (hs_compile_multi((const char *const *)b->expr, b->flags, b->ids, (unsigned)b->n,
			     HS_MODE_BLOCK, NULL, db, &cerr) != HS_SUCCESS) {
		char text[200];
		int i = cerr->expression;
		int rc = -EINVAL;

		snprintf(text, sizeof(text), "pattern refused by Hyperscan: %.120s", cerr->message);
		if (i >= 0 && (size_t)i < b->n)
			rc = error_at(err, b->metas[i], b->files[i], b->lines[i], b->columns[i],
				      text);
		else
			snprintf(err->text, sizeof(err->text), "%s", text);
		hs_free_compile_error(cerr);
		return rc;
	}
	if (hs_alloc_scratch(*db, &r->scratch) != HS_SUCCESS) {
		snprintf(err->text, sizeof(err->text), "cannot allocate Hyperscan scratch");
		return -ENOMEM;
	}
	return 0;
}

static int compile_database(struct rules *r, struct rules_error *err)
{
	struct pattern_build b = { .arena = &r->arena };
	size_t n_main;
	int rc = collect_patterns(r, &b, err, false);

	n_main = b.n;
	if (!rc)
		rc = collect_patterns(r, &b, err, true);
	if (rc == -E2BIG)
		snprintf(err->text, sizeof(err->text), "more than 65535 patterns in the rule set");
	else if (rc == -ENOMEM)
		snprintf(err->text, sizeof(err->text), "out of memory");
	if (rc)
		goto out;
	if (n_main == 0) {
		rc = -EINVAL;
		snprintf(err->text, sizeof(err->text), "the rule set has no enabled pattern");
		goto out;
	}
	/* the zone patterns follow the main ones in b: compile each range as its own database */
	{
		struct pattern_build zone = b;

		b.n = n_main;
		rc = compile_one(r, &b, &r->db, err);
		zone.expr += n_main;
		zone.flags += n_main;
		zone.ids += n_main;
		zone.metas += n_main;
		zone.files += n_main;
		zone.lines += n_main;
		zone.columns += n_main;
		zone.n -= n_main;
		b.n += zone.n;
		if (!rc && zone.n)
			rc = compile_one(r, &zone, &r->zone_db, err);
	}
	if (rc)
		goto out;
	r->patterns = b.refs;
	b.refs = NULL;
	r->n_patterns = b.n;
out:
	free(b.refs);
	free_build(&b);
	return rc;
}

static int build_mark_keys(struct rules *r)
{
	for (size_t m = 0; m < r->n_markers; m++) {
		struct marker *mk = &r->markers[m];

		if (!mk->whole_line)
			continue;
		mk->line_keys.items = arena_alloc(&r->arena, mk->phrases.n * sizeof(char *));
		if (!mk->line_keys.items)
			return -ENOMEM;
		for (size_t i = 0; i < mk->phrases.n; i++) {
			char norm[512], key[512];
			long len = normalize_string(mk->phrases.items[i], norm, sizeof(norm));

			if (len < 0)
				return -ENOMEM;
			mark_key(norm, (size_t)len, key, sizeof(key));
			mk->line_keys.items[i] = arena_strdup(&r->arena, key);
			if (!mk->line_keys.items[i])
				return -ENOMEM;
		}
		mk->line_keys.n = mk->phrases.n;
	}
	return 0;
}

static int collect_exe_names(struct rules *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_apps; i++)
		if (r->apps[i].meta.enabled)
			n += r->apps[i].executables.n;
	r->exe_names = arena_alloc(&r->arena, (n ? n : 1) * sizeof(*r->exe_names));
	if (!r->exe_names)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_apps; i++)
		for (size_t k = 0; r->apps[i].meta.enabled && k < r->apps[i].executables.n; k++)
			r->exe_names[r->n_exe_names++] = r->apps[i].executables.items[k];
	return 0;
}

/* Every rule in one table (rule_meta.index), with a counter each. */
static int index_rules(struct rules *r)
{
	size_t n = r->n_detectors + r->n_markers + r->n_apps + r->n_fingerprints + r->n_policies +
		   r->n_exceptions,
	       k = 0;

	r->all = calloc(n ? n : 1, sizeof(*r->all));
	r->counts = calloc(n ? n : 1, sizeof(*r->counts));
	if (!r->all || !r->counts)
		return -ENOMEM;
#define INDEX(arr, cnt)                            \
	for (size_t i = 0; i < (cnt); i++, k++) {  \
		(arr)[i].meta.index = (unsigned)k; \
		r->all[k] = &(arr)[i].meta;        \
	}
	INDEX(r->detectors, r->n_detectors);
	INDEX(r->markers, r->n_markers);
	INDEX(r->apps, r->n_apps);
	INDEX(r->fingerprints, r->n_fingerprints);
	INDEX(r->policies, r->n_policies);
	INDEX(r->exceptions, r->n_exceptions);
#undef INDEX
	r->n_all = n;
	return 0;
}

int rules_compile(struct rules *r, struct rules_error *err)
{
	int rc = check_references(r, err);

	if (!rc && (build_mark_keys(r) || collect_exe_names(r) || index_rules(r))) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		rc = -ENOMEM;
	}
	if (!rc)
		rc = compile_database(r, err);
	for (size_t i = 0; !rc && i < r->n_fingerprints; i++)
		r->has_ssdeep |= r->fingerprints[i].meta.enabled && r->fingerprints[i].ssdeep;
	return rc;
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	hs_free_scratch(r->scratch);
	hs_free_database(r->db);
	hs_free_database(r->zone_db);
	free(r->patterns);
	free(r->detectors);
	free(r->markers);
	free(r->apps);
	free(r->fingerprints);
	free(r->policies);
	free(r->exceptions);
	free(r->all);
	free(r->counts);
	arena_release(&r->arena);
	free(r);
}

const char *rules_hash(const struct rules *r)
{
	return r->hash;
}

const char *rules_notice_guidance(const struct rules *r)
{
	return r->settings.notice_guidance;
}

void rules_summarize(const struct rules *r, struct rules_summary *out)
{
	time_t now = time(NULL);

	memset(out, 0, sizeof(*out));
	out->detectors = r->n_detectors;
	out->markers = r->n_markers;
	out->apps = r->n_apps;
	out->fingerprints = r->n_fingerprints;
	out->policies = r->n_policies;
	out->exceptions = r->n_exceptions;
	out->patterns = r->n_patterns;
	for (size_t i = 0; i < r->n_all; i++) {
		out->disabled += !r->all[i]->enabled;
		out->shadow += r->all[i]->mode == RULES_MODE_SHADOW;
	}
	out->expired = rules_expired(r, now, NULL, NULL);
}

/* Merges, types and compiles the packs, hashing them. Frees and returns NULL on error. */
struct rules *rules_build_sources(const struct pack_source *src, size_t n, struct rules_error *err)
{
	struct rules *r = calloc(1, sizeof(*r));
	struct merged_packs merged;
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 0;

	memset(err, 0, sizeof(*err));
	memset(&merged, 0, sizeof(merged));
	if (!r || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	r->settings = default_settings;
	rc = packs_merge(src, n, &merged, err);
	if (!rc)
		rc = pack_load(r, &merged, err);
	for (size_t i = 0; i < n && !rc; i++) {
		/* file names without their directory: the same packs hash the same wherever they
		 * were loaded from (built in, or a copy under /etc) */
		const char *base = strrchr(src[i].name, '/') ? strrchr(src[i].name, '/') + 1
							      : src[i].name;

		if (merged.replaced[i])
			continue;
		if (!EVP_DigestUpdate(ctx, base, strlen(base) + 1) ||
		    !EVP_DigestUpdate(ctx, src[i].text, src[i].len))
			rc = -ENOMEM;
	}
	if (!rc)
		rc = rules_compile(r, err);
	if (!rc && !EVP_DigestFinal_ex(ctx, md, NULL))
		rc = -ENOMEM;
	if (!rc)
		for (int i = 0; i < 32; i++)
			snprintf(r->hash + 2 * i, 3, "%02x", md[i]);
out:
	merged_packs_release(&merged);
	EVP_MD_CTX_free(ctx);
	if (rc) {
		rules_free(r);
		errno = -rc;
		return NULL;
	}
	return r;
}
