/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compiled rule set and the matcher that turns a text buffer into a verdict. Private to
 * rules/; everything else goes through include/raqib/rules.h.
 */
#ifndef RAQIB_RULES_ENGINE_H
#define RAQIB_RULES_ENGINE_H

#include <hs/hs.h>

#include "raqib/rules.h"

struct rules {
	hs_database_t *db; /* every pattern of the rule set, block mode */
	hs_scratch_t *scratch; /* prototype that scan contexts clone */
	const char **exe_names; /* every app's executable names; strings are static */
	size_t n_exe_names;
	char hash[65]; /* hex SHA-256 of the rule set's source */
};

/* Fills rules->exe_names from the app catalog. Returns 0 or -ENOMEM. */
int apps_collect_exe_names(struct rules *rules);

/*
 * Runs every detector over text[0..len) with scratch and adds what it finds to out.
 * Returns 0 or a negative errno.
 */
int engine_match(const struct rules *rules, hs_scratch_t *scratch, const char *text, size_t len,
		 struct rules_verdict *out);

#endif /* RAQIB_RULES_ENGINE_H */
