/* SPDX-License-Identifier: GPL-2.0-only */
/* Small file-system helpers shared by the agent, the collector and raqibctl. */
#ifndef RAQIB_FSUTIL_H
#define RAQIB_FSUTIL_H

/*
 * mkdir -p: creates path and every missing parent with mode 0700 (state and key directories
 * hold secrets and personal-data verdicts). 0, or -errno of the first mkdir that failed.
 */
int raqib_make_dirs(const char *path);

/* The same for the directory that holds path (nothing when path has no directory part). */
int raqib_make_parent_dirs(const char *path);

#endif
