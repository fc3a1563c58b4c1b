/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Archives and compressed files that libarchive reads (zip, tar, 7z, rar, cpio, iso, ar, cab,
 * and gzip/bzip2/xz/lzma/zstd around them or alone): each regular member is extracted as a
 * RULES_PART_ATTACHMENT one level deeper, within the depth, expanded-size and ratio limits.
 * An encrypted member makes the result "encrypted".
 */
#ifndef RAQIB_AGENT_EXTRACT_ARCHIVE_H
#define RAQIB_AGENT_EXTRACT_ARCHIVE_H

#include <stddef.h>

#include "extract_ctx.h"

int extract_archive(struct extract_ctx *ctx, const void *buf, size_t len);

/*
 * Reads the current entry's data of archive a (a struct archive *) into a new buffer, within
 * the limits of ctx for a container of container_bytes that has expanded *expanded so far.
 * Returns 0 and sets *data (NULL when a limit stopped it) and *len; -ENOMEM. Caller wipes and
 * frees *data with extract_wipe_free(*data, *len).
 */
int archive_read_member(struct extract_ctx *ctx, void *a, uint64_t container_bytes,
			uint64_t *expanded, unsigned char **data, size_t *len);

#endif /* RAQIB_AGENT_EXTRACT_ARCHIVE_H */
