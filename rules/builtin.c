// SPDX-License-Identifier: GPL-2.0-only
/*
 * The built-in rule set of the walking skeleton: a Moroccan CIN that needs a context word, and
 * a RIB that needs its mod-97 key (../shared/spec/moroccan-pii.md sections 2.1 and 2.3). Both
 * patterns are compiled into one Hyperscan database; each match is then checked in C for what
 * Hyperscan cannot express (boundaries, checksum, context). The rule-pack engine replaces it.
 */
#include "engine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "validators.h"
#include "verdict.h"

enum builtin_pattern {
	PAT_CIN,
	PAT_RIB,
	PAT_COUNT,
};

static const char *const builtin_patterns[PAT_COUNT] = {
	/* 1-2 letters, an optional separator, 5-6 digits: at most 8 significant characters. */
	[PAT_CIN] = "[A-Z]{1,2}[ -]?[0-9]{5,6}",
	/* 24 digits with optional single separators between them. */
	[PAT_RIB] = "[0-9](?:[ .-]?[0-9]){23}",
};

/* Context words for a CIN, Latin ones matched as whole words after ASCII case folding. */
static const char *const cin_context_latin[] = {
	"cin", "c.i.n", "cnie", "c.n.i.e", "cni", "carte nationale", "carte d'identite",
	"carte d'identité", "piece d'identite", "pièce d'identité", "identity card",
	"national id", "id card", "id number",
};

/* Arabic context words, matched as substrings so attached particles (للبطاقة) still match. */
static const char *const cin_context_arabic[] = {
	"ر.ب.و", "ب.ت.و", "بطاقة الوطنية", "بطاقة التعريف", "رقم الوطني",
};

#define CIN_CONTEXT_BEFORE_CHARS 40
#define CIN_CONTEXT_AFTER_CHARS 20

struct match {
	unsigned id;
	unsigned long long from, to;
};

struct match_list {
	struct match *items;
	size_t n, cap;
	int err;
};

/* The built-in rules are identified by the hash of their patterns. */
static int hash_patterns(struct rules *rules)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	for (unsigned i = 0; ok && i < PAT_COUNT; i++)
		ok = EVP_DigestUpdate(ctx, builtin_patterns[i], strlen(builtin_patterns[i]) + 1);
	ok = ok && EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(rules->hash + 2 * i, 3, "%02x", md[i]);
	return 0;
}

struct rules *rules_load(const char *path, struct rules_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	snprintf(err->text, sizeof(err->text), "rule packs are not supported by this build yet");
	errno = ENOTSUP;
	return NULL;
}

const char *rules_hash(const struct rules *rules)
{
	return rules->hash;
}

struct rules *rules_new_builtin(struct rules_error *err)
{
	unsigned flags[PAT_COUNT];
	unsigned ids[PAT_COUNT];
	hs_compile_error_t *cerr = NULL;
	struct rules *rules;

	memset(err, 0, sizeof(*err));
	rules = calloc(1, sizeof(*rules));
	if (!rules) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < PAT_COUNT; i++) {
		flags[i] = HS_FLAG_SOM_LEFTMOST;
		ids[i] = i;
	}
	if (hs_compile_multi(builtin_patterns, flags, ids, PAT_COUNT, HS_MODE_BLOCK, NULL,
			     &rules->db, &cerr) != HS_SUCCESS) {
		snprintf(err->file, sizeof(err->file), "<builtin>");
		snprintf(err->text, sizeof(err->text), "pattern %d refused: %s", cerr->expression,
			 cerr->message);
		hs_free_compile_error(cerr);
		goto err_free;
	}
	if (hs_alloc_scratch(rules->db, &rules->scratch) != HS_SUCCESS) {
		snprintf(err->text, sizeof(err->text), "cannot allocate hyperscan scratch");
		goto err_free;
	}
	if (apps_collect_exe_names(rules) || hash_patterns(rules)) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		goto err_free;
	}
	return rules;

err_free:
	rules_free(rules);
	errno = EINVAL;
	return NULL;
}

void rules_free(struct rules *rules)
{
	if (!rules)
		return;
	hs_free_scratch(rules->scratch);
	hs_free_database(rules->db);
	free(rules->exe_names);
	free(rules);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	struct match_list *list = ctx;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct match *items = reallocarray(list->items, cap, sizeof(*items));

		if (!items) {
			list->err = -ENOMEM;
			return 1; /* stop scanning */
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->n++] = (struct match){ .id = id, .from = from, .to = to };
	return 0;
}

static bool is_ascii_alnum(unsigned char c)
{
	return c < 0x80 && isalnum(c);
}

/* A match must not touch letters or digits on either side. */
static bool is_bounded(const char *text, size_t len, size_t from, size_t to)
{
	if (from > 0 && is_ascii_alnum(text[from - 1]))
		return false;
	if (to < len && is_ascii_alnum(text[to]))
		return false;
	return true;
}

/* Start of the window of n characters (UTF-8 code points) before pos, stopping at a newline. */
static size_t window_start(const char *text, size_t pos, unsigned n)
{
	size_t i = pos;

	while (i > 0 && n > 0 && text[i - 1] != '\n') {
		i--;
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			n--;
	}
	return i;
}

static size_t window_end(const char *text, size_t len, size_t pos, unsigned n)
{
	size_t i = pos;

	while (i < len && text[i] != '\n' && n > 0) {
		i++;
		while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
			i++;
		n--;
	}
	return i;
}

static bool has_word(const char *lower, size_t len, const char *word)
{
	size_t wlen = strlen(word);

	for (size_t i = 0; i + wlen <= len; i++) {
		if (memcmp(lower + i, word, wlen) != 0)
			continue;
		if ((i == 0 || !is_ascii_alnum(lower[i - 1])) &&
		    (i + wlen == len || !is_ascii_alnum(lower[i + wlen])))
			return true;
	}
	return false;
}

static bool has_substring(const char *text, size_t len, const char *word)
{
	return memmem(text, len, word, strlen(word)) != NULL;
}

static bool window_has_cin_context(const char *text, size_t len)
{
	char lower[512];

	if (len >= sizeof(lower))
		len = sizeof(lower) - 1;
	for (size_t i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)text[i]);
	for (size_t i = 0; i < sizeof(cin_context_latin) / sizeof(cin_context_latin[0]); i++)
		if (has_word(lower, len, cin_context_latin[i]))
			return true;
	for (size_t i = 0; i < sizeof(cin_context_arabic) / sizeof(cin_context_arabic[0]); i++)
		if (has_substring(text, len, cin_context_arabic[i]))
			return true;
	return false;
}

static bool cin_has_context(const char *text, size_t len, size_t from, size_t to)
{
	size_t b = window_start(text, from, CIN_CONTEXT_BEFORE_CHARS);
	size_t e = window_end(text, len, to, CIN_CONTEXT_AFTER_CHARS);

	return window_has_cin_context(text + b, from - b) || window_has_cin_context(text + to, e - to);
}

/* Copies the letters and digits of text[from..to) into out; returns their number. */
static size_t compact(const char *text, size_t from, size_t to, char *out, size_t out_len)
{
	size_t n = 0;

	for (size_t i = from; i < to && n + 1 < out_len; i++)
		if (is_ascii_alnum(text[i]))
			out[n++] = text[i];
	out[n] = '\0';
	return n;
}

static int check_match(const struct match *m, const char *text, size_t len,
		       struct rules_verdict *out)
{
	char value[RULES_VALUE_MAX];
	size_t n;
	int err = 0;

	if (!is_bounded(text, len, m->from, m->to))
		return 0;
	n = compact(text, m->from, m->to, value, sizeof(value));
	switch (m->id) {
	case PAT_RIB:
		if (is_valid_rib(value, n))
			err = verdict_add(out, "RIB", "builtin.rib", value, 1.0f, m->from);
		break;
	case PAT_CIN:
		if (cin_has_context(text, len, m->from, m->to))
			err = verdict_add(out, "CIN", "builtin.cin", value, 0.8f, m->from);
		break;
	default:
		break;
	}
	explicit_bzero(value, sizeof(value));
	return err;
}

int engine_match(const struct rules *rules, hs_scratch_t *scratch, const char *text, size_t len,
		 struct rules_verdict *out)
{
	struct match_list list = { 0 };
	int err = 0;

	if (len > 0xffffffffu)
		return -E2BIG; /* hs_scan() takes an unsigned int length */
	if (len && hs_scan(rules->db, text, (unsigned)len, 0, scratch, on_match, &list) !=
			   HS_SUCCESS &&
	    !list.err)
		err = -EIO;
	if (list.err)
		err = list.err;
	for (size_t i = 0; !err && i < list.n; i++)
		err = check_match(&list.items[i], text, len, out);
	free(list.items);
	return err;
}
