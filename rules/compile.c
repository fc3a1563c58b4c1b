// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule-set construction: loading packs (from a directory, a file, or the packs embedded in the
 * binary), the checks that span packs, and compilation of every pattern into one Hyperscan
 * database with a map from pattern id back to the rule and role it serves. A rule set is
 * built whole or not at all: on any error the caller keeps the rules it had.
 */
#include "engine.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "raqib/schema.h"
#include "normalize.h"
#include "packs_embedded.h"

#define MAX_PACK_BYTES (4u << 20)
#define MAX_PACKS 256

static const struct rules_settings default_settings = {
	.official_threshold = 6,
	.top_lines = 15,
	.bottom_lines = 10,
	.bulk_threshold = 5,
	.max_findings = 100000,
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

static int error_at(struct rules_error *err, const struct rule_meta *m, unsigned line,
		    unsigned column, const char *text)
{
	snprintf(err->file, sizeof(err->file), "%s", m->file);
	err->line = line ? line : m->line;
	err->column = line ? column : m->column;
	snprintf(err->text, sizeof(err->text), "rule '%.60s': %.180s", m->id, text);
	return -EINVAL;
}

struct id_ref {
	const char *id;
	const struct rule_meta *meta;
	size_t order;
};

static int cmp_id_ref(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static int check_duplicate_ids(struct rules *r, struct rules_error *err)
{
	size_t n = r->n_detectors + r->n_markers + r->n_apps + r->n_fingerprints + r->n_policies +
		   r->n_exceptions;
	struct id_ref *refs = calloc(n ? n : 1, sizeof(*refs));
	size_t k = 0;
	int rc = 0;

	if (!refs)
		return -ENOMEM;
#define ADD_IDS(arr, cnt)                                                                     \
	for (size_t i = 0; i < (cnt); i++, k++)                                               \
		refs[k] = (struct id_ref){ (arr)[i].meta.id, &(arr)[i].meta, k };
	ADD_IDS(r->detectors, r->n_detectors);
	ADD_IDS(r->markers, r->n_markers);
	ADD_IDS(r->apps, r->n_apps);
	ADD_IDS(r->fingerprints, r->n_fingerprints);
	ADD_IDS(r->policies, r->n_policies);
	ADD_IDS(r->exceptions, r->n_exceptions);
#undef ADD_IDS
	qsort(refs, n, sizeof(*refs), cmp_id_ref);
	for (size_t i = 1; i < n && !rc; i++) {
		if (strcmp(refs[i].id, refs[i - 1].id) == 0) {
			char text[200];
			/* report the one defined later, in load order */
			const struct id_ref *later = refs[i].meta->file == refs[i - 1].meta->file &&
							     refs[i].meta->line < refs[i - 1].meta->line
							     ? &refs[i - 1]
							     : &refs[i];
			const struct id_ref *first = later == &refs[i] ? &refs[i - 1] : &refs[i];

			snprintf(text, sizeof(text), "duplicate id, first defined at %.80s:%u",
				 first->meta->file, first->meta->line);
			rc = error_at(err, later->meta, 0, 0, text);
		}
	}
	free(refs);
	return rc;
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

static int check_references(struct rules *r, struct rules_error *err)
{
	char text[160];

	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy_rule *p = &r->policies[i];

		for (size_t k = 0; k < p->entities_any.n; k++)
			if (!has_entity(r, p->entities_any.items[k])) {
				snprintf(text, sizeof(text),
					 "entities_any names '%.30s', which no detector defines",
					 p->entities_any.items[k]);
				return error_at(err, &p->meta, 0, 0, text);
			}
		for (size_t k = 0; k < p->apps_any.n; k++)
			if (!has_app(r, p->apps_any.items[k])) {
				snprintf(text, sizeof(text),
					 "apps_any names '%.30s', which no app rule defines",
					 p->apps_any.items[k]);
				return error_at(err, &p->meta, 0, 0, text);
			}
	}
	for (size_t i = 0; i < r->n_exceptions; i++) {
		const struct exception_rule *e = &r->exceptions[i];

		for (size_t k = 0; k < e->apps.n; k++)
			if (!has_app(r, e->apps.items[k])) {
				snprintf(text, sizeof(text),
					 "match.apps names '%.30s', which no app rule defines",
					 e->apps.items[k]);
				return error_at(err, &e->meta, 0, 0, text);
			}
	}
	if (r->n_detectors > MAX_COLUMN_DETECTORS)
		for (size_t i = MAX_COLUMN_DETECTORS; i < r->n_detectors; i++)
			if (r->detectors[i].ctx_words.n)
				return error_at(err, &r->detectors[i].meta, 0, 0,
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
	unsigned *lines, *columns;
	size_t n, cap;
	struct arena *arena;
};

static int add_pattern(struct pattern_build *b, char *expr, unsigned flags, struct pattern_ref ref,
		       const struct rule_meta *meta, unsigned line, unsigned column)
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
			return error_at(err_out, meta, 0, 0, text);
		}
		/* a literal's start is its end minus its length: no start-of-match tracking, which
		 * costs Hyperscan much */
		ref.flags |= PAT_LITERAL;
		err = add_pattern(b, expr, HS_FLAG_CASELESS, ref, meta, 0, 0);
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
				return error_at(e, &det->meta, det->patterns[p].line,
						det->patterns[p].column, "pattern is empty once normalised");
			flags = multiline_flag(expr);
			/* an address is delimited by its own characters around the @: the start is
			 * found from the end (detect.c), sparing Hyperscan the costly tracking */
			if (det->validator == VAL_EMAIL)
				ref.flags |= PAT_NO_SOM;
			else
				flags |= HS_FLAG_SOM_LEFTMOST;
			err = add_pattern(b, expr, flags, ref, &det->meta, det->patterns[p].line,
					  det->patterns[p].column);
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
				return error_at(e, &mk->meta, 0, 0, "regex is empty once normalised");
			err = add_pattern(b, expr, HS_FLAG_CASELESS | multiline_flag(expr), ref,
					  &mk->meta, 0, 0);
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
			rc = error_at(err, b->metas[i], b->lines[i], b->columns[i], text);
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

int rules_compile(struct rules *r, struct rules_error *err)
{
	int rc = check_duplicate_ids(r, err);

	if (!rc)
		rc = check_references(r, err);
	if (!rc && (build_mark_keys(r) || collect_exe_names(r))) {
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
	arena_release(&r->arena);
	free(r);
}

const char *rules_hash(const struct rules *r)
{
	return r->hash;
}

void rules_summarize(const struct rules *r, struct rules_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->detectors = r->n_detectors;
	out->markers = r->n_markers;
	out->apps = r->n_apps;
	out->fingerprints = r->n_fingerprints;
	out->policies = r->n_policies;
	out->exceptions = r->n_exceptions;
	out->patterns = r->n_patterns;
#define COUNT_MODES(arr, cnt)                                                                 \
	for (size_t i = 0; i < (cnt); i++) {                                                  \
		out->disabled += !(arr)[i].meta.enabled;                                      \
		out->shadow += (arr)[i].meta.mode == RULES_MODE_SHADOW;                        \
	}
	COUNT_MODES(r->detectors, r->n_detectors);
	COUNT_MODES(r->markers, r->n_markers);
	COUNT_MODES(r->apps, r->n_apps);
	COUNT_MODES(r->fingerprints, r->n_fingerprints);
	COUNT_MODES(r->policies, r->n_policies);
	COUNT_MODES(r->exceptions, r->n_exceptions);
#undef COUNT_MODES
}

/* Loads sources in order, hashing them, then compiles. Frees and returns NULL on error. */
static struct rules *build(const struct pack_source *src, size_t n, struct rules_error *err)
{
	struct rules *r = calloc(1, sizeof(*r));
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 0;

	if (!r || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	r->settings = default_settings;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = pack_load(r, &src[i], err);
		/* file names without their directory: the same packs hash the same wherever they
		 * were loaded from (built in, or a copy under /etc) */
		const char *base = strrchr(src[i].name, '/') ? strrchr(src[i].name, '/') + 1
							      : src[i].name;

		if (!rc && (!EVP_DigestUpdate(ctx, base, strlen(base) + 1) ||
			    !EVP_DigestUpdate(ctx, src[i].text, src[i].len)))
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
	EVP_MD_CTX_free(ctx);
	if (rc) {
		rules_free(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

struct rules *rules_load_text(const char *name, const char *text, size_t len,
			      struct rules_error *err)
{
	struct pack_source src = { name, text, len };

	memset(err, 0, sizeof(*err));
	return build(&src, 1, err);
}

struct rules *rules_new_builtin(struct rules_error *err)
{
	struct pack_source src[16];
	size_t n = 0;

	memset(err, 0, sizeof(*err));
	for (size_t i = 0; i < embedded_pack_count && n < 16; i++, n++)
		src[n] = (struct pack_source){ embedded_packs[i].name, embedded_packs[i].text,
					       embedded_packs[i].len };
	return build(src, n, err);
}

static int read_file(const char *path, char **text, size_t *len, struct rules_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	snprintf(err->file, sizeof(err->file), "%s", path);
	if (fd < 0) {
		snprintf(err->text, sizeof(err->text), "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_PACK_BYTES) {
		snprintf(err->text, sizeof(err->text), "not a regular file of at most %u bytes",
			 MAX_PACK_BYTES);
		close(fd);
		return -EINVAL;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		snprintf(err->text, sizeof(err->text), "cannot read: %s",
			 got < 0 ? strerror(errno) : "short read");
		free(*text);
		return -EIO;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pack_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && ((len > 4 && !strcmp(name + len - 4, ".yml")) ||
				  (len > 5 && !strcmp(name + len - 5, ".yaml")));
}

/* The pack files of path: a directory's .yml and .yaml files in name order, or the file. */
static int list_packs(const char *path, char ***files, size_t *n, struct rules_error *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	*n = 0;
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (stat(path, &st) != 0) {
		snprintf(err->text, sizeof(err->text), "cannot open: %s", strerror(errno));
		return -errno;
	}
	*files = calloc(MAX_PACKS, sizeof(**files));
	if (!*files)
		return -ENOMEM;
	if (!S_ISDIR(st.st_mode)) {
		(*files)[(*n)++] = strdup(path);
		return (*files)[0] ? 0 : -ENOMEM;
	}
	d = opendir(path);
	if (!d) {
		snprintf(err->text, sizeof(err->text), "cannot list: %s", strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char full[4096];

		if (!is_pack_name(de->d_name))
			continue;
		if (*n == MAX_PACKS) {
			snprintf(err->text, sizeof(err->text), "more than %d packs", MAX_PACKS);
			closedir(d);
			return -E2BIG;
		}
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		(*files)[*n] = strdup(full);
		if (!(*files)[(*n)++]) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	if (*n == 0) {
		snprintf(err->text, sizeof(err->text), "no *.yml pack in this directory");
		return -ENOENT;
	}
	qsort(*files, *n, sizeof(**files), cmp_str);
	return 0;
}

struct rules *rules_load(const char *path, struct rules_error *err)
{
	struct pack_source *src = NULL;
	struct rules *rules = NULL;
	char **files = NULL;
	size_t n = 0, loaded = 0;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = list_packs(path, &files, &n, err);
	if (!rc) {
		src = calloc(n, sizeof(*src));
		rc = src ? 0 : -ENOMEM;
	}
	for (; !rc && loaded < n; loaded++) {
		char *text = NULL;
		size_t len = 0;

		rc = read_file(files[loaded], &text, &len, err);
		if (!rc)
			src[loaded] = (struct pack_source){ files[loaded], text, len };
	}
	if (!rc) {
		memset(err, 0, sizeof(*err));
		rules = build(src, n, err);
	} else if (rc == -ENOMEM) {
		snprintf(err->text, sizeof(err->text), "out of memory");
	}
	for (size_t i = 0; src && i < n; i++)
		free((char *)src[i].text);
	for (size_t i = 0; files && i < n; i++)
		free(files[i]);
	free(files);
	free(src);
	if (rc)
		errno = -rc;
	return rules;
}
