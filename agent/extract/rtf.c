// SPDX-License-Identifier: GPL-2.0-only
/*
 * RTF text (see rtf.h). Debian has no RTF reading library for C: librtf is unpackaged,
 * unrtf and catdoc are programs without a library, libwpd/libabw read other formats, and
 * LibreOffice is far too large to embed. RTF's syntax is small and regular (groups in braces,
 * control words \name[-]N, control symbols \x, \'hh bytes, plain text), so this file is a
 * tokenizer of that syntax, not a layout engine: it keeps the text of the document and of its
 * headers and footers and drops every other destination (font and colour tables, styles,
 * pictures, objects, field instructions, metadata, anything marked \*).
 *
 * Bytes (plain or \'hh) are decoded with the code page in force: \ansicpg, or the \fcharset of
 * the current font (178-181 Arabic). \uN is a Unicode character followed by \ucN fallback
 * characters that are skipped. Group nesting is bounded (MAX_DEPTH); \binN skips N bytes.
 */
#include "rtf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "text.h"

#define MAX_DEPTH     512
#define MAX_FONTS     256
#define WORD_MAX      32
#define PENDING_BYTES 4096

struct rtf_group {
	bool skip; /* a destination without document text */
	bool in_fonttbl;
	unsigned uc; /* fallback characters after \uN */
	int font;
	enum rules_part part;
};

struct rtf_state {
	struct extract_ctx *ctx;
	const unsigned char *p, *end;
	struct rtf_group stack[MAX_DEPTH];
	int depth;
	int codepage; /* \ansicpg, 1252 by default */
	short font_codepage[MAX_FONTS]; /* from \fcharset; 0 when unknown */
	int font_being_defined;
	unsigned skip_chars; /* fallback characters still to skip after \uN */
	enum rules_part part; /* announced to the sink */
	bool table; /* a TABLE part is open */
	bool in_cell; /* \intbl seen since \pard */
	bool tab_pending; /* a \cell ended: TAB before the next text of the row */
	unsigned char pending[PENDING_BYTES]; /* bytes awaiting decoding */
	size_t n_pending;
	int err;
};

/* Destinations whose content is not document text. */
static const char *const skipped_destinations[] = {
	"fonttbl",
	"colortbl",
	"stylesheet",
	"info",
	"pict",
	"object",
	"themedata",
	"colorschememapping",
	"datastore",
	"latentstyles",
	"listtable",
	"listoverridetable",
	"rsidtbl",
	"generator",
	"xmlnstbl",
	"mmathPr",
	"fldinst",
	"bkmkstart",
	"bkmkend",
	"filetbl",
	"revtbl",
	"pgdsctbl",
	"userprops",
	"docvar",
	"wgrffmtfilter",
	"private",
	"nonshppict",
	"shpinst",
	"sp",
	"fchars",
	"lchars",
	"pnseclvl",
	"pntext",
	"pntxta",
	"pntxtb",
	"template",
	"operator",
	"author",
	"title",
	"subject",
	"keywords",
	"comment",
	"company",
	"category",
	"doccomm",
	"listtext",
	"shppict",
	"blipuid",
	"objdata",
	NULL,
};

static int charset_codepage(long charset)
{
	switch (charset) {
	case 0:
		return 1252;
	case 177:
		return 1255;
	case 178:
	case 179:
	case 180:
	case 181:
		return 1256;
	case 161:
		return 1253;
	case 162:
		return 1254;
	case 204:
		return 1251;
	case 238:
		return 1250;
	default:
		return 0;
	}
}

static int current_codepage(const struct rtf_state *s)
{
	int font = s->stack[s->depth].font;

	if (font >= 0 && font < MAX_FONTS && s->font_codepage[font])
		return s->font_codepage[font];
	return s->codepage;
}

static int feed_chunk(void *arg, const char *utf8, size_t len)
{
	return extract_ctx_feed(arg, utf8, len);
}

static void flush_pending(struct rtf_state *s)
{
	char charset[16];
	size_t invalid;

	if (!s->n_pending)
		return;
	snprintf(charset, sizeof(charset), "CP%d", current_codepage(s));
	if (!s->err)
		s->err = text_decode(charset, s->pending, s->n_pending, feed_chunk, s->ctx,
				     &invalid);
	if (s->err == -EINVAL) /* a code page iconv lacks: Latin-1 keeps the ASCII text */
		s->err = text_decode("CP1252", s->pending, s->n_pending, feed_chunk, s->ctx,
				     &invalid);
	explicit_bzero(s->pending, s->n_pending);
	s->n_pending = 0;
}

static void set_part(struct rtf_state *s, enum rules_part part)
{
	if (s->part == part || s->err)
		return;
	flush_pending(s);
	s->part = part;
	s->err = extract_ctx_part(s->ctx, part);
}

/*
 * Before text: announces the part it belongs to (the group's header or footer, else the table
 * or the body; a table ends at the first text outside a cell) and writes the TAB a \cell left
 * pending.
 */
static void before_text(struct rtf_state *s)
{
	const struct rtf_group *g = &s->stack[s->depth];

	if (s->table && !s->in_cell && g->part == RULES_PART_BODY)
		s->table = false;
	if (g->part != RULES_PART_BODY)
		set_part(s, g->part);
	else
		set_part(s, s->table ? RULES_PART_TABLE : RULES_PART_BODY);
	if (s->tab_pending) {
		s->tab_pending = false;
		flush_pending(s);
		if (!s->err)
			s->err = extract_ctx_puts(s->ctx, "\t");
	}
}

static void put_byte(struct rtf_state *s, unsigned char c)
{
	struct rtf_group *g = &s->stack[s->depth];

	if (s->skip_chars) {
		s->skip_chars--;
		return;
	}
	if (g->skip)
		return;
	before_text(s);
	if (s->n_pending == sizeof(s->pending))
		flush_pending(s);
	s->pending[s->n_pending++] = c;
}

static void put_text(struct rtf_state *s, const char *utf8)
{
	if (s->stack[s->depth].skip)
		return;
	before_text(s);
	flush_pending(s);
	if (!s->err)
		s->err = extract_ctx_puts(s->ctx, utf8);
}

static void put_unicode(struct rtf_state *s, long cp)
{
	char out[5];

	if (cp < 0)
		cp += 65536;
	if (cp <= 0 || cp > 0xffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = '\0';
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		out[2] = '\0';
	} else {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		out[3] = '\0';
	}
	put_text(s, out);
}

/* A paragraph or line break: inside a table cell, a space keeps the row on one line. */
static void put_break(struct rtf_state *s)
{
	put_text(s, s->table && s->in_cell ? " " : "\n");
}

static bool is_one_of(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return true;
	return false;
}

static void on_destination(struct rtf_state *s, const char *word, bool ignorable)
{
	struct rtf_group *g = &s->stack[s->depth];

	if (strcmp(word, "fonttbl") == 0)
		g->in_fonttbl = true;
	if (is_one_of(word, skipped_destinations)) {
		g->skip = true;
	} else if (strncmp(word, "header", 6) == 0 && strlen(word) <= 7) {
		g->part = RULES_PART_HEADER;
	} else if (strncmp(word, "footer", 6) == 0 && strlen(word) <= 7) {
		g->part = RULES_PART_FOOTER;
	} else if (ignorable) {
		/* \*\unknown: a destination this reader does not know, skipped by the spec */
		g->skip = true;
	}
}

static void on_word(struct rtf_state *s, const char *word, bool has_param, long param,
		    bool after_star)
{
	struct rtf_group *g = &s->stack[s->depth];

	if (g->in_fonttbl) {
		if (strcmp(word, "f") == 0 && has_param)
			s->font_being_defined = (int)param;
		else if (strcmp(word, "fcharset") == 0 && s->font_being_defined >= 0 &&
			 s->font_being_defined < MAX_FONTS)
			s->font_codepage[s->font_being_defined] = (short)charset_codepage(param);
		return;
	}
	if (strcmp(word, "ansicpg") == 0 && has_param && param > 0 && param < 100000) {
		s->codepage = (int)param;
	} else if (strcmp(word, "f") == 0 && has_param) {
		flush_pending(s);
		g->font = (int)param;
	} else if (strcmp(word, "uc") == 0 && has_param && param >= 0 && param < 16) {
		g->uc = (unsigned)param;
	} else if (strcmp(word, "u") == 0 && has_param) {
		if (!g->skip)
			put_unicode(s, param);
		s->skip_chars = g->uc;
		return;
	} else if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 ||
		   strcmp(word, "sect") == 0 || strcmp(word, "page") == 0) {
		put_break(s);
	} else if (strcmp(word, "tab") == 0) {
		put_text(s, s->table ? " " : "\t");
	} else if (strcmp(word, "trowd") == 0 && g->part == RULES_PART_BODY) {
		s->table = true;
	} else if (strcmp(word, "intbl") == 0) {
		s->in_cell = true;
	} else if (strcmp(word, "pard") == 0) {
		s->in_cell = false;
	} else if (strcmp(word, "cell") == 0) {
		if (!g->skip) {
			flush_pending(s);
			s->tab_pending = true;
		}
	} else if (strcmp(word, "row") == 0) {
		s->tab_pending = false;
		put_text(s, "\n");
		s->in_cell = false;
	} else if (strcmp(word, "nestcell") == 0 || strcmp(word, "nestrow") == 0) {
		put_text(s, " ");
	} else if (strcmp(word, "emdash") == 0 || strcmp(word, "endash") == 0) {
		put_text(s, "-");
	} else if (strcmp(word, "lquote") == 0 || strcmp(word, "rquote") == 0) {
		put_text(s, "'");
	} else if (strcmp(word, "ldblquote") == 0 || strcmp(word, "rdblquote") == 0) {
		put_text(s, "\"");
	} else if (strcmp(word, "bullet") == 0) {
		put_text(s, "*");
	} else {
		on_destination(s, word, after_star);
	}
	s->skip_chars = 0;
}

/* Reads a control word or symbol after its backslash. */
static void read_control(struct rtf_state *s, bool *after_star)
{
	char word[WORD_MAX + 1];
	size_t n = 0;
	long param = 0;
	bool has_param = false, negative = false;
	unsigned char c;

	if (s->p >= s->end)
		return;
	c = *s->p;
	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
		s->p++;
		switch (c) {
		case '\'':
			if (s->end - s->p >= 2 && OPENSSL_hexchar2int(s->p[0]) >= 0 &&
			    OPENSSL_hexchar2int(s->p[1]) >= 0)
				put_byte(s, (unsigned char)(OPENSSL_hexchar2int(s->p[0]) << 4 |
							    OPENSSL_hexchar2int(s->p[1])));
			s->p += s->end - s->p >= 2 ? 2 : s->end - s->p;
			break;
		case '*':
			*after_star = true;
			return;
		case '~':
			put_text(s, " ");
			break;
		case '_':
			put_text(s, "-");
			break;
		case '\n':
		case '\r':
			put_break(s);
			break;
		case '\\':
		case '{':
		case '}':
			put_byte(s, c);
			break;
		default:
			break; /* \- optional hyphen, \| \: formula characters */
		}
		*after_star = false;
		return;
	}
	while (s->p < s->end &&
	       ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= 'A' && *s->p <= 'Z'))) {
		if (n < WORD_MAX)
			word[n++] = (char)*s->p;
		s->p++;
	}
	word[n] = '\0';
	if (s->p < s->end && *s->p == '-') {
		negative = true;
		s->p++;
	}
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if (param < 100000000)
			param = param * 10 + (*s->p - '0');
		has_param = true;
		s->p++;
	}
	if (negative)
		param = -param;
	if (s->p < s->end && *s->p == ' ')
		s->p++;
	if (strcmp(word, "bin") == 0 && has_param && param > 0) {
		s->p += param < s->end - s->p ? param : s->end - s->p;
		*after_star = false;
		return;
	}
	on_word(s, word, has_param, param, *after_star);
	*after_star = false;
}

int extract_rtf(struct extract_ctx *ctx, const void *buf, size_t len)
{
	struct rtf_state *s = calloc(1, sizeof(*s));
	bool after_star = false;
	int err;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->p = buf;
	s->end = s->p + len;
	s->codepage = 1252;
	s->font_being_defined = -1;
	s->stack[0] = (struct rtf_group){ .uc = 1, .font = -1, .part = RULES_PART_BODY };
	s->err = extract_ctx_part(ctx, RULES_PART_BODY);
	while (s->p < s->end && !s->err && !extract_ctx_stopped(ctx)) {
		unsigned char c = *s->p;

		if (c == '{') {
			s->p++;
			flush_pending(s);
			if (s->depth + 1 >= MAX_DEPTH) {
				extract_ctx_limit(ctx, "RTF group nesting deeper than %d",
						  MAX_DEPTH);
				break;
			}
			s->stack[s->depth + 1] = s->stack[s->depth];
			s->depth++;
		} else if (c == '}') {
			s->p++;
			flush_pending(s);
			if (s->depth > 0)
				s->depth--;
			s->skip_chars = 0;
		} else if (c == '\\') {
			s->p++;
			read_control(s, &after_star);
		} else if (c == '\r' || c == '\n') {
			s->p++; /* line breaks of the file are not text */
		} else {
			s->p++;
			put_byte(s, c);
		}
	}
	flush_pending(s);
	if (!s->err)
		s->err = extract_ctx_puts(ctx, "\n");
	err = s->err;
	explicit_bzero(s, sizeof(*s));
	free(s);
	return err;
}
