// SPDX-License-Identifier: GPL-2.0-only
/*
 * A version of the rules as JSON (see include/raqib/rules_dist.h), with jansson: written by
 * raqibctl rules push, read by agents from Redis (hostile input: every field is checked and
 * bounded before use).
 */
#include "raqib/rules_dist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_PACKS   256
#define MAX_TARGETS 1024

static json_t *strings_json(char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(items[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

char *raqib_rules_bundle_encode(const struct raqib_rules_bundle *b)
{
	json_t *packs = json_array(), *doc;
	char *text = NULL;

	for (size_t i = 0; packs && i < b->n_packs; i++)
		if (json_array_append_new(packs,
					  json_pack("{s:s, s:s%}", "name", b->packs[i].name, "text",
						    b->packs[i].text, b->packs[i].len))) {
			json_decref(packs);
			packs = NULL;
		}
	doc = json_pack("{s:s, s:I, s:s, s:s, s:s, s:{s:o?, s:o?}, s:o?}", "format",
			"raqib-rules-v1", "version", (json_int_t)b->version, "created", b->created,
			"author", b->author, "comment", b->comment, "targets", "sites",
			strings_json(b->sites, b->n_sites), "hosts",
			strings_json(b->hosts, b->n_hosts), "packs", packs);
	if (doc)
		text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return text;
}

static int fail(char *err, size_t err_len, const char *what)
{
	snprintf(err, err_len, "not a rules version: %s", what);
	return -EINVAL;
}

static int copy_text(json_t *v, char *out, size_t out_len)
{
	if (!json_is_string(v) || json_string_length(v) >= out_len)
		return -EINVAL;
	snprintf(out, out_len, "%s", json_string_value(v));
	return 0;
}

static int strings_from(json_t *a, char ***out, size_t *n)
{
	size_t i;
	json_t *v;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > MAX_TARGETS)
		return -EINVAL;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 255)
			return -EINVAL;
		(*out)[i] = strdup(json_string_value(v));
		if (!(*out)[i])
			return -ENOMEM;
		*n = i + 1;
	}
	return 0;
}

/* A pack name is a plain file name ending in .yml or .yaml. */
static bool is_pack_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 5 || len > 200 || s[0] == '.' || strchr(s, '/'))
		return false;
	return !strcmp(s + len - 4, ".yml") || (len > 5 && !strcmp(s + len - 5, ".yaml"));
}

static int packs_from(json_t *a, struct raqib_rules_bundle *b)
{
	size_t i;
	json_t *p;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_PACKS)
		return -EINVAL;
	b->packs = calloc(json_array_size(a), sizeof(*b->packs));
	if (!b->packs)
		return -ENOMEM;
	json_array_foreach(a, i, p) {
		json_t *name = json_object_get(p, "name"), *text = json_object_get(p, "text");

		if (!json_is_string(name) || !json_is_string(text) ||
		    !is_pack_name(json_string_value(name)))
			return -EINVAL;
		b->n_packs = i + 1; /* released whole, even half made */
		b->packs[i].name = strdup(json_string_value(name));
		b->packs[i].len = json_string_length(text);
		b->packs[i].text = malloc(b->packs[i].len + 1);
		if (!b->packs[i].name || !b->packs[i].text)
			return -ENOMEM;
		memcpy(b->packs[i].text, json_string_value(text), b->packs[i].len + 1);
	}
	return 0;
}

int raqib_rules_bundle_decode(const char *json, size_t len, struct raqib_rules_bundle *out,
			      char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *doc, *v, *targets;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len > RAQIB_RULES_BUNDLE_MAX)
		return fail(err, err_len, "larger than 16 MiB");
	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fail(err, err_len, "invalid JSON");
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")), "raqib-rules-v1"))
		rc = fail(err, err_len, "unknown format");
	v = json_object_get(doc, "version");
	if (!rc && (!json_is_integer(v) || json_integer_value(v) < 1))
		rc = fail(err, err_len, "no version number");
	if (!rc)
		out->version = (uint64_t)json_integer_value(v);
	if (!rc &&
	    (copy_text(json_object_get(doc, "created"), out->created, sizeof(out->created)) ||
	     copy_text(json_object_get(doc, "author"), out->author, sizeof(out->author)) ||
	     copy_text(json_object_get(doc, "comment"), out->comment, sizeof(out->comment))))
		rc = fail(err, err_len, "created, author or comment missing or too long");
	targets = json_object_get(doc, "targets");
	if (!rc && (!json_is_object(targets) ||
		    strings_from(json_object_get(targets, "sites"), &out->sites, &out->n_sites) ||
		    strings_from(json_object_get(targets, "hosts"), &out->hosts, &out->n_hosts)))
		rc = fail(err, err_len, "bad targets");
	if (!rc && packs_from(json_object_get(doc, "packs"), out))
		rc = fail(err, err_len, "bad packs (1 to 256 of name *.yml and text)");
	json_decref(doc);
	if (rc)
		raqib_rules_bundle_release(out);
	return rc;
}

void raqib_rules_bundle_release(struct raqib_rules_bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; b->sites && b->sites[i]; i++)
		free(b->sites[i]);
	for (size_t i = 0; b->hosts && b->hosts[i]; i++)
		free(b->hosts[i]);
	for (size_t i = 0; b->packs && i < b->n_packs; i++) {
		free(b->packs[i].name);
		free(b->packs[i].text);
	}
	free(b->sites);
	free(b->hosts);
	free(b->packs);
	memset(b, 0, sizeof(*b));
}

static bool listed(char *const *items, size_t n, const char *value)
{
	for (size_t i = 0; value && i < n; i++)
		if (!strcmp(items[i], value))
			return true;
	return false;
}

bool raqib_rules_bundle_applies(const struct raqib_rules_bundle *b, const char *site,
				const char *agent_id, const char *host_name)
{
	if (!b->n_sites && !b->n_hosts)
		return true;
	return listed(b->sites, b->n_sites, site) || listed(b->hosts, b->n_hosts, agent_id) ||
	       listed(b->hosts, b->n_hosts, host_name);
}
