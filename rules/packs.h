/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packs a rule set is built from, in layers (struct rules_packs of include/raqib/rules.h):
 * the built-in packs, directories and files of the administrator, packs held in memory. Private
 * to rules/.
 */
#ifndef RAQIB_RULES_PACKS_H
#define RAQIB_RULES_PACKS_H

#include "engine.h"

struct rules_packs {
	struct pack_source *src; /* name and text owned unless is_static */
	bool *is_static; /* the text is the binary's own (built in) */
	size_t n, cap;
	unsigned layer; /* the current layer */
	char **layer_names; /* by layer */
	size_t n_layers;
};

/* Merges, types and compiles the packs src[0..n) (compile.c). NULL + errno with err. */
struct rules *rules_build_sources(const struct pack_source *src, size_t n, struct rules_error *err);

#endif /* RAQIB_RULES_PACKS_H */
