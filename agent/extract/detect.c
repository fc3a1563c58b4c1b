// SPDX-License-Identifier: GPL-2.0-only
/*
 * Content-based type detection with libmagic (see detect.h). libmagic is asked for the MIME
 * type only, with its decompressing and ELF checks off (it must not itself unpack a bomb) and
 * with a bounded look at the buffer. Loading a cookie costs about 2.5 ms here (ten times
 * what most detections cost), so each thread keeps one, made at its first detection and closed
 * when the thread ends: a cookie is not safe to share between threads.
 */
#include "detect.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <magic.h>

#include "text.h"

/* libmagic looks at most at this much of the buffer (zip directories of OOXML are early). */
#define MAGIC_BYTES_MAX (1u << 20)

struct mime_map {
	const char *prefix; /* MIME type, or its beginning when it ends with '/' or '.' */
	enum extract_format format;
};

static const struct mime_map mime_table[] = {
	{ "application/pdf", EXTRACT_FMT_PDF },
	{ "application/zip", EXTRACT_FMT_ZIP },
	{ "application/vnd.openxmlformats-officedocument.", EXTRACT_FMT_ZIP },
	{ "application/vnd.oasis.opendocument.", EXTRACT_FMT_ZIP },
	{ "application/vnd.ms-excel.sheet.macroEnabled", EXTRACT_FMT_ZIP },
	{ "application/vnd.ms-word.document.macroEnabled", EXTRACT_FMT_ZIP },
	{ "application/epub+zip", EXTRACT_FMT_ZIP },
	{ "application/java-archive", EXTRACT_FMT_ZIP },
	{ "application/x-tar", EXTRACT_FMT_ARCHIVE },
	{ "application/gzip", EXTRACT_FMT_ARCHIVE },
	{ "application/x-gzip", EXTRACT_FMT_ARCHIVE },
	{ "application/x-bzip2", EXTRACT_FMT_ARCHIVE },
	{ "application/x-xz", EXTRACT_FMT_ARCHIVE },
	{ "application/x-lzma", EXTRACT_FMT_ARCHIVE },
	{ "application/x-lzip", EXTRACT_FMT_ARCHIVE },
	{ "application/zstd", EXTRACT_FMT_ARCHIVE },
	{ "application/x-zstd", EXTRACT_FMT_ARCHIVE },
	{ "application/x-compress", EXTRACT_FMT_ARCHIVE },
	{ "application/x-7z-compressed", EXTRACT_FMT_ARCHIVE },
	{ "application/x-rar", EXTRACT_FMT_ARCHIVE },
	{ "application/vnd.rar", EXTRACT_FMT_ARCHIVE },
	{ "application/x-cpio", EXTRACT_FMT_ARCHIVE },
	{ "application/x-iso9660-image", EXTRACT_FMT_ARCHIVE },
	{ "application/x-archive", EXTRACT_FMT_ARCHIVE },
	{ "application/vnd.ms-cab-compressed", EXTRACT_FMT_ARCHIVE },
	{ "application/x-xar", EXTRACT_FMT_ARCHIVE },
	{ "text/rtf", EXTRACT_FMT_RTF },
	{ "application/rtf", EXTRACT_FMT_RTF },
	{ "message/rfc822", EXTRACT_FMT_MAIL },
	{ "message/news", EXTRACT_FMT_MAIL },
	{ "text/html", EXTRACT_FMT_HTML },
	{ "application/xhtml+xml", EXTRACT_FMT_HTML },
	/* libmagic's name for a CFB file holding EncryptionInfo + EncryptedPackage */
	{ "application/encrypted", EXTRACT_FMT_OFFICE_ENCRYPTED },
	{ "text/", EXTRACT_FMT_TEXT },
	{ "application/json", EXTRACT_FMT_TEXT },
	{ "application/xml", EXTRACT_FMT_TEXT },
	{ "application/csv", EXTRACT_FMT_TEXT },
	{ "application/x-subrip", EXTRACT_FMT_TEXT },
};

static bool mime_matches(const char *mime, const char *prefix)
{
	size_t n = strlen(prefix);

	if (prefix[n - 1] == '/' || prefix[n - 1] == '.')
		return strncmp(mime, prefix, n) == 0;
	return strcmp(mime, prefix) == 0;
}

static pthread_key_t cookie_key;
static pthread_once_t cookie_once = PTHREAD_ONCE_INIT;
static int cookie_key_err;

static void close_cookie(void *cookie)
{
	magic_close(cookie);
}

static void make_cookie_key(void)
{
	cookie_key_err = pthread_key_create(&cookie_key, close_cookie);
}

/* This thread's cookie, loaded once; NULL when it cannot be made. */
static magic_t thread_cookie(void)
{
	int flags = MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF;
	size_t bytes_max = MAGIC_BYTES_MAX;
	magic_t cookie;

	if (pthread_once(&cookie_once, make_cookie_key) || cookie_key_err)
		return NULL;
	cookie = pthread_getspecific(cookie_key);
	if (cookie)
		return cookie;
	cookie = magic_open(flags);
	if (!cookie)
		return NULL;
	if (magic_load(cookie, NULL) < 0 ||
	    magic_setparam(cookie, MAGIC_PARAM_BYTES_MAX, &bytes_max) < 0 ||
	    pthread_setspecific(cookie_key, cookie)) {
		magic_close(cookie);
		return NULL;
	}
	return cookie;
}

int extract_detect(const void *buf, size_t len, enum extract_format *format, char *mime,
		   size_t mime_len)
{
	bool little_endian;
	const char *type;
	magic_t cookie;

	*format = EXTRACT_FMT_NO_TEXT;
	snprintf(mime, mime_len, "application/octet-stream");
	if (len == 0) {
		*format = EXTRACT_FMT_TEXT;
		snprintf(mime, mime_len, "application/x-empty");
		return 0;
	}
	cookie = thread_cookie();
	if (!cookie)
		return -ENOMEM;
	type = magic_buffer(cookie, buf, len < MAGIC_BYTES_MAX ? len : MAGIC_BYTES_MAX);
	if (type) {
		snprintf(mime, mime_len, "%s", type);
		for (size_t i = 0; i < sizeof(mime_table) / sizeof(mime_table[0]); i++) {
			if (mime_matches(type, mime_table[i].prefix)) {
				*format = mime_table[i].format;
				break;
			}
		}
	}
	/*
	 * A MIME entity without addressing headers (what an SMTP client sends once the parser kept
	 * only its MIME headers, net/smtp_upload.h) is "text/plain" to libmagic: it is a mail.
	 */
	if (*format == EXTRACT_FMT_TEXT && len > 13 && strncasecmp(buf, "MIME-Version:", 13) == 0) {
		*format = EXTRACT_FMT_MAIL;
		snprintf(mime, mime_len, "message/rfc822");
	}
	/* libmagic calls UTF-16 without a byte-order mark "data" */
	if (*format == EXTRACT_FMT_NO_TEXT && strcmp(mime, "application/octet-stream") == 0 &&
	    text_looks_like_utf16(buf, len, &little_endian)) {
		*format = EXTRACT_FMT_TEXT;
		snprintf(mime, mime_len, "text/plain");
	}
	return 0;
}
