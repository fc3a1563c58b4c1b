// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zip packages (see zip_doc.h): one pass over the zip with libarchive loads the members that
 * carry document text, then the member names decide the format. A zip that is no document is
 * extracted as an archive, member by member.
 */
#include "zip_doc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive.h"
#include "odf.h"
#include "ooxml.h"

/* Members worth loading, by name prefix; anything else (images, fonts) is skipped. */
static const char *const text_prefixes[] = {
	"word/",
	"xl/sharedStrings.xml",
	"xl/workbook.xml",
	"xl/_rels/workbook.xml.rels",
	"xl/worksheets/sheet",
	"ppt/slides/slide",
	"ppt/notesSlides/notesSlide",
	"ppt/presentation.xml",
	"content.xml",
	"styles.xml",
	"META-INF/manifest.xml",
};

static bool is_text_member(const char *name)
{
	size_t n = strlen(name);

	if (n < 4 || strcmp(name + n - 4, ".xml") != 0) {
		if (strcmp(name, "xl/_rels/workbook.xml.rels") != 0)
			return false;
	}
	for (size_t i = 0; i < sizeof(text_prefixes) / sizeof(text_prefixes[0]); i++)
		if (strncmp(name, text_prefixes[i], strlen(text_prefixes[i])) == 0)
			return true;
	return false;
}

const struct zip_member *zip_package_find(const struct zip_package *pkg, const char *name)
{
	for (size_t i = 0; i < pkg->n_members; i++)
		if (strcmp(pkg->members[i].name, name) == 0)
			return &pkg->members[i];
	return NULL;
}

/* The number between prefix and suffix of name, or -1 when name is not of that shape. */
static long member_number(const char *name, const char *prefix, const char *suffix)
{
	size_t np = strlen(prefix), ns = strlen(suffix), n = strlen(name);
	long v = 0;

	if (n < np + ns || strncmp(name, prefix, np) != 0 || strcmp(name + n - ns, suffix) != 0)
		return -1;
	if (n == np + ns)
		return 0;
	for (size_t i = np; i < n - ns; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 1000000)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

size_t zip_package_numbered(const struct zip_package *pkg, const char *prefix, const char *suffix,
			    const struct zip_member **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < pkg->n_members && n < max; i++) {
		long num = member_number(pkg->members[i].name, prefix, suffix);
		size_t j;

		if (num < 0)
			continue;
		/* insertion sort: packages hold tens of such members */
		for (j = n; j > 0 && member_number(out[j - 1]->name, prefix, suffix) > num; j--)
			out[j] = out[j - 1];
		out[j] = &pkg->members[i];
		n++;
	}
	return n;
}

static void package_release(struct zip_package *pkg)
{
	for (size_t i = 0; i < pkg->n_members; i++) {
		free(pkg->members[i].name);
		extract_wipe_free(pkg->members[i].data, pkg->members[i].len);
	}
	free(pkg->members);
	memset(pkg, 0, sizeof(*pkg));
}

static int package_add(struct zip_package *pkg, const char *name, unsigned char *data, size_t len)
{
	struct zip_member *m;

	if (pkg->n_members == pkg->cap) {
		size_t cap = pkg->cap ? pkg->cap * 2 : 16;

		m = reallocarray(pkg->members, cap, sizeof(*m));
		if (!m)
			return -ENOMEM;
		pkg->members = m;
		pkg->cap = cap;
	}
	m = &pkg->members[pkg->n_members];
	m->name = strdup(name);
	if (!m->name)
		return -ENOMEM;
	m->data = data;
	m->len = len;
	pkg->n_members++;
	return 0;
}

/*
 * Loads the text members of the zip in buf. Returns 0 (with what could be read: a damaged zip
 * still yields its readable members) or -ENOMEM. *encrypted tells an encrypted member was met.
 */
static int package_load(struct extract_ctx *ctx, const void *buf, size_t len,
			struct zip_package *pkg, bool *encrypted)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	uint64_t expanded = 0;
	int err = 0;

	*encrypted = false;
	if (!a)
		return -ENOMEM;
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		archive_read_free(a);
		extract_ctx_damaged(ctx, "unreadable zip");
		return 0;
	}
	while (!err && !extract_ctx_stopped(ctx)) {
		const char *name;
		unsigned char *data;
		size_t data_len;
		int r = archive_read_next_header(a, &entry);

		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL) {
			extract_ctx_damaged(ctx, "damaged zip");
			break;
		}
		name = archive_entry_pathname(entry);
		if (!name || archive_entry_filetype(entry) != AE_IFREG || !is_text_member(name))
			continue;
		if (archive_entry_is_encrypted(entry)) {
			*encrypted = true;
			continue;
		}
		err = archive_read_member(ctx, a, len, &expanded, &data, &data_len);
		if (err || !data)
			break;
		err = package_add(pkg, name, data, data_len);
		if (err)
			extract_wipe_free(data, data_len);
	}
	archive_read_free(a);
	return err;
}

int extract_zip_doc(struct extract_ctx *ctx, const void *buf, size_t len)
{
	struct zip_package pkg = { 0 };
	bool encrypted;
	int err;

	err = package_load(ctx, buf, len, &pkg, &encrypted);
	if (err)
		goto out;
	if (encrypted)
		extract_ctx_encrypted(ctx, "zip with encrypted members");
	if (zip_package_find(&pkg, "word/document.xml"))
		err = extract_docx(ctx, &pkg);
	else if (zip_package_find(&pkg, "xl/workbook.xml"))
		err = extract_xlsx(ctx, &pkg);
	else if (zip_package_find(&pkg, "ppt/presentation.xml"))
		err = extract_pptx(ctx, &pkg);
	else if (zip_package_find(&pkg, "content.xml") &&
		 zip_package_find(&pkg, "META-INF/manifest.xml"))
		err = extract_odf(ctx, &pkg);
	else if (!ctx->stopped)
		err = extract_archive(ctx, buf, len);
out:
	package_release(&pkg);
	return err;
}
