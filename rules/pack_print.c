// SPDX-License-Identifier: GPL-2.0-only
/*
 * The effective rule set as YAML (`raqib-agent check --effective`): the layered packs merged
 * (pack_merge.c), printed with each field followed by the file and line it came from, so that
 * an administrator sees what an override changed and which pack a value is from. The output
 * is itself a valid pack body (settings, lists, rules), comments aside.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_merge.h"
#include "packs.h"

/* Where the comments start, so that they line up. */
#define COMMENT_COLUMN 64

struct printer {
	struct merged_packs *m;
	FILE *out;
	char buf[16384]; /* the line being written (each line is written before the next) */
};

/* A scalar that YAML reads back as the same string without quotes. */
static bool is_plain(const char *s, size_t len)
{
	if (!len || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || strchr(",[]{}#'\"\\", c) ||
		    (c == ':' && (i + 1 == len || s[i + 1] == ' ')))
			return false;
	}
	return true;
}

/* Appends the scalar to buf (plain, single-quoted, or double-quoted with escapes). */
static void put_scalar(char *buf, size_t cap, size_t *o, const char *s, size_t len)
{
#define PUT(...)                                                                   \
	do {                                                                       \
		int n_ = snprintf(buf + *o, *o < cap ? cap - *o : 0, __VA_ARGS__); \
		if (n_ > 0)                                                        \
			*o += (size_t)n_;                                          \
	} while (0)
	bool single = true;

	if (is_plain(s, len)) {
		PUT("%.*s", (int)len, s);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\'' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			single = false;
	if (single) {
		PUT("'%.*s'", (int)len, s);
		return;
	}
	PUT("\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			PUT("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			PUT("\\x%02x", c);
		else
			PUT("%c", c);
	}
	PUT("\"");
#undef PUT
}

/* A value in flow style: scalars, [a, b], {k: v}. */
static void put_flow(struct printer *p, const yaml_node_t *n, char *buf, size_t cap, size_t *o)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		put_scalar(buf, cap, o, (const char *)n->data.scalar.value, n->data.scalar.length);
		return;
	case YAML_SEQUENCE_NODE:
		if (*o < cap)
			buf[(*o)++] = '[';
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			if (i != n->data.sequence.items.start && *o + 2 < cap) {
				buf[(*o)++] = ',';
				buf[(*o)++] = ' ';
			}
			put_flow(p, merged_node(p->m, *i), buf, cap, o);
		}
		if (*o < cap)
			buf[(*o)++] = ']';
		break;
	case YAML_MAPPING_NODE:
		if (*o < cap)
			buf[(*o)++] = '{';
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start;
		     q < n->data.mapping.pairs.top; q++) {
			if (q != n->data.mapping.pairs.start && *o + 2 < cap) {
				buf[(*o)++] = ',';
				buf[(*o)++] = ' ';
			}
			put_flow(p, merged_node(p->m, q->key), buf, cap, o);
			if (*o + 2 < cap) {
				buf[(*o)++] = ':';
				buf[(*o)++] = ' ';
			}
			put_flow(p, merged_node(p->m, q->value), buf, cap, o);
		}
		if (*o < cap)
			buf[(*o)++] = '}';
		break;
	default:
		break;
	}
	if (*o >= cap)
		*o = cap - 1;
	buf[*o] = '\0';
}

/* Columns a UTF-8 text takes: its characters (Arabic letters take one column each too). */
static int columns(const char *text)
{
	int n = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++)
		n += (*s & 0xc0) != 0x80;
	return n;
}

/* One line: the text, then where the value came from. */
static void line(struct printer *p, const char *text, const yaml_node_t *from)
{
	int col = columns(text);

	fputs(text, p->out);
	if (from && from->start_mark.line + 1 > 0)
		fprintf(p->out, "%*s# %s:%u", col < COMMENT_COLUMN ? COMMENT_COLUMN - col : 1, "",
			merged_node_file(p->m, from), (unsigned)from->start_mark.line + 1);
	fputc('\n', p->out);
}

/* The pairs of a mapping, one per line at indent ("- " before the first with is_item);
 * nested mappings in block style, other values in flow style. */
static void print_mapping(struct printer *p, const yaml_node_t *map, int indent, bool is_item)
{
	char *buf = p->buf;
	const size_t cap = sizeof(p->buf);
	int pad = indent + (is_item ? 2 : 0);

	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top;
	     q++) {
		const yaml_node_t *k = merged_node(p->m, q->key), *v = merged_node(p->m, q->value);
		bool first = q == map->data.mapping.pairs.start;
		size_t o = (size_t)snprintf(buf, cap, "%*s%s", first ? indent : pad, "",
					    first && is_item ? "- " : "");

		put_flow(p, k, buf, cap, &o);
		if (v->type == YAML_MAPPING_NODE &&
		    v->data.mapping.pairs.top > v->data.mapping.pairs.start) {
			snprintf(buf + o, cap - o, ":");
			line(p, buf, NULL);
			print_mapping(p, v, pad + 2, false);
			continue;
		}
		o += (size_t)snprintf(buf + o, cap - o, ": ");
		if (o >= cap)
			o = cap - 1;
		put_flow(p, v, buf, cap, &o);
		line(p, buf, v);
	}
}

static const char *rule_id_of(struct printer *p, const yaml_node_t *rule)
{
	for (yaml_node_pair_t *q = rule->data.mapping.pairs.start; q < rule->data.mapping.pairs.top;
	     q++) {
		const yaml_node_t *k = merged_node(p->m, q->key), *v = merged_node(p->m, q->value);

		if (k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, "id") &&
		    v->type == YAML_SCALAR_NODE)
			return (const char *)v->data.scalar.value;
	}
	return "";
}

int rules_packs_print(const struct rules_packs *packs, const char *rule_id, FILE *out,
		      struct rules_error *err)
{
	struct merged_packs m;
	struct printer *p = malloc(sizeof(*p));
	const yaml_node_t *settings, *lists, *rules;
	size_t shown = 0;
	int rc = packs_merge(packs->src, packs->n, &m, err);

	if (!rc && !p) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		rc = -ENOMEM;
	}
	if (rc)
		goto out;
	p->m = &m;
	p->out = out;
	settings = merged_node(&m, m.settings);
	lists = merged_node(&m, m.lists);
	rules = merged_node(&m, m.rules);
	if (!rule_id) {
		fprintf(out,
			"# Effective rule set, from these packs (later layers override earlier):\n");
		for (size_t i = 0; i < packs->n; i++)
			fprintf(out, "#   layer %u: %s%s\n", packs->src[i].layer,
				packs->src[i].name,
				m.replaced[i] ? " (replaced by a later pack of the same name)" :
						"");
		fprintf(out, "settings:\n");
		print_mapping(p, settings, 2, false);
		fprintf(out, "lists:%s\n",
			lists->data.mapping.pairs.top == lists->data.mapping.pairs.start ? " {}" :
											   "");
		print_mapping(p, lists, 2, false);
		fprintf(out, "rules:\n");
	}
	for (yaml_node_item_t *i = rules->data.sequence.items.start;
	     i < rules->data.sequence.items.top; i++) {
		const yaml_node_t *r = merged_node(&m, *i);

		if (rule_id && strcmp(rule_id_of(p, r), rule_id))
			continue;
		print_mapping(p, r, 2, true);
		shown++;
	}
	if (rule_id && !shown)
		rc = -ENOENT;
out:
	merged_packs_release(&m);
	free(p);
	return rc;
}
