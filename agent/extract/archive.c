// SPDX-License-Identifier: GPL-2.0-only
/*
 * Archives through libarchive (see archive.h). Every member is decompressed in bounded chunks,
 * each chunk accounted against the expanded-size and ratio limits before more is read, so a
 * zip or bzip2 bomb stops after at most one chunk past its limit. Member names are never
 * trusted for the type: each member goes through content detection like a file.
 */
#include "archive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#define CHUNK_BYTES (64u * 1024)

int archive_read_member(struct extract_ctx *ctx, void *arg, uint64_t container_bytes,
			uint64_t *expanded, unsigned char **data, size_t *len)
{
	struct archive *a = arg;
	size_t cap = CHUNK_BYTES, used = 0;
	unsigned char *buf = malloc(cap), *grown;
	int err = 0;

	*data = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		la_ssize_t n;

		if (extract_ctx_stopped(ctx))
			break;
		if (cap - used < CHUNK_BYTES) {
			grown = malloc(cap * 2);
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			memcpy(grown, buf, used);
			extract_wipe_free(buf, cap);
			buf = grown;
			cap *= 2;
		}
		n = archive_read_data(a, buf + used, CHUNK_BYTES);
		if (n == 0)
			break;
		if (n < 0) {
			extract_ctx_damaged(ctx, "damaged archive member");
			break;
		}
		used += (size_t)n;
		if (!extract_ctx_expand(ctx, expanded, container_bytes, (size_t)n))
			break;
	}
	if (err || ctx->stopped) {
		extract_wipe_free(buf, cap);
		return err;
	}
	/* the caller frees with the length it is told: hand over an exact-size copy */
	*data = malloc(used ? used : 1);
	if (!*data) {
		extract_wipe_free(buf, cap);
		return -ENOMEM;
	}
	memcpy(*data, buf, used);
	*len = used;
	extract_wipe_free(buf, cap);
	return 0;
}

/*
 * Formats and filters are listed rather than "all": the mtree format reads the files its
 * entries name from this machine's disk, and the lrzip, lzop and grzip filters run external
 * programs when libarchive lacks them. Neither may follow from a file a user received.
 */
static struct archive *open_any(const void *buf, size_t len)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_compress(a);
	archive_read_support_filter_uu(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_xar(a);
	/* a lone gzip/bzip2/xz stream: one member, the decompressed data */
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int extract_archive(struct extract_ctx *ctx, const void *buf, size_t len)
{
	struct archive_entry *entry;
	uint64_t expanded = 0;
	struct archive *a;
	int err = 0;

	a = open_any(buf, len);
	if (!a) {
		extract_ctx_damaged(ctx, "unreadable archive");
		return 0;
	}
	while (!err && !extract_ctx_stopped(ctx)) {
		unsigned char *data;
		size_t data_len;
		int r = archive_read_next_header(a, &entry);

		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL) {
			if (archive_read_has_encrypted_entries(a) > 0)
				extract_ctx_encrypted(ctx, "encrypted archive");
			else
				extract_ctx_damaged(ctx, "damaged archive");
			break;
		}
		/* the raw format (a lone gzip/bzip2/xz stream) gives its one entry no type */
		if (archive_entry_filetype(entry) != AE_IFREG &&
		    !(archive_format(a) == ARCHIVE_FORMAT_RAW &&
		      archive_entry_filetype(entry) == 0))
			continue;
		if (archive_entry_is_encrypted(entry)) {
			extract_ctx_encrypted(ctx, "encrypted archive member");
			continue;
		}
		err = archive_read_member(ctx, a, len, &expanded, &data, &data_len);
		if (err || !data)
			break;
		err = extract_ctx_nested(ctx, data, data_len);
		extract_wipe_free(data, data_len);
	}
	archive_read_free(a);
	return err;
}
