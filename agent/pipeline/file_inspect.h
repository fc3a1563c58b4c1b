/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File inspection: opens the file a watched app opened, checks it is the same file (device and
 * inode from the kernel event), extracts its text and runs the rules over it.
 */
#ifndef RAQIB_AGENT_FILE_INSPECT_H
#define RAQIB_AGENT_FILE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "raqib/rules.h"
#include "extract/extract.h"
#include "extract/verdict_cache.h"

#define FILE_INSPECT_MAX_PATHS 3

struct file_inspect_request {
	/* Paths tried in order until one opens the file dev/ino name; unused slots are NULL. */
	const char *paths[FILE_INSPECT_MAX_PATHS];
	bool has_identity; /* dev and ino below are known */
	dev_t dev;
	ino_t ino;
	const struct extract_limits *limits;
	struct verdict_cache *cache; /* NULL: always inspect */
};

struct file_inspect_result {
	struct rules_verdict verdict; /* caller releases with rules_verdict_release() */
	struct extract_result extract; /* type, partial inspection, SHA-256 */
	const char *opened_path; /* the request path that was inspected */
	int64_t size;
	int64_t mtime_ns;
	dev_t dev;
	ino_t ino;
	bool from_cache; /* this file version was inspected before: nothing was read */
};

/*
 * Inspects the file with scan (a context of the rules to apply). Returns 0 and fills out, or a
 * negative errno: -ENOENT when no path can be opened, -ESTALE when they all name another file
 * than dev/ino, -EINVAL when it is not a regular file, -EIO on a read error, -ENOMEM.
 * A file only partly inspected (limits, damage) is a result: see out->extract.status.
 * With req->cache, a file version (device, inode, size, mtime) already inspected is answered
 * from the cache without being read, and a newly inspected one is stored there.
 */
int file_inspect(struct rules_scan *scan, const struct file_inspect_request *req,
		 struct file_inspect_result *out);

#endif /* RAQIB_AGENT_FILE_INSPECT_H */
