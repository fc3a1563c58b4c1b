// SPDX-License-Identifier: GPL-2.0-only
/*
 * HTML text (see html.h). libxml2's HTML parser is error-tolerant the way browsers are, and
 * its SAX mode keeps memory flat whatever the page size. Its messages are silenced (they quote
 * the page). A page that declares no charset is decoded with the encoding text.c detects
 * (a CP1256 page saved by an old Windows editor is common); one that declares it is trusted.
 */
#include "html.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "text.h"

#define CHUNK_BYTES (64u * 1024)

struct html_walk {
	struct extract_ctx *ctx;
	unsigned skip_depth; /* inside script, style, template... */
	unsigned table_depth;
	unsigned cells; /* cells begun in the current row of the outermost table */
	int err;
};

static bool is_one_of(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const skipped[] = { "script", "style",  "template", "noscript",
				       "svg",	 "object", NULL };
static const char *const blocks[] = {
	"p",	      "div",	    "br",      "li",	  "h1",	    "h2",     "h3",    "h4",
	"h5",	      "h6",	    "section", "article", "header", "footer", "ul",    "ol",
	"blockquote", "pre",	    "hr",      "dt",	  "dd",	    "form",   "title", "address",
	"caption",    "figcaption", "main",    "nav",	  "aside",  NULL,
};

static void put(struct html_walk *w, const char *s)
{
	if (!w->err)
		w->err = extract_ctx_puts(w->ctx, s);
}

static void on_start(void *arg, const xmlChar *tag, const xmlChar **attrs)
{
	struct html_walk *w = arg;
	const char *name = (const char *)tag;

	if (w->skip_depth || is_one_of(name, skipped)) {
		w->skip_depth++;
		return;
	}
	if (strcasecmp(name, "table") == 0) {
		if (w->table_depth++ == 0 && !w->err)
			w->err = extract_ctx_part(w->ctx, RULES_PART_TABLE);
	} else if (strcasecmp(name, "tr") == 0 && w->table_depth == 1) {
		w->cells = 0;
	} else if ((strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0) &&
		   w->table_depth > 0) {
		if (w->table_depth > 1 || w->cells > 0)
			put(w, w->table_depth > 1 ? " " : "\t");
		w->cells++;
	} else if (is_one_of(name, blocks)) {
		put(w, w->table_depth ? " " : "\n");
	}
}

static void on_end(void *arg, const xmlChar *tag)
{
	struct html_walk *w = arg;
	const char *name = (const char *)tag;

	if (w->skip_depth) {
		w->skip_depth--;
		return;
	}
	if (strcasecmp(name, "table") == 0 && w->table_depth > 0) {
		if (--w->table_depth == 0 && !w->err)
			w->err = extract_ctx_part(w->ctx, RULES_PART_BODY);
	} else if (strcasecmp(name, "tr") == 0 && w->table_depth > 0) {
		put(w, w->table_depth == 1 ? "\n" : " ");
	} else if (is_one_of(name, blocks)) {
		put(w, w->table_depth ? " " : "\n");
	}
}

static void on_characters(void *arg, const xmlChar *text, int len)
{
	struct html_walk *w = arg;

	if (w->skip_depth || w->err || len <= 0)
		return;
	if (w->table_depth)
		w->err = extract_ctx_feed_cell(w->ctx, (const char *)text, (size_t)len);
	else
		w->err = extract_ctx_feed(w->ctx, text, (size_t)len);
}

static void ignore_message(void *ctx, const char *msg, ...)
{
}

static void ignore_error(void *arg, xmlErrorPtr error)
{
}

/* True when the first KiB of the page names its charset (meta, or an XML declaration). */
static bool declares_charset(const char *buf, size_t len)
{
	static const char *const needles[] = { "charset", "encoding=" };
	size_t n = len < 1024 ? len : 1024;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i + strlen(needles[k]) <= n; i++)
			if (strncasecmp(buf + i, needles[k], strlen(needles[k])) == 0)
				return true;
	return false;
}

int extract_html(struct extract_ctx *ctx, const void *buf, size_t len)
{
	htmlSAXHandler sax;
	struct html_walk w = { .ctx = ctx };
	htmlParserCtxtPtr parser;
	size_t bom = 0;
	const char *charset = text_detect_charset(buf, len, &bom);
	int err;

	memset(&sax, 0, sizeof(sax));
	sax.startElement = on_start;
	sax.endElement = on_end;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	sax.warning = ignore_message;
	sax.error = ignore_message;
	sax.fatalError = ignore_message;
	sax.serror = ignore_error;
	parser = htmlCreatePushParserCtxt(&sax, &w, NULL, 0, NULL, XML_CHAR_ENCODING_NONE);
	if (!parser)
		return -ENOMEM;
	htmlCtxtUseOptions(parser, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					   HTML_PARSE_NOIMPLIED);
	if (!declares_charset(buf, len) && strcmp(charset, "UTF-8") != 0) {
		xmlCharEncodingHandlerPtr handler = xmlFindCharEncodingHandler(charset);

		if (handler)
			xmlSwitchToEncoding(parser, handler);
	}
	err = extract_ctx_part(ctx, RULES_PART_BODY);
	for (size_t off = 0; off < len && !err && !w.err && !extract_ctx_stopped(ctx);
	     off += CHUNK_BYTES) {
		size_t n = len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES;

		htmlParseChunk(parser, (const char *)buf + off, (int)n, 0);
	}
	if (!err && !w.err && !ctx->stopped)
		htmlParseChunk(parser, NULL, 0, 1);
	htmlFreeParserCtxt(parser);
	if (!err)
		err = w.err;
	if (!err)
		err = extract_ctx_puts(ctx, "\n");
	return err;
}
