/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The default rule packs (rules/packs/ YAML files), embedded in the library at build time by
 * cmake/EmbedPacks.cmake so that raqib works with no configuration file.
 */
#ifndef RAQIB_RULES_PACKS_EMBEDDED_H
#define RAQIB_RULES_PACKS_EMBEDDED_H

#include <stddef.h>

struct embedded_pack {
	const char *name; /* "packs/morocco-pii.yml" */
	const char *text;
	size_t len;
};

extern const struct embedded_pack embedded_packs[];
extern const size_t embedded_pack_count;

#endif /* RAQIB_RULES_PACKS_EMBEDDED_H */
