// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule loader: the merged rule set (pack_merge.c: every pack's rules, overrides applied) into
 * typed rules, refusing anything it does not understand with the file, line, column and
 * reason: an unknown key, a missing field, a value of the wrong type or out of range. What
 * spans rules (references between rules, patterns Hyperscan refuses) is checked by
 * rules_compile().
 *
 * Packs are written by administrators and may come from elsewhere: every count and size is
 * bounded, and the walk over the document is limited so that YAML aliases cannot make it
 * exponential.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <yaml.h>

#include "raqib/schema.h"
#include "pack_merge.h"

#define MAX_RULES 10000
#define MAX_LIST_ITEMS 4096
#define MAX_SCALAR_BYTES 4096
#define MAX_NODE_VISITS 1000000

struct yctx {
	yaml_document_t *doc;
	struct merged_packs *merged;
	const char **files; /* arena copies of the sources' names, by source */
	struct rules_error *err;
	struct rules *rules;
	size_t visits;
	const char *rule_id; /* the rule being read, for messages */
	const yaml_node_t *rule; /* its mapping */
};

/* The file a node was written in (an arena string, valid as long as the rules). */
static const char *file_of(struct yctx *y, const yaml_node_t *n)
{
	size_t id;

	if (!n)
		n = y->rule;
	if (!n)
		return "";
	id = (size_t)(n - y->doc->nodes.start);
	if (id >= y->merged->node_src_cap || y->merged->node_src[id] >= y->merged->n_src)
		return "";
	return y->files[y->merged->node_src[id]];
}

static int fail(struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(y->err->file, sizeof(y->err->file), "%s", file_of(y, n));
	y->err->line = n ? (unsigned)n->start_mark.line + 1 : 0;
	y->err->column = n ? (unsigned)n->start_mark.column + 1 : 0;
	if (y->rule_id)
		snprintf(y->err->text, sizeof(y->err->text), "rule '%.60s': %.180s", y->rule_id, text);
	else
		snprintf(y->err->text, sizeof(y->err->text), "%s", text);
	return -EINVAL;
}

static int oom(struct yctx *y)
{
	y->err->file[0] = '\0';
	snprintf(y->err->text, sizeof(y->err->text), "out of memory");
	return -ENOMEM;
}

static yaml_node_t *node_at(struct yctx *y, int id)
{
	if (++y->visits > MAX_NODE_VISITS)
		return NULL;
	return yaml_document_get_node(y->doc, id);
}

static const char *scalar_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

/* The value of key in mapping m, or NULL; *key_node set to the key when found. */
static yaml_node_t *map_get(struct yctx *y, yaml_node_t *m, const char *key)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(y, p->key);

		if (is_scalar(k) && strcmp(scalar_text(k), key) == 0)
			return node_at(y, p->value);
	}
	return NULL;
}

/* Refuses keys of m not in allowed (NULL-terminated), and keys given twice. */
static int check_keys(struct yctx *y, yaml_node_t *m, const char *const *allowed,
		      const char *what)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(y, p->key);
		bool known = false;

		if (!is_scalar(k))
			return fail(y, k, "%s: keys must be plain names", what);
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, scalar_text(k)) == 0;
		if (!known)
			return fail(y, k, "unknown key '%.40s' in %s", scalar_text(k), what);
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node_at(y, q->key);

			if (is_scalar(k2) && strcmp(scalar_text(k2), scalar_text(k)) == 0)
				return fail(y, k, "key '%.40s' given twice in %s", scalar_text(k),
					    what);
		}
	}
	return 0;
}

static int get_string(struct yctx *y, yaml_node_t *m, const char *key, bool required,
		      char **out)
{
	yaml_node_t *n = map_get(y, m, key);

	if (!n) {
		if (required)
			return fail(y, m, "missing '%s'", key);
		return 0;
	}
	if (!is_scalar(n))
		return fail(y, n, "'%s' must be a single value", key);
	if (n->data.scalar.length > MAX_SCALAR_BYTES)
		return fail(y, n, "'%s' is longer than %d bytes", key, MAX_SCALAR_BYTES);
	if (n->data.scalar.length == 0 && required)
		return fail(y, n, "'%s' is empty", key);
	*out = arena_strndup(&y->rules->arena, scalar_text(n), n->data.scalar.length);
	return *out ? 0 : oom(y);
}

static int parse_bool(struct yctx *y, yaml_node_t *n, const char *key, bool *out)
{
	const char *v;

	if (!is_scalar(n))
		return fail(y, n, "'%s' must be true or false", key);
	v = scalar_text(n);
	if (!strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return fail(y, n, "'%s' must be true or false, not '%.20s'", key, v);
	return 0;
}

static int get_bool(struct yctx *y, yaml_node_t *m, const char *key, bool required, bool *out)
{
	yaml_node_t *n = map_get(y, m, key);

	if (!n)
		return required ? fail(y, m, "missing '%s'", key) : 0;
	return parse_bool(y, n, key, out);
}

static int get_long(struct yctx *y, yaml_node_t *m, const char *key, long min, long max,
		    long *out)
{
	yaml_node_t *n = map_get(y, m, key);
	char *end;
	long v;

	if (!n)
		return 0;
	if (!is_scalar(n))
		return fail(y, n, "'%s' must be a number", key);
	errno = 0;
	v = strtol(scalar_text(n), &end, 10);
	if (errno || end == scalar_text(n) || *end || v < min || v > max)
		return fail(y, n, "'%s' must be a whole number from %ld to %ld", key, min, max);
	*out = v;
	return 0;
}

static int get_unsigned(struct yctx *y, yaml_node_t *m, const char *key, long min, long max,
			unsigned *out)
{
	long v = *out;
	int err = get_long(y, m, key, min, max, &v);

	*out = (unsigned)v;
	return err;
}

static int get_float(struct yctx *y, yaml_node_t *m, const char *key, double min, double max,
		     float *out)
{
	yaml_node_t *n = map_get(y, m, key);
	char *end;
	double v;

	if (!n)
		return 0;
	if (!is_scalar(n))
		return fail(y, n, "'%s' must be a number", key);
	errno = 0;
	v = strtod(scalar_text(n), &end);
	if (errno || end == scalar_text(n) || *end || !(v >= min && v <= max))
		return fail(y, n, "'%s' must be a number from %g to %g", key, min, max);
	*out = (float)v;
	return 0;
}

/* A list of values: a sequence of scalars, or one scalar. */
static int get_list(struct yctx *y, yaml_node_t *m, const char *key, bool required,
		    struct str_list *out)
{
	yaml_node_t *n = map_get(y, m, key);
	size_t count;

	if (!n)
		return required ? fail(y, m, "missing '%s'", key) : 0;
	if (is_scalar(n)) {
		out->items = arena_alloc(&y->rules->arena, sizeof(char *));
		if (!out->items)
			return oom(y);
		out->items[0] = arena_strndup(&y->rules->arena, scalar_text(n),
					      n->data.scalar.length);
		out->n = 1;
		return out->items[0] ? 0 : oom(y);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(y, n, "'%s' must be a list", key);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > MAX_LIST_ITEMS)
		return fail(y, n, "'%s' has more than %d items", key, MAX_LIST_ITEMS);
	if (count == 0 && required)
		return fail(y, n, "'%s' is empty", key);
	out->items = arena_alloc(&y->rules->arena, (count ? count : 1) * sizeof(char *));
	if (!out->items)
		return oom(y);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = node_at(y, n->data.sequence.items.start[i]);

		if (!is_scalar(item))
			return fail(y, item ? item : n, "items of '%s' must be single values", key);
		if (item->data.scalar.length == 0 || item->data.scalar.length > MAX_SCALAR_BYTES)
			return fail(y, item, "an item of '%s' is empty or too long", key);
		out->items[i] = arena_strndup(&y->rules->arena, scalar_text(item),
					      item->data.scalar.length);
		if (!out->items[i])
			return oom(y);
	}
	out->n = count;
	return 0;
}

/* Appends one zeroed element to a realloc'ed rule array. */
static void *grow(void **array, size_t *n, size_t elem)
{
	void *p;

	if (*n >= MAX_RULES)
		return NULL;
	p = realloc(*array, (*n + 1) * elem);
	if (!p)
		return NULL;
	*array = p;
	memset((char *)p + *n * elem, 0, elem);
	return (char *)p + (*n)++ * elem;
}

/* override: only an overlay's entries say true, and pack_merge.c has applied them */
#define COMMON_KEYS "id", "kind", "description", "tags", "enabled", "mode", "version", "override"

static int parse_meta(struct yctx *y, yaml_node_t *m, struct rule_meta *meta)
{
	char *mode = NULL;
	long version = 1;
	int err;

	meta->file = file_of(y, m);
	meta->line = (unsigned)m->start_mark.line + 1;
	meta->column = (unsigned)m->start_mark.column + 1;
	meta->id = (char *)y->rule_id;
	err = get_string(y, m, "description", true, &meta->description);
	if (!err)
		err = get_list(y, m, "tags", true, &meta->tags);
	if (!err)
		err = get_bool(y, m, "enabled", true, &meta->enabled);
	if (!err)
		err = get_string(y, m, "mode", true, &mode);
	if (!err)
		err = get_long(y, m, "version", 1, 1000000, &version);
	if (err)
		return err;
	meta->version = (unsigned)version;
	if (!strcmp(mode, "alert"))
		meta->mode = RULES_MODE_ALERT;
	else if (!strcmp(mode, "shadow"))
		meta->mode = RULES_MODE_SHADOW;
	else
		return fail(y, map_get(y, m, "mode"), "mode must be alert or shadow, not '%.20s'",
			    mode);
	return 0;
}

static const struct {
	const char *name;
	enum validator_kind kind;
} validators[] = {
	{ "none", VAL_NONE },	      { "cin", VAL_CIN },	{ "phone_ma", VAL_PHONE_MA },
	{ "rib", VAL_RIB },	      { "iban_ma", VAL_IBAN_MA }, { "card", VAL_CARD },
	{ "email", VAL_EMAIL },	      { "digits", VAL_DIGITS }, { "ice", VAL_ICE },
	{ "massar", VAL_MASSAR },     { "passport", VAL_PASSPORT },
};

static int parse_patterns(struct yctx *y, yaml_node_t *m, struct detector *d)
{
	static const char *const pattern_keys[] = { "regex", "column_only", NULL };
	yaml_node_t *n = map_get(y, m, "patterns");
	size_t count;

	if (!n)
		return fail(y, m, "missing 'patterns'");
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(y, n, "'patterns' must be a list");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0 || count > 64)
		return fail(y, n, "'patterns' must have 1 to 64 items");
	d->patterns = arena_alloc(&y->rules->arena, count * sizeof(*d->patterns));
	if (!d->patterns)
		return oom(y);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *p = node_at(y, n->data.sequence.items.start[i]);
		struct det_pattern *dp = &d->patterns[i];
		int err;

		if (!p)
			return fail(y, n, "document too complex");
		dp->file = file_of(y, p);
		dp->line = (unsigned)p->start_mark.line + 1;
		dp->column = (unsigned)p->start_mark.column + 1;
		if (is_scalar(p)) {
			dp->regex = arena_strdup(&y->rules->arena, scalar_text(p));
			if (!dp->regex)
				return oom(y);
		} else if (p->type == YAML_MAPPING_NODE) {
			err = check_keys(y, p, pattern_keys, "a pattern");
			if (!err)
				err = get_string(y, p, "regex", true, &dp->regex);
			if (!err)
				err = get_bool(y, p, "column_only", false, &dp->column_only);
			if (err)
				return err;
		} else {
			return fail(y, p, "a pattern is a regular expression or {regex, column_only}");
		}
		if (!*dp->regex)
			return fail(y, p, "empty pattern");
	}
	d->n_patterns = count;
	return 0;
}

static int parse_words(struct yctx *y, yaml_node_t *m, const char *key, bool is_negative,
		       struct detector *d)
{
	static const char *const ctx_keys[] = { "required", "before", "after", "boost", "words",
						NULL };
	static const char *const neg_keys[] = { "before", "penalty", "words", NULL };
	yaml_node_t *n = map_get(y, m, key);
	int err;

	if (!n)
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(y, n, "'%s' must be a mapping", key);
	err = check_keys(y, n, is_negative ? neg_keys : ctx_keys, key);
	if (err)
		return err;
	if (is_negative) {
		d->neg_before = 15;
		d->neg_penalty = 0.4f;
		err = get_unsigned(y, n, "before", 0, 200, &d->neg_before);
		if (!err)
			err = get_float(y, n, "penalty", 0, 1, &d->neg_penalty);
		if (!err)
			err = get_list(y, n, "words", true, &d->neg_words);
		return err;
	}
	d->ctx_before = 40;
	d->ctx_after = 20;
	d->ctx_boost = 0.5f;
	err = get_bool(y, n, "required", false, &d->ctx_required);
	if (!err)
		err = get_unsigned(y, n, "before", 0, 1000, &d->ctx_before);
	if (!err)
		err = get_unsigned(y, n, "after", 0, 1000, &d->ctx_after);
	if (!err)
		err = get_float(y, n, "boost", 0, 1, &d->ctx_boost);
	if (!err)
		err = get_list(y, n, "words", true, &d->ctx_words);
	return err;
}

static int parse_detector(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = { COMMON_KEYS, "entity", "person", "priority",
					    "patterns", "validator", "score", "checksum_score",
					    "min_score", "context", "negative", NULL };
	struct detector *d = grow((void **)&y->rules->detectors, &y->rules->n_detectors,
				  sizeof(*d));
	char *entity = NULL, *validator = "none";
	long priority = 0;
	bool found = false;
	int err;

	if (!d)
		return oom(y);
	err = check_keys(y, m, keys, "a detector rule");
	if (!err)
		err = parse_meta(y, m, &d->meta);
	if (!err)
		err = get_string(y, m, "entity", true, &entity);
	if (err)
		return err;
	if (strlen(entity) >= RULES_TYPE_MAX)
		return fail(y, map_get(y, m, "entity"), "entity name longer than %d characters",
			    RULES_TYPE_MAX - 1);
	for (const char *p = entity; *p; p++)
		if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return fail(y, map_get(y, m, "entity"),
				    "entity '%.30s' must be upper-case letters, digits and _", entity);
	snprintf(d->entity, sizeof(d->entity), "%s", entity);
	d->score = 0.5f;
	d->checksum_score = 1.0f;
	d->min_score = 0.5f;
	err = get_bool(y, m, "person", false, &d->person);
	if (!err)
		err = get_long(y, m, "priority", -1000, 1000, &priority);
	if (!err)
		err = get_string(y, m, "validator", false, &validator);
	if (!err)
		err = get_float(y, m, "score", 0, 1, &d->score);
	if (!err)
		err = get_float(y, m, "checksum_score", 0, 1, &d->checksum_score);
	if (!err)
		err = get_float(y, m, "min_score", 0, 1, &d->min_score);
	if (!err)
		err = parse_patterns(y, m, d);
	if (!err)
		err = parse_words(y, m, "context", false, d);
	if (!err)
		err = parse_words(y, m, "negative", true, d);
	if (err)
		return err;
	d->priority = (int)priority;
	for (size_t i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		if (!strcmp(validators[i].name, validator)) {
			d->validator = validators[i].kind;
			found = true;
		}
	if (!found)
		return fail(y, map_get(y, m, "validator"), "unknown validator '%.30s'", validator);
	return 0;
}

static const char *const signal_names[SIG_COUNT] = {
	[SIG_LETTERHEAD] = "letterhead", [SIG_ADMINISTRATION] = "administration",
	[SIG_REFERENCE] = "reference",	 [SIG_SUBJECT] = "subject",
	[SIG_PLACE_DATE] = "place_date", [SIG_PROTOCOL] = "protocol",
	[SIG_DOCTYPE] = "doctype",	 [SIG_CLASSIFICATION] = "classification",
	[SIG_NEWS] = "news",		 [SIG_FOREIGN] = "foreign",
	[SIG_COMPANY] = "company",
};

const char *marker_signal_name(enum marker_signal s)
{
	return s < SIG_COUNT ? signal_names[s] : "?";
}

static int parse_marker(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = { COMMON_KEYS, "signal", "points", "anchor", "zone",
					    "line_start", "whole_line", "level", "phrases",
					    "regexes", NULL };
	struct marker *mk = grow((void **)&y->rules->markers, &y->rules->n_markers, sizeof(*mk));
	char *signal = NULL, *zone = "top", *level = NULL;
	long points = 0;
	int err, s;

	if (!mk)
		return oom(y);
	err = check_keys(y, m, keys, "a marker rule");
	if (!err)
		err = parse_meta(y, m, &mk->meta);
	if (!err)
		err = get_string(y, m, "signal", true, &signal);
	if (!err)
		err = get_long(y, m, "points", -100, 100, &points);
	if (!err)
		err = get_bool(y, m, "anchor", false, &mk->anchor);
	if (!err)
		err = get_string(y, m, "zone", false, &zone);
	if (!err)
		err = get_bool(y, m, "line_start", false, &mk->line_start);
	if (!err)
		err = get_bool(y, m, "whole_line", false, &mk->whole_line);
	if (!err)
		err = get_string(y, m, "level", false, &level);
	if (!err)
		err = get_list(y, m, "phrases", false, &mk->phrases);
	if (!err)
		err = get_list(y, m, "regexes", false, &mk->regexes);
	if (err)
		return err;
	mk->points = (int)points;
	for (s = 0; s < SIG_COUNT && strcmp(signal_names[s], signal); s++)
		;
	if (s == SIG_COUNT)
		return fail(y, map_get(y, m, "signal"), "unknown signal '%.30s'", signal);
	mk->signal = (enum marker_signal)s;
	if (!strcmp(zone, "top"))
		mk->zone = ZONE_TOP;
	else if (!strcmp(zone, "bottom"))
		mk->zone = ZONE_BOTTOM;
	else if (!strcmp(zone, "edges"))
		mk->zone = ZONE_EDGES;
	else if (!strcmp(zone, "anywhere"))
		mk->zone = ZONE_ANYWHERE;
	else
		return fail(y, map_get(y, m, "zone"), "zone must be top, bottom, edges or anywhere");
	if (level) {
		int l = level_from_name(level);

		if (l <= RULES_LEVEL_NONE)
			return fail(y, map_get(y, m, "level"), "unknown level '%.30s'", level);
		mk->level = (enum rules_level)l;
	}
	if (mk->signal == SIG_CLASSIFICATION && !mk->level)
		return fail(y, m, "a classification marker needs a level");
	if (!mk->phrases.n && !mk->regexes.n)
		return fail(y, m, "a marker needs phrases or regexes");
	if (mk->whole_line && mk->regexes.n)
		return fail(y, map_get(y, m, "regexes"), "whole_line markers take phrases only");
	return 0;
}

int cidr_parse(const char *text, struct cidr *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	long bits;
	char *end;

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || bits < 0 ||
	    bits > (out->family == AF_INET ? 32 : 128))
		return -EINVAL;
	out->bits = (uint8_t)bits;
	return 0;
}

/*
 * An app's range: a CIDR range, or "CIDR port N" -- the range counts only for servers on that
 * port (an operator's shared network where one service listens on one port). 0 or -EINVAL.
 */
static int app_range_parse(const char *text, struct cidr *out)
{
	const char *sp = strstr(text, " port ");
	char cidr[64];
	long port;
	char *end;

	if (!sp)
		return cidr_parse(text, out);
	if ((size_t)(sp - text) >= sizeof(cidr))
		return -EINVAL;
	memcpy(cidr, text, (size_t)(sp - text));
	cidr[sp - text] = '\0';
	if (cidr_parse(cidr, out))
		return -EINVAL;
	errno = 0;
	port = strtol(sp + 6, &end, 10);
	if (errno || *end || end == sp + 6 || port < 1 || port > 65535)
		return -EINVAL;
	out->port = (uint16_t)port;
	return 0;
}

/* The ranges of an app's ip_ranges into *out (arena). */
static int get_app_ranges(struct yctx *y, yaml_node_t *m, struct cidr **out, size_t *n_out)
{
	struct str_list ranges = { 0 };
	int err = get_list(y, m, "ip_ranges", false, &ranges);

	if (err || !ranges.n)
		return err;
	*out = arena_alloc(&y->rules->arena, ranges.n * sizeof(**out));
	if (!*out)
		return oom(y);
	for (size_t i = 0; i < ranges.n; i++)
		if (app_range_parse(ranges.items[i], &(*out)[i]))
			return fail(y, map_get(y, m, "ip_ranges"),
				    "'%.60s' is not a CIDR range (IPv4 or IPv6 address/bits, then 'port N' or nothing)",
				    ranges.items[i]);
	*n_out = ranges.n;
	return 0;
}

/* The CIDR ranges of list key of m into *out (arena). */
static int get_ranges(struct yctx *y, yaml_node_t *m, const char *key, struct cidr **out,
		      size_t *n_out)
{
	struct str_list ranges = { 0 };
	int err = get_list(y, m, key, false, &ranges);

	if (err || !ranges.n)
		return err;
	*out = arena_alloc(&y->rules->arena, ranges.n * sizeof(**out));
	if (!*out)
		return oom(y);
	for (size_t i = 0; i < ranges.n; i++)
		if (cidr_parse(ranges.items[i], &(*out)[i]))
			return fail(y, map_get(y, m, key),
				    "'%.60s' is not a CIDR range (IPv4 or IPv6 address/bits)",
				    ranges.items[i]);
	*n_out = ranges.n;
	return 0;
}

static int parse_app(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = {
		COMMON_KEYS,	"name", "app_kind",  "executables", "paths",	       "origins",
		"server_names", "ndpi", "ip_ranges", "upload",	    "profile_options", NULL
	};
	static const char *const upload_keys[] = { "overhead_ratio", "overhead_bytes", "tolerance",
						   "spans_flows", NULL };
	struct app_rule *a = grow((void **)&y->rules->apps, &y->rules->n_apps, sizeof(*a));
	char *name = NULL, *kind = "messaging";
	yaml_node_t *upload;
	float ratio = 0, tolerance = 0.1f;
	long bytes = 0;
	int err, k;

	if (!a)
		return oom(y);
	err = check_keys(y, m, keys, "an app rule");
	if (!err)
		err = parse_meta(y, m, &a->meta);
	if (!err)
		err = get_string(y, m, "name", true, &name);
	if (!err)
		err = get_string(y, m, "app_kind", false, &kind);
	if (!err)
		err = get_list(y, m, "executables", false, &a->executables);
	if (!err)
		err = get_list(y, m, "paths", false, &a->paths);
	if (!err)
		err = get_list(y, m, "origins", false, &a->origins);
	if (!err)
		err = get_list(y, m, "server_names", false, &a->server_names);
	if (!err)
		err = get_list(y, m, "ndpi", false, &a->ndpi);
	if (!err)
		err = get_app_ranges(y, m, &a->ranges, &a->n_ranges);
	if (!err)
		err = get_list(y, m, "profile_options", false, &a->profile_options);
	if (err)
		return err;
	k = rules_app_kind_from_name(kind);
	if (k < 0)
		return fail(y, map_get(y, m, "app_kind"),
			    "app_kind must be messaging, browser, webmail or file_transfer");
	a->app.kind = (enum rules_app_kind)k;
	a->app.profile_options = (const char *const *)a->profile_options.items;
	a->app.n_profile_options = a->profile_options.n;
	upload = map_get(y, m, "upload");
	if (upload) {
		if (upload->type != YAML_MAPPING_NODE)
			return fail(y, upload, "'upload' must be a mapping");
		err = check_keys(y, upload, upload_keys, "upload");
		if (!err)
			err = get_float(y, upload, "overhead_ratio", 0, 1, &ratio);
		if (!err)
			err = get_long(y, upload, "overhead_bytes", 0, 1 << 20, &bytes);
		if (!err)
			err = get_float(y, upload, "tolerance", 0, 1, &tolerance);
		if (!err)
			err = get_bool(y, upload, "spans_flows", false, &a->app.upload_spans_flows);
		if (err)
			return err;
	}
	a->app.overhead_ratio = ratio;
	a->app.overhead_bytes = (uint64_t)bytes;
	a->app.tolerance_ratio = tolerance;
	/* the app's id is its rule id without the "app." prefix: app.whatsapp -> whatsapp */
	a->app.id = strncmp(a->meta.id, "app.", 4) == 0 ? a->meta.id + 4 : a->meta.id;
	a->app.name = name;
	return 0;
}

static int parse_fingerprint(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = { COMMON_KEYS, "sha256", "ssdeep", "similarity", "level",
					    "official", NULL };
	struct fingerprint_rule *f = grow((void **)&y->rules->fingerprints,
					  &y->rules->n_fingerprints, sizeof(*f));
	char *level = NULL;
	int err;

	if (!f)
		return oom(y);
	f->similarity = 70;
	err = check_keys(y, m, keys, "a fingerprint rule");
	if (!err)
		err = parse_meta(y, m, &f->meta);
	if (!err)
		err = get_list(y, m, "sha256", false, &f->sha256);
	if (!err)
		err = get_string(y, m, "ssdeep", false, &f->ssdeep);
	if (!err)
		err = get_unsigned(y, m, "similarity", 1, 100, &f->similarity);
	if (!err)
		err = get_string(y, m, "level", false, &level);
	if (!err)
		err = get_bool(y, m, "official", false, &f->official);
	if (err)
		return err;
	if (!f->sha256.n && !f->ssdeep)
		return fail(y, m, "a fingerprint needs sha256 or ssdeep");
	for (size_t i = 0; i < f->sha256.n; i++) {
		char *h = f->sha256.items[i];

		if (strlen(h) != 64 || strspn(h, "0123456789abcdefABCDEF") != 64)
			return fail(y, map_get(y, m, "sha256"), "'%.70s' is not a SHA-256 in hex", h);
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (level) {
		int l = level_from_name(level);

		if (l <= RULES_LEVEL_NONE)
			return fail(y, map_get(y, m, "level"), "unknown level '%.30s'", level);
		f->level = (enum rules_level)l;
	}
	return 0;
}

static const char *const event_names[] = {
	[RULES_EVENT_FILE_READ] = "file_read",	     [RULES_EVENT_FILE_UPLOAD] = "file_upload",
	[RULES_EVENT_CLEARTEXT] = "cleartext",	     [RULES_EVENT_TLS_PLAINTEXT] = "tls_plaintext",
	[RULES_EVENT_DATA_AT_REST] = "data_at_rest",
};

const char *rules_event_name(enum rules_event event)
{
	return (size_t)event < sizeof(event_names) / sizeof(event_names[0]) ? event_names[event] :
									      "?";
}

int rules_event_from_name(const char *name)
{
	for (size_t e = 0; e < sizeof(event_names) / sizeof(event_names[0]); e++)
		if (!strcmp(event_names[e], name))
			return (int)e;
	return -1;
}

/* The events of list key of m as bits; *bits untouched when the key is absent. */
static int get_events(struct yctx *y, yaml_node_t *m, const char *key, bool required,
		      uint32_t *bits)
{
	struct str_list events = { 0 };
	int err = get_list(y, m, key, required, &events);

	for (size_t i = 0; !err && i < events.n; i++) {
		int e = rules_event_from_name(events.items[i]);

		if (e < 0)
			return fail(
				y, map_get(y, m, key),
				"unknown event '%.30s' (file_read, file_upload, cleartext, tls_plaintext, data_at_rest)",
				events.items[i]);
		*bits |= 1u << e;
	}
	return err;
}

static int get_cond(struct yctx *y, yaml_node_t *when, const char *key, int *out)
{
	yaml_node_t *n = map_get(y, when, key);
	bool v;
	int err;

	*out = COND_UNSET;
	if (!n)
		return 0;
	err = parse_bool(y, n, key, &v);
	*out = v;
	return err;
}

/* A destination condition (when.destination, match.destination): see struct dest_cond. */
static int parse_destination(struct yctx *y, yaml_node_t *parent, struct dest_cond *d)
{
	static const char *const keys[] = {
		"apps", "app_kinds", "server_names", "mail_domains", "urls", "ip_ranges", NULL
	};
	yaml_node_t *m = map_get(y, parent, "destination");
	int err;

	if (!m)
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(y, m, "'destination' must be a mapping");
	err = check_keys(y, m, keys, "destination");
	if (!err)
		err = get_list(y, m, "apps", false, &d->apps);
	if (!err)
		err = get_list(y, m, "app_kinds", false, &d->app_kinds);
	if (!err)
		err = get_list(y, m, "server_names", false, &d->server_names);
	if (!err)
		err = get_list(y, m, "mail_domains", false, &d->mail_domains);
	if (!err)
		err = get_list(y, m, "urls", false, &d->urls);
	if (!err)
		err = get_ranges(y, m, "ip_ranges", &d->ranges, &d->n_ranges);
	if (err)
		return err;
	for (size_t i = 0; i < d->app_kinds.n; i++)
		if (rules_app_kind_from_name(d->app_kinds.items[i]) < 0)
			return fail(y, map_get(y, m, "app_kinds"), "unknown app kind '%.30s'",
				    d->app_kinds.items[i]);
	d->is_set = d->apps.n || d->app_kinds.n || d->server_names.n || d->mail_domains.n ||
		    d->urls.n || d->n_ranges;
	if (!d->is_set)
		return fail(
			y, m,
			"a destination must name apps, app_kinds, server_names, mail_domains, urls or ip_ranges");
	return 0;
}

static int parse_policy(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = { COMMON_KEYS, "name",       "events", "when",
					    "severity",	 "confidence", "notify", NULL };
	static const char *const when_keys[] = {
		"sensitive",	  "official",	  "bulk",     "fingerprint", "encrypted_container",
		"level_at_least", "entities_any", "apps_any", "destination", NULL
	};
	struct policy_rule *p =
		grow((void **)&y->rules->policies, &y->rules->n_policies, sizeof(*p));
	char *severity = NULL, *confidence = NULL, *level = NULL;
	yaml_node_t *when;
	int err;

	if (!p)
		return oom(y);
	err = check_keys(y, m, keys, "a policy rule");
	if (!err)
		err = parse_meta(y, m, &p->meta);
	if (!err)
		err = get_string(y, m, "name", true, &p->name);
	if (!err)
		err = get_events(y, m, "events", true, &p->events);
	if (!err)
		err = get_string(y, m, "severity", true, &severity);
	if (!err)
		err = get_string(y, m, "confidence", true, &confidence);
	if (!err)
		err = get_bool(y, m, "notify", false, &p->notify);
	if (err)
		return err;
	p->severity = severity_from_name(severity);
	if (p->severity < 0)
		return fail(y, map_get(y, m, "severity"),
			    "severity must be low, medium, high or critical");
	if (strcmp(confidence, "low") && strcmp(confidence, "medium") && strcmp(confidence, "high"))
		return fail(y, map_get(y, m, "confidence"), "confidence must be low, medium or high");
	snprintf(p->confidence, sizeof(p->confidence), "%s", confidence);
	when = map_get(y, m, "when");
	p->cond_sensitive = p->cond_official = p->cond_bulk = COND_UNSET;
	p->cond_fingerprint = p->cond_encrypted = COND_UNSET;
	if (!when)
		return 0;
	if (when->type != YAML_MAPPING_NODE)
		return fail(y, when, "'when' must be a mapping");
	err = check_keys(y, when, when_keys, "when");
	if (!err)
		err = get_cond(y, when, "sensitive", &p->cond_sensitive);
	if (!err)
		err = get_cond(y, when, "official", &p->cond_official);
	if (!err)
		err = get_cond(y, when, "bulk", &p->cond_bulk);
	if (!err)
		err = get_cond(y, when, "fingerprint", &p->cond_fingerprint);
	if (!err)
		err = get_cond(y, when, "encrypted_container", &p->cond_encrypted);
	if (!err)
		err = get_string(y, when, "level_at_least", false, &level);
	if (!err)
		err = get_list(y, when, "entities_any", false, &p->entities_any);
	if (!err)
		err = get_list(y, when, "apps_any", false, &p->apps_any);
	if (!err)
		err = parse_destination(y, when, &p->dest);
	if (err)
		return err;
	if (level) {
		int l = level_from_name(level);

		if (l <= RULES_LEVEL_NONE)
			return fail(y, map_get(y, when, "level_at_least"), "unknown level '%.30s'",
				    level);
		p->level_at_least = (enum rules_level)l;
	}
	return 0;
}

/* expires: YYYY-MM-DD (the exception applies through that day, UTC) or never. */
static int parse_expires(struct yctx *y, yaml_node_t *m, struct exception_rule *e)
{
	yaml_node_t *n = map_get(y, m, "expires");
	struct tm tm = { 0 };
	const char *text, *end;

	if (!n)
		return fail(y, m, "missing 'expires' (a date YYYY-MM-DD, or never)");
	if (!is_scalar(n))
		return fail(y, n, "'expires' must be a date YYYY-MM-DD, or never");
	text = scalar_text(n);
	snprintf(e->expires_text, sizeof(e->expires_text), "%.15s", text);
	if (!strcmp(text, "never")) {
		e->expires = 0;
		return 0;
	}
	end = strptime(text, "%Y-%m-%d", &tm);
	if (!end || *end || strlen(text) != 10 || tm.tm_year < 100 || tm.tm_year > 1100)
		return fail(y, n, "'expires' must be a date YYYY-MM-DD, or never, not '%.20s'",
			    text);
	tm.tm_mday++; /* through the whole day: the first second that no longer applies */
	e->expires = timegm(&tm);
	return 0;
}

static int parse_exception(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = { COMMON_KEYS, "owner", "reason", "expires",
					    "record",	 "match", NULL };
	static const char *const match_keys[] = { "hosts",  "users",	   "paths",
						  "apps",   "sha256",	   "rules",
						  "events", "destination", NULL };
	struct exception_rule *e = grow((void **)&y->rules->exceptions, &y->rules->n_exceptions,
					sizeof(*e));
	yaml_node_t *match;
	int err;

	if (!e)
		return oom(y);
	e->record = true;
	err = check_keys(y, m, keys, "an exception rule");
	if (!err)
		err = parse_meta(y, m, &e->meta);
	if (!err)
		err = get_string(y, m, "owner", true, &e->owner);
	if (!err)
		err = get_string(y, m, "reason", true, &e->reason);
	if (!err)
		err = parse_expires(y, m, e);
	if (!err)
		err = get_bool(y, m, "record", false, &e->record);
	if (err)
		return err;
	match = map_get(y, m, "match");
	if (!match || match->type != YAML_MAPPING_NODE)
		return fail(y, match ? match : m, "an exception needs a 'match' mapping");
	err = check_keys(y, match, match_keys, "match");
	if (!err)
		err = get_list(y, match, "hosts", false, &e->hosts);
	if (!err)
		err = get_list(y, match, "users", false, &e->users);
	if (!err)
		err = get_list(y, match, "paths", false, &e->paths);
	if (!err)
		err = get_list(y, match, "apps", false, &e->apps);
	if (!err)
		err = get_list(y, match, "sha256", false, &e->sha256);
	if (!err)
		err = get_list(y, match, "rules", false, &e->rules);
	if (!err)
		err = get_events(y, match, "events", false, &e->events);
	if (!err)
		err = parse_destination(y, match, &e->dest);
	if (err)
		return err;
	if (!e->hosts.n && !e->users.n && !e->paths.n && !e->apps.n && !e->sha256.n &&
	    !e->rules.n && !e->events && !e->dest.is_set)
		return fail(y, match, "an exception must match on something");
	return 0;
}

static int parse_rule(struct yctx *y, yaml_node_t *m)
{
	static const struct {
		const char *kind;
		int (*parse)(struct yctx *y, yaml_node_t *m);
	} kinds[] = {
		{ "detector", parse_detector },	      { "marker", parse_marker },
		{ "app", parse_app },		      { "fingerprint", parse_fingerprint },
		{ "policy", parse_policy },	      { "exception", parse_exception },
	};
	char *id = NULL, *kind = NULL;
	int err;

	y->rule_id = NULL;
	y->rule = m;
	if (!m || m->type != YAML_MAPPING_NODE)
		return fail(y, m, "a rule must be a mapping");
	err = get_string(y, m, "id", true, &id); /* its form was checked by pack_merge.c */
	if (err)
		return err;
	y->rule_id = id;
	err = get_string(y, m, "kind", true, &kind);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].parse(y, m);
	return fail(y, map_get(y, m, "kind"),
		    "unknown kind '%.30s' (detector, marker, app, fingerprint, policy, exception)",
		    kind);
}

static int parse_settings(struct yctx *y, yaml_node_t *m)
{
	static const char *const keys[] = {
		"official_threshold", "top_lines", "bottom_lines", "bulk_threshold", "max_findings",
		"notice_guidance",    NULL
	};
	struct rules_settings *s = &y->rules->settings;
	char *guidance = NULL;
	int err;

	err = check_keys(y, m, keys, "settings");
	if (!err)
		err = get_unsigned(y, m, "official_threshold", 1, 100, &s->official_threshold);
	if (!err)
		err = get_unsigned(y, m, "top_lines", 1, 200, &s->top_lines);
	if (!err)
		err = get_unsigned(y, m, "bottom_lines", 0, 16, &s->bottom_lines);
	if (!err)
		err = get_unsigned(y, m, "bulk_threshold", 1, 1000000, &s->bulk_threshold);
	if (!err)
		err = get_unsigned(y, m, "max_findings", 1, 10000000, &s->max_findings);
	if (!err)
		err = get_string(y, m, "notice_guidance", false, &guidance);
	if (!err && guidance)
		s->notice_guidance = guidance;
	return err;
}

int pack_load(struct rules *rules, struct merged_packs *merged, struct rules_error *err)
{
	struct yctx y = { .doc = &merged->doc, .merged = merged, .err = err, .rules = rules };
	yaml_node_t *seq;
	int rc;

	memset(err, 0, sizeof(*err));
	y.files = arena_alloc(&rules->arena, merged->n_src * sizeof(*y.files));
	if (!y.files)
		return oom(&y);
	for (size_t i = 0; i < merged->n_src; i++) {
		y.files[i] = arena_strdup(&rules->arena, merged->src[i].name);
		if (!y.files[i])
			return oom(&y);
	}
	rc = parse_settings(&y, merged_node(merged, merged->settings));
	seq = merged_node(merged, merged->rules);
	for (yaml_node_item_t *i = seq->data.sequence.items.start;
	     !rc && i < seq->data.sequence.items.top; i++) {
		yaml_node_t *r = node_at(&y, *i);

		rc = r ? parse_rule(&y, r) : fail(&y, seq, "document too complex");
	}
	return rc;
}
