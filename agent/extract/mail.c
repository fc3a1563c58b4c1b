// SPDX-License-Identifier: GPL-2.0-only
/*
 * E-mail through GMime 3 (see mail.h). The message is parsed in place: the input buffer is
 * lent to a GMime memory stream (no copy), and GMime keeps part contents as windows onto it.
 * Each leaf part is decoded from its transfer encoding (base64, quoted-printable, uuencode)
 * into memory bounded by its encoded size, then:
 * - text/plain that is not an attachment: converted from its charset to UTF-8 by GMime;
 * - text/html that is not an attachment: the HTML extractor;
 * - anything else, and attached messages: a nested document (RULES_PART_ATTACHMENT), typed
 *   from its content like a file, one level deeper.
 * GMime needs one process-wide g_mime_init(), done once under pthread_once(), which also
 * silences GMime's log domain.
 */
#include "mail.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <gmime/gmime.h>

#include "html.h"

/* multipart inside multipart: deeper than this is an attack, not a mail */
#define MAX_MIME_NESTING 64

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* GMime's warnings can quote the message: they must not reach the agent's stderr. */
static void ignore_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
		       gpointer data)
{
}

static void gmime_setup(void)
{
	g_mime_init();
	g_log_set_handler("gmime", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
			  ignore_log, NULL);
}

static int walk(struct extract_ctx *ctx, GMimeObject *obj, unsigned nesting);

static int feed_line(struct extract_ctx *ctx, const char *label, const char *value)
{
	int err;

	if (!value || !*value)
		return 0;
	err = extract_ctx_puts(ctx, label);
	if (!err)
		err = extract_ctx_puts(ctx, value);
	if (!err)
		err = extract_ctx_puts(ctx, "\n");
	return err;
}

static int feed_addresses(struct extract_ctx *ctx, const char *label, InternetAddressList *list)
{
	char *s;
	int err;

	if (!list || internet_address_list_length(list) == 0)
		return 0;
	s = internet_address_list_to_string(list, NULL, FALSE);
	err = feed_line(ctx, label, s);
	if (s)
		explicit_bzero(s, strlen(s));
	g_free(s);
	return err;
}

static int walk_message(struct extract_ctx *ctx, GMimeMessage *msg, unsigned nesting)
{
	GMimeObject *body;
	int err;

	err = feed_line(ctx, "Subject: ", g_mime_message_get_subject(msg));
	if (!err)
		err = feed_addresses(ctx, "From: ", g_mime_message_get_from(msg));
	if (!err)
		err = feed_addresses(ctx, "To: ", g_mime_message_get_to(msg));
	if (!err)
		err = feed_addresses(ctx, "Cc: ", g_mime_message_get_cc(msg));
	body = g_mime_message_get_mime_part(msg);
	if (!err && body)
		err = walk(ctx, body, nesting + 1);
	return err;
}

/* Decodes the part's content into a new byte array the caller wipes and unrefs. */
static GByteArray *decode_part(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *out;
	GByteArray *bytes;

	if (!content)
		return NULL;
	out = g_mime_stream_mem_new();
	if (!out)
		return NULL;
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_mime_data_wrapper_write_to_stream(content, out);
	/* not owned by the stream: the one reference is handed to the caller */
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	g_object_unref(out);
	return bytes;
}

static void wipe_bytes(GByteArray *bytes)
{
	if (!bytes)
		return;
	if (bytes->len)
		explicit_bzero(bytes->data, bytes->len);
	g_byte_array_unref(bytes);
}

static int walk_part(struct extract_ctx *ctx, GMimePart *part)
{
	GMimeContentType *type = g_mime_object_get_content_type(GMIME_OBJECT(part));
	bool attachment = g_mime_part_is_attachment(part);
	GByteArray *bytes;
	int err = 0;

	if (!attachment && GMIME_IS_TEXT_PART(part) &&
	    g_mime_content_type_is_type(type, "text", "plain")) {
		char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));

		if (text) {
			err = extract_ctx_puts(ctx, text);
			if (!err)
				err = extract_ctx_puts(ctx, "\n");
			explicit_bzero(text, strlen(text));
			g_free(text);
		}
		return err;
	}
	bytes = decode_part(part);
	if (!bytes) {
		extract_ctx_damaged(ctx, "undecodable MIME part");
		return 0;
	}
	if (!attachment && g_mime_content_type_is_type(type, "text", "html"))
		err = extract_html(ctx, bytes->data, bytes->len);
	else
		err = extract_ctx_nested(ctx, bytes->data, bytes->len);
	wipe_bytes(bytes);
	return err;
}

static int walk(struct extract_ctx *ctx, GMimeObject *obj, unsigned nesting)
{
	int err = 0;

	if (extract_ctx_stopped(ctx))
		return 0;
	if (nesting > MAX_MIME_NESTING) {
		extract_ctx_limit(ctx, "MIME nesting deeper than %d", MAX_MIME_NESTING);
		return 0;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !err && !extract_ctx_stopped(ctx); i++)
			err = walk(ctx, g_mime_multipart_get_part(mp, i), nesting + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (!msg)
			return 0;
		if (ctx->depth + 1 > ctx->limits->max_depth) {
			extract_ctx_limit(ctx, "nesting depth limit of %u reached",
					  ctx->limits->max_depth);
			return 0;
		}
		err = extract_ctx_part(ctx, RULES_PART_ATTACHMENT);
		ctx->depth++;
		if (!err)
			err = walk_message(ctx, msg, nesting);
		ctx->depth--;
	} else if (GMIME_IS_PART(obj)) {
		err = walk_part(ctx, GMIME_PART(obj));
	}
	return err;
}

int extract_mail(struct extract_ctx *ctx, const void *buf, size_t len)
{
	GByteArray *array;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	int err = 0;

	pthread_once(&gmime_once, gmime_setup);
	/* lend buf to GMime: the array is emptied again before it is freed */
	array = g_byte_array_new_take((guint8 *)buf, len);
	stream = g_mime_stream_mem_new_with_byte_array(array);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (msg) {
		err = extract_ctx_part(ctx, RULES_PART_BODY);
		if (!err)
			err = walk_message(ctx, msg, 0);
		g_object_unref(msg);
	} else {
		extract_ctx_damaged(ctx, "unparsable mail message");
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_steal(array, NULL); /* buf stays the caller's */
	g_byte_array_unref(array);
	return err;
}
