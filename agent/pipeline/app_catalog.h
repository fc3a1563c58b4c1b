/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which executables are messaging apps. The walking skeleton carries a small built-in list;
 * the rule packs' `app` kind replaces it (rules/packs/messaging-apps.yml).
 */
#ifndef RAQIB_AGENT_APP_CATALOG_H
#define RAQIB_AGENT_APP_CATALOG_H

#include <stddef.h>

struct app_entry {
	const char *exe_name; /* executable file name, as exec() sees it */
	const char *app; /* app name shown in alerts */
};

/* The app whose executable file name (no directory) is exe_name, or NULL. */
const struct app_entry *app_catalog_match_exe(const char *exe_name);

/*
 * The app whose executable name starts with comm (the kernel keeps 15 characters of it), or
 * NULL. Used when only the process name is known.
 */
const struct app_entry *app_catalog_match_comm(const char *comm);

/* Number of entries, and entry i, for filling the kernel's watch list. */
size_t app_catalog_size(void);
const struct app_entry *app_catalog_entry(size_t i);

#endif /* RAQIB_AGENT_APP_CATALOG_H */
