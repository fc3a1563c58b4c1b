// SPDX-License-Identifier: GPL-2.0-only
/*
 * Layered packs into one merged YAML document (see pack_merge.h): parsing each pack, replacing
 * packs by name across layers, named lists, and rule overrides by id. libyaml's document API
 * both reads the packs and builds the merged document.
 *
 * Packs come from administrators and from Redis: every count is bounded, and copying is
 * limited so that YAML aliases cannot make the merged document exponential.
 */
#include "pack_merge.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MERGED_NODES 400000
#define MAX_DEPTH	 32
#define MAX_RULE_ENTRIES 20000
#define MAX_LISTS	 1000

/* One source's parsed document. */
struct src_doc {
	yaml_document_t doc;
	bool loaded;
	const char *pack_name; /* in doc, or NULL */
	int settings, lists, rules; /* node ids in doc, 0 when absent */
};

/* A rule mapping of a source, before merging. */
struct rule_entry {
	const char *id; /* in its source's document */
	size_t src;
	int node;
	size_t order; /* load order */
	bool is_override;
};

/* A named list: its items are the concatenation of its parts (a definition, then appends). */
struct list_part {
	size_t src;
	int node; /* the items sequence */
};

struct list_def {
	const char *name;
	struct list_part *parts;
	size_t n_parts;
	size_t src; /* where it was (last) defined */
	int name_node;
};

struct merge {
	struct merged_packs *m;
	struct src_doc *docs;
	struct list_def *lists;
	size_t n_lists;
	struct rules_error *err;
};

static int fail_at(struct merge *g, size_t src, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(struct merge *g, size_t src, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	snprintf(g->err->file, sizeof(g->err->file), "%s", g->m->src[src].name);
	g->err->line = n ? (unsigned)n->start_mark.line + 1 : 0;
	g->err->column = n ? (unsigned)n->start_mark.column + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(g->err->text, sizeof(g->err->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int oom(struct merge *g)
{
	g->err->file[0] = '\0';
	g->err->line = g->err->column = 0;
	snprintf(g->err->text, sizeof(g->err->text), "out of memory");
	return -ENOMEM;
}

static yaml_node_t *src_node(struct merge *g, size_t src, int id)
{
	return id ? yaml_document_get_node(&g->docs[src].doc, id) : NULL;
}

static bool is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static const char *text_of(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* The id of the value of key in mapping node m of document doc, or 0. */
static int map_value(yaml_document_t *doc, const yaml_node_t *m, const char *key)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (is_scalar(k) && strcmp(text_of(k), key) == 0)
			return p->value;
	}
	return 0;
}

static bool is_valid_name(const char *s)
{
	if (!*s || strlen(s) >= RULES_ID_MAX)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '.' ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* Parsing and outline. */

static int load_source(struct merge *g, size_t i)
{
	const struct pack_source *s = &g->m->src[i];
	struct src_doc *d = &g->docs[i];
	yaml_parser_t parser;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return oom(g);
	yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, s->len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		snprintf(g->err->file, sizeof(g->err->file), "%s", s->name);
		g->err->line = (unsigned)parser.problem_mark.line + 1;
		g->err->column = (unsigned)parser.problem_mark.column + 1;
		snprintf(g->err->text, sizeof(g->err->text), "invalid YAML: %s%s%s",
			 parser.problem ? parser.problem : "syntax error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		rc = -EINVAL;
	} else {
		d->loaded = true;
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int check_keys(struct merge *g, size_t src, yaml_node_t *m, const char *const *allowed,
		      const char *what)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = src_node(g, src, p->key);
		bool known = false;

		if (!is_scalar(k))
			return fail_at(g, src, k, "%s: keys must be plain names", what);
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, text_of(k)) == 0;
		if (!known)
			return fail_at(g, src, k, "unknown key '%.40s' in %s", text_of(k), what);
	}
	return 0;
}

static int outline(struct merge *g, size_t i)
{
	static const char *const keys[] = { "pack", "settings", "lists", "rules", NULL };
	static const char *const pack_keys[] = { "name", "version", "description", NULL };
	struct src_doc *d = &g->docs[i];
	yaml_node_t *root = yaml_document_get_root_node(&d->doc), *pack, *name, *n;
	int rc;

	if (!root)
		return fail_at(g, i, NULL, "empty pack");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(g, i, root,
			       "a pack is a mapping with 'pack', 'settings' and 'rules'");
	rc = check_keys(g, i, root, keys, "the pack");
	if (rc)
		return rc;
	pack = src_node(g, i, map_value(&d->doc, root, "pack"));
	if (!pack || pack->type != YAML_MAPPING_NODE)
		return fail_at(g, i, pack ? pack : root,
			       "missing 'pack' mapping (name, version, description)");
	rc = check_keys(g, i, pack, pack_keys, "'pack'");
	if (rc)
		return rc;
	name = src_node(g, i, map_value(&d->doc, pack, "name"));
	if (!is_scalar(name) || !is_valid_name(text_of(name)))
		return fail_at(
			g, i, name ? name : pack,
			"'pack' needs a name: 1 to 63 lower-case letters, digits, '.', '_' or '-'");
	d->pack_name = text_of(name);
	d->settings = map_value(&d->doc, root, "settings");
	d->lists = map_value(&d->doc, root, "lists");
	d->rules = map_value(&d->doc, root, "rules");
	n = src_node(g, i, d->settings);
	if (n && n->type != YAML_MAPPING_NODE)
		return fail_at(g, i, n, "'settings' must be a mapping");
	n = src_node(g, i, d->lists);
	if (n && n->type != YAML_SEQUENCE_NODE)
		return fail_at(g, i, n, "'lists' must be a list of {name, items, append}");
	n = src_node(g, i, d->rules);
	if (n && n->type != YAML_SEQUENCE_NODE)
		return fail_at(g, i, n, "'rules' must be a list");
	return 0;
}

/* A later layer's pack of the same name replaces an earlier one; one layer may not repeat one. */
static int replace_by_name(struct merge *g)
{
	const struct pack_source *src = g->m->src;

	for (size_t i = 0; i < g->m->n_src; i++)
		for (size_t j = 0; j < i; j++) {
			if (g->m->replaced[j] || strcmp(g->docs[i].pack_name, g->docs[j].pack_name))
				continue;
			if (src[j].layer == src[i].layer)
				return fail_at(g, i, NULL,
					       "pack name '%.60s' is also the name of %.120s",
					       g->docs[i].pack_name, src[j].name);
			g->m->replaced[j] = true;
		}
	return 0;
}

/* Named lists. */

static struct list_def *find_list(struct merge *g, const char *name)
{
	for (size_t i = 0; i < g->n_lists; i++)
		if (!strcmp(g->lists[i].name, name))
			return &g->lists[i];
	return NULL;
}

static int add_list_part(struct merge *g, struct list_def *l, size_t src, int node)
{
	struct list_part *p = reallocarray(l->parts, l->n_parts + 1, sizeof(*p));

	if (!p)
		return oom(g);
	l->parts = p;
	l->parts[l->n_parts++] = (struct list_part){ src, node };
	return 0;
}

static int collect_list(struct merge *g, size_t src, yaml_node_t *def)
{
	static const char *const keys[] = { "name", "items", "append", NULL };
	yaml_document_t *doc = &g->docs[src].doc;
	yaml_node_t *name, *items, *append;
	struct list_def *l;
	bool is_append = false;
	int rc;

	if (!def || def->type != YAML_MAPPING_NODE)
		return fail_at(g, src, def, "a list is a mapping {name, items, append}");
	rc = check_keys(g, src, def, keys, "a list");
	if (rc)
		return rc;
	name = src_node(g, src, map_value(doc, def, "name"));
	items = src_node(g, src, map_value(doc, def, "items"));
	append = src_node(g, src, map_value(doc, def, "append"));
	if (!is_scalar(name) || !is_valid_name(text_of(name)))
		return fail_at(
			g, src, name ? name : def,
			"a list needs a name: 1 to 63 lower-case letters, digits, '.', '_' or '-'");
	if (!items || items->type != YAML_SEQUENCE_NODE)
		return fail_at(g, src, items ? items : def, "list '%.60s': 'items' must be a list",
			       text_of(name));
	for (yaml_node_item_t *it = items->data.sequence.items.start;
	     it < items->data.sequence.items.top; it++) {
		yaml_node_t *item = src_node(g, src, *it);

		if (!is_scalar(item) || item->data.scalar.length == 0)
			return fail_at(g, src, item ? item : items,
				       "list '%.60s': items must be single values", text_of(name));
		if (text_of(item)[0] == '$')
			return fail_at(g, src, item, "list '%.60s': an item may not name a list",
				       text_of(name));
	}
	if (append) {
		if (!is_scalar(append) ||
		    (strcmp(text_of(append), "true") && strcmp(text_of(append), "false")))
			return fail_at(g, src, append, "'append' must be true or false");
		is_append = !strcmp(text_of(append), "true");
	}
	l = find_list(g, text_of(name));
	if (!l && is_append)
		return fail_at(g, src, name,
			       "list '%.60s': append to a list no earlier pack defines",
			       text_of(name));
	if (!l) {
		if (g->n_lists >= MAX_LISTS)
			return fail_at(g, src, name, "more than %d lists", MAX_LISTS);
		l = reallocarray(g->lists, g->n_lists + 1, sizeof(*g->lists));
		if (!l)
			return oom(g);
		g->lists = l;
		l = &g->lists[g->n_lists++];
		memset(l, 0, sizeof(*l));
		l->name = text_of(name);
	} else if (!is_append) {
		l->n_parts = 0; /* a later definition replaces the list */
	}
	l->src = src;
	l->name_node = (int)(name - doc->nodes.start) + 1;
	return add_list_part(g, l, src, (int)(items - doc->nodes.start) + 1);
}

static int collect_lists(struct merge *g)
{
	for (size_t s = 0; s < g->m->n_src; s++) {
		yaml_node_t *seq = src_node(g, s, g->docs[s].lists);

		if (g->m->replaced[s] || !seq)
			continue;
		for (yaml_node_item_t *it = seq->data.sequence.items.start;
		     it < seq->data.sequence.items.top; it++) {
			int rc = collect_list(g, s, src_node(g, s, *it));

			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Copying into the merged document. */

static int note_source(struct merge *g, int id, size_t src, const yaml_node_t *from)
{
	struct merged_packs *m = g->m;
	yaml_node_t *n = yaml_document_get_node(&m->doc, id);

	if ((size_t)id > m->node_src_cap) {
		size_t cap = m->node_src_cap ? m->node_src_cap * 2 : 1024;
		uint32_t *p;

		while (cap < (size_t)id)
			cap *= 2;
		p = reallocarray(m->node_src, cap, sizeof(*p));
		if (!p)
			return oom(g);
		m->node_src = p;
		m->node_src_cap = cap;
	}
	m->node_src[id - 1] = (uint32_t)src;
	if (from) {
		n->start_mark = from->start_mark;
		n->end_mark = from->end_mark;
	}
	return 0;
}

static int add_scalar(struct merge *g, size_t src, const yaml_node_t *from, const char *text,
		      size_t len)
{
	int id;

	if (++g->m->copies > MAX_MERGED_NODES)
		return fail_at(g, src, from, "the rule set is too large or too complex");
	if (len > INT32_MAX)
		return oom(g);
	id = yaml_document_add_scalar(&g->m->doc, NULL, (const yaml_char_t *)text, (int)len,
				      YAML_ANY_SCALAR_STYLE);
	if (!id)
		return oom(g);
	return note_source(g, id, src, from) ?: id;
}

static int copy_node(struct merge *g, size_t src, int sid, unsigned depth);

/* Appends the items of list l to sequence seq (each keeps where it was written). */
static int expand_list(struct merge *g, int seq, const struct list_def *l, unsigned depth)
{
	for (size_t p = 0; p < l->n_parts; p++) {
		yaml_node_t *items = src_node(g, l->parts[p].src, l->parts[p].node);

		for (yaml_node_item_t *it = items->data.sequence.items.start;
		     it < items->data.sequence.items.top; it++) {
			int id = copy_node(g, l->parts[p].src, *it, depth + 1);

			if (id < 0)
				return id;
			if (!yaml_document_append_sequence_item(&g->m->doc, seq, id))
				return oom(g);
		}
	}
	return 0;
}

static int copy_sequence(struct merge *g, size_t src, const yaml_node_t *from, unsigned depth)
{
	size_t count = (size_t)(from->data.sequence.items.top - from->data.sequence.items.start);
	int seq, rc;

	if (++g->m->copies > MAX_MERGED_NODES)
		return fail_at(g, src, from, "the rule set is too large or too complex");
	seq = yaml_document_add_sequence(&g->m->doc, NULL, YAML_FLOW_SEQUENCE_STYLE);
	if (!seq)
		return oom(g);
	rc = note_source(g, seq, src, from);
	for (size_t i = 0; !rc && i < count; i++) {
		int item_id = from->data.sequence.items.start[i];
		yaml_node_t *item = src_node(g, src, item_id);
		int id;

		if (is_scalar(item) && text_of(item)[0] == '$') {
			const struct list_def *l = find_list(g, text_of(item) + 1);

			if (!l)
				return fail_at(g, src, item, "'%.60s' names no list",
					       text_of(item));
			rc = expand_list(g, seq, l, depth);
			continue;
		}
		id = copy_node(g, src, item_id, depth + 1);
		if (id < 0)
			return id;
		if (!yaml_document_append_sequence_item(&g->m->doc, seq, id))
			return oom(g);
	}
	return rc ?: seq;
}

static int copy_mapping(struct merge *g, size_t src, const yaml_node_t *from, unsigned depth)
{
	int map, rc;

	if (++g->m->copies > MAX_MERGED_NODES)
		return fail_at(g, src, from, "the rule set is too large or too complex");
	map = yaml_document_add_mapping(&g->m->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
	if (!map)
		return oom(g);
	rc = note_source(g, map, src, from);
	for (yaml_node_pair_t *p = from->data.mapping.pairs.start;
	     !rc && p < from->data.mapping.pairs.top; p++) {
		int k = copy_node(g, src, p->key, depth + 1), v;

		if (k < 0)
			return k;
		v = copy_node(g, src, p->value, depth + 1);
		if (v < 0)
			return v;
		if (!yaml_document_append_mapping_pair(&g->m->doc, map, k, v))
			return oom(g);
	}
	return rc ?: map;
}

/* Copies node sid of source src into the merged document; returns its id or -errno. */
static int copy_node(struct merge *g, size_t src, int sid, unsigned depth)
{
	yaml_node_t *from = src_node(g, src, sid);

	if (!from)
		return fail_at(g, src, NULL, "document too complex");
	if (depth > MAX_DEPTH)
		return fail_at(g, src, from, "nested deeper than %d levels", MAX_DEPTH);
	switch (from->type) {
	case YAML_SCALAR_NODE:
		return add_scalar(g, src, from, text_of(from), from->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		return copy_sequence(g, src, from, depth);
	case YAML_MAPPING_NODE:
		return copy_mapping(g, src, from, depth);
	default:
		return fail_at(g, src, from, "an empty node");
	}
}

/* The pair of key in mapping map of the merged document, or NULL. */
static yaml_node_pair_t *merged_pair(struct merge *g, int map, const char *key)
{
	yaml_node_t *m = yaml_document_get_node(&g->m->doc, map);

	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&g->m->doc, p->key);

		if (is_scalar(k) && strcmp(text_of(k), key) == 0)
			return p;
	}
	return NULL;
}

/*
 * Applies the fields of mapping sid (of source src) to mapping map of the merged document:
 * mappings into mappings field by field, anything else replacing the value. At the top of a
 * rule, skip names the keys that only address it (id, override).
 */
static int merge_into(struct merge *g, int map, size_t src, int sid, bool top, unsigned depth)
{
	yaml_node_t *from = src_node(g, src, sid);

	if (depth > MAX_DEPTH)
		return fail_at(g, src, from, "nested deeper than %d levels", MAX_DEPTH);
	for (yaml_node_pair_t *p = from->data.mapping.pairs.start; p < from->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = src_node(g, src, p->key), *v = src_node(g, src, p->value);
		yaml_node_pair_t *target;
		int id, rc;

		if (!is_scalar(k))
			return fail_at(g, src, k, "keys must be plain names");
		if (top && (!strcmp(text_of(k), "id") || !strcmp(text_of(k), "override")))
			continue;
		target = merged_pair(g, map, text_of(k));
		if (target && v && v->type == YAML_MAPPING_NODE &&
		    yaml_document_get_node(&g->m->doc, target->value)->type == YAML_MAPPING_NODE) {
			rc = merge_into(g, target->value, src, p->value, false, depth + 1);
			if (rc)
				return rc;
			continue;
		}
		if (target && top && !strcmp(text_of(k), "kind")) {
			yaml_node_t *was = yaml_document_get_node(&g->m->doc, target->value);

			if (!is_scalar(v) || !is_scalar(was) || strcmp(text_of(v), text_of(was)))
				return fail_at(g, src, v ? v : k,
					       "an override cannot change the kind of a rule");
		}
		id = copy_node(g, src, p->value, depth + 1);
		if (id < 0)
			return id;
		target = merged_pair(g, map, text_of(k)); /* the copy may have moved the pairs */
		if (target) {
			target->value = id;
			continue;
		}
		rc = copy_node(g, src, p->key, depth + 1);
		if (rc < 0)
			return rc;
		if (!yaml_document_append_mapping_pair(&g->m->doc, map, rc, id))
			return oom(g);
	}
	return 0;
}

/* Rules: entries of every pack, grouped by id. */

static int cmp_entry(const void *a, const void *b)
{
	const struct rule_entry *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static int cmp_group_order(const void *a, const void *b)
{
	const struct rule_entry *const *x = a, *const *y = b;

	return (*x)->order < (*y)->order ? -1 : (*x)->order > (*y)->order;
}

static int collect_entry(struct merge *g, size_t s, int node, struct rule_entry *e, size_t order)
{
	yaml_document_t *doc = &g->docs[s].doc;
	yaml_node_t *m = src_node(g, s, node), *id, *ov;

	if (!m || m->type != YAML_MAPPING_NODE)
		return fail_at(g, s, m, "a rule must be a mapping");
	id = src_node(g, s, map_value(doc, m, "id"));
	if (!id)
		return fail_at(g, s, m, "missing 'id'");
	if (!is_scalar(id) || !is_valid_name(text_of(id)))
		return fail_at(
			g, s, id,
			"id '%.60s' must be 1 to 63 lower-case letters, digits, '.', '_' or '-'",
			is_scalar(id) ? text_of(id) : "");
	ov = src_node(g, s, map_value(doc, m, "override"));
	if (ov && (!is_scalar(ov) || (strcmp(text_of(ov), "true") && strcmp(text_of(ov), "false"))))
		return fail_at(g, s, ov, "rule '%.60s': 'override' must be true or false",
			       text_of(id));
	*e = (struct rule_entry){ .id = text_of(id),
				  .src = s,
				  .node = node,
				  .order = order,
				  .is_override = ov && !strcmp(text_of(ov), "true") };
	return 0;
}

static int collect_entries(struct merge *g, struct rule_entry **out, size_t *n_out)
{
	struct rule_entry *e = NULL;
	size_t n = 0;

	for (size_t s = 0; s < g->m->n_src; s++) {
		yaml_node_t *seq = src_node(g, s, g->docs[s].rules);
		size_t count;

		if (g->m->replaced[s] || !seq)
			continue;
		count = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
		if (n + count > MAX_RULE_ENTRIES)
			return fail_at(g, s, seq, "more than %d rules", MAX_RULE_ENTRIES);
		if (count) {
			struct rule_entry *p = reallocarray(e, n + count, sizeof(*e));

			if (!p) {
				free(e);
				return oom(g);
			}
			e = p;
		}
		for (size_t i = 0; i < count; i++, n++) {
			int rc = collect_entry(g, s, seq->data.sequence.items.start[i], &e[n], n);

			if (rc) {
				free(e);
				return rc;
			}
		}
	}
	*out = e;
	*n_out = n;
	return 0;
}

/* Checks each id's entries: one definition first, then overrides only. */
static int check_group(struct merge *g, const struct rule_entry *e, size_t n)
{
	const struct pack_source *src = g->m->src;

	if (e[0].is_override)
		return fail_at(
			g, e[0].src, src_node(g, e[0].src, e[0].node),
			"rule '%.60s': 'override: true' names a rule no earlier pack defines",
			e[0].id);
	for (size_t i = 1; i < n; i++)
		if (!e[i].is_override) {
			int rc = fail_at(
				g, e[i].src, src_node(g, e[i].src, e[i].node),
				"rule '%.60s': duplicate id, first defined at %.80s:%u", e[i].id,
				src[e[0].src].name,
				(unsigned)src_node(g, e[0].src, e[0].node)->start_mark.line + 1);

			/* the hint, when a later layer redefines a rule */
			if (src[e[i].src].layer != src[e[0].src].layer)
				snprintf(g->err->text + strlen(g->err->text),
					 sizeof(g->err->text) - strlen(g->err->text),
					 " (to change it, write override: true)");
			return rc;
		}
	return 0;
}

static int merge_rules(struct merge *g)
{
	struct rule_entry *e = NULL, **firsts = NULL;
	size_t n = 0, n_groups = 0;
	int rc = collect_entries(g, &e, &n);

	if (rc)
		return rc;
	qsort(e, n, sizeof(*e), cmp_entry);
	firsts = calloc(n ? n : 1, sizeof(*firsts));
	if (!firsts) {
		rc = oom(g);
		goto out;
	}
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i + 1;

		while (j < n && !strcmp(e[j].id, e[i].id))
			j++;
		rc = check_group(g, &e[i], j - i);
		firsts[n_groups++] = &e[i];
		i = j;
	}
	if (rc)
		goto out;
	/* merged rules in the order they were first defined */
	qsort(firsts, n_groups, sizeof(*firsts), cmp_group_order);
	for (size_t k = 0; k < n_groups && !rc; k++) {
		const struct rule_entry *f = firsts[k];
		int id = copy_node(g, f->src, f->node, 1);

		if (id < 0) {
			rc = id;
			break;
		}
		for (const struct rule_entry *o = f + 1; !rc && o < e + n && !strcmp(o->id, f->id);
		     o++)
			rc = merge_into(g, id, o->src, o->node, true, 1);
		if (!rc && !yaml_document_append_sequence_item(&g->m->doc, g->m->rules, id))
			rc = oom(g);
	}
out:
	free(firsts);
	free(e);
	return rc;
}

static int merge_settings_and_lists(struct merge *g)
{
	int rc = 0;

	for (size_t s = 0; s < g->m->n_src && !rc; s++)
		if (!g->m->replaced[s] && g->docs[s].settings)
			rc = merge_into(g, g->m->settings, s, g->docs[s].settings, false, 1);
	for (size_t i = 0; i < g->n_lists && !rc; i++) {
		struct list_def *l = &g->lists[i];
		int key = copy_node(g, l->src, l->name_node, 1), seq;

		if (key < 0)
			return key;
		seq = yaml_document_add_sequence(&g->m->doc, NULL, YAML_FLOW_SEQUENCE_STYLE);
		if (!seq)
			return oom(g);
		rc = note_source(g, seq, l->src, src_node(g, l->src, l->parts[0].node));
		if (!rc)
			rc = expand_list(g, seq, l, 1);
		if (!rc && !yaml_document_append_mapping_pair(&g->m->doc, g->m->lists, key, seq))
			rc = oom(g);
	}
	return rc;
}

/* The merged document's root: {settings: {...}, lists: {...}, rules: [...]}. */
static int start_document(struct merge *g)
{
	struct merged_packs *m = g->m;
	static const char *const names[] = { "settings", "lists", "rules" };
	int values[3], root, rc;

	if (!yaml_document_initialize(&m->doc, NULL, NULL, NULL, 1, 1))
		return oom(g);
	m->has_doc = true;
	root = yaml_document_add_mapping(&m->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
	values[0] = yaml_document_add_mapping(&m->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
	values[1] = yaml_document_add_mapping(&m->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
	values[2] = yaml_document_add_sequence(&m->doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
	if (!root || !values[0] || !values[1] || !values[2])
		return oom(g);
	for (int i = 0; i < 3; i++) {
		int key = yaml_document_add_scalar(&m->doc, NULL, (const yaml_char_t *)names[i], -1,
						   YAML_ANY_SCALAR_STYLE);

		if (!key || !yaml_document_append_mapping_pair(&m->doc, root, key, values[i]))
			return oom(g);
	}
	for (int id = 1; id <= (int)(m->doc.nodes.top - m->doc.nodes.start); id++) {
		rc = note_source(g, id, 0, NULL);
		if (rc)
			return rc;
	}
	m->settings = values[0];
	m->lists = values[1];
	m->rules = values[2];
	return 0;
}

int packs_merge(const struct pack_source *src, size_t n, struct merged_packs *out,
		struct rules_error *err)
{
	struct merge g = { .m = out, .err = err };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->src = src;
	out->n_src = n;
	if (n == 0) {
		snprintf(err->text, sizeof(err->text), "no pack to load");
		return -ENOENT;
	}
	g.docs = calloc(n, sizeof(*g.docs));
	out->replaced = calloc(n, sizeof(*out->replaced));
	if (!g.docs || !out->replaced) {
		rc = oom(&g);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		rc = load_source(&g, i);
		if (!rc)
			rc = outline(&g, i);
	}
	if (!rc)
		rc = replace_by_name(&g);
	if (!rc)
		rc = collect_lists(&g);
	if (!rc)
		rc = start_document(&g);
	if (!rc)
		rc = merge_settings_and_lists(&g);
	if (!rc)
		rc = merge_rules(&g);
out:
	for (size_t i = 0; g.docs && i < n; i++)
		if (g.docs[i].loaded)
			yaml_document_delete(&g.docs[i].doc);
	for (size_t i = 0; i < g.n_lists; i++)
		free(g.lists[i].parts);
	free(g.lists);
	free(g.docs);
	return rc;
}

void merged_packs_release(struct merged_packs *m)
{
	if (m->has_doc)
		yaml_document_delete(&m->doc);
	free(m->node_src);
	free(m->replaced);
	memset(m, 0, sizeof(*m));
}

const char *merged_node_file(const struct merged_packs *m, const yaml_node_t *node)
{
	size_t id;

	if (!node || !m->has_doc)
		return "";
	id = (size_t)(node - m->doc.nodes.start);
	if (id >= m->node_src_cap || m->node_src[id] >= m->n_src)
		return "";
	return m->src[m->node_src[id]].name;
}

yaml_node_t *merged_node(struct merged_packs *m, int id)
{
	return yaml_document_get_node(&m->doc, id);
}
