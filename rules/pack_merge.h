/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layered packs into one rule set, before any rule is typed (pack_load.c does that next):
 *
 *  - each pack's YAML is parsed and its outline checked (pack, settings, lists, rules);
 *  - a pack of a later layer replaces a whole pack of the same pack.name of an earlier layer
 *    (an administrator's edited copy of a built-in pack); two packs of one layer may not share
 *    a name;
 *  - named lists (`lists:`) are collected, a later definition replacing an earlier one unless
 *    it says `append: true`; an item `$name` in any list of a rule stands for the list's items;
 *  - every rule's mapping is copied into one merged YAML document, and the entries that say
 *    `override: true` change the fields they give of the rule of that id defined earlier
 *    (mappings such as `when` and `match` field by field, other values whole).
 *
 * Each node of the merged document keeps the line and column it was written at and remembers
 * the file, so errors and `raqib-agent check --effective` name where each field came from.
 */
#ifndef RAQIB_RULES_PACK_MERGE_H
#define RAQIB_RULES_PACK_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "engine.h"

struct merged_packs {
	yaml_document_t doc;
	bool has_doc;
	int settings; /* node id of the merged settings mapping */
	int lists; /* node id of the mapping of named lists (name -> items), for printing */
	int rules; /* node id of the sequence of merged rule mappings, in definition order */
	const struct pack_source *src; /* borrowed from the caller */
	size_t n_src;
	bool *replaced; /* by source: replaced by a later pack of the same name */
	uint32_t *node_src; /* by node id - 1: the source a node came from */
	size_t node_src_cap;
	size_t copies; /* nodes copied so far, bounded: aliases must not make this exponential */
};

/*
 * Merges the packs src[0..n) (in layer order) into out. Returns 0, or a negative errno with
 * err filled (file, line, column, reason). out is released by merged_packs_release() in both
 * cases.
 */
int packs_merge(const struct pack_source *src, size_t n, struct merged_packs *out,
		struct rules_error *err);

void merged_packs_release(struct merged_packs *m);

/* The file a node of the merged document was written in. */
const char *merged_node_file(const struct merged_packs *m, const yaml_node_t *node);

/* The node of the merged document whose id is id, or NULL. */
yaml_node_t *merged_node(struct merged_packs *m, int id);

#endif /* RAQIB_RULES_PACK_MERGE_H */
