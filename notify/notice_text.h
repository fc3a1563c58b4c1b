/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What raqib-notify shows: a notice from the agent (agent/notice.h, one JSON line) turned into a
 * notification's title and text in the session's language -- Arabic, French or English --
 * naming the document, the app and the rule, and pointing to the guidance the packs give (by
 * default the circular of April 2019). Kept apart from main.c so that it can be tested without
 * a desktop.
 */
#ifndef RAQIB_NOTIFY_NOTICE_TEXT_H
#define RAQIB_NOTIFY_NOTICE_TEXT_H

#include <stddef.h>

enum notice_lang {
	NOTICE_LANG_EN,
	NOTICE_LANG_FR,
	NOTICE_LANG_AR,
};

/*
 * The session's language, as gettext would pick it: LANGUAGE (its first entry), else LC_ALL,
 * else LC_MESSAGES, else LANG; "ar..." is Arabic, "fr..." French, anything else English.
 * get is getenv (a parameter, for tests).
 */
enum notice_lang notice_lang_of_env(const char *(*get)(const char *name));

struct notice_text {
	char title[256];
	char body[2048]; /* Pango markup: the values in it are escaped */
};

/*
 * Formats a notice line in lang. Returns 0, or -EINVAL for a line that is not a notice (the
 * helper skips it).
 */
int notice_text_format(const char *line, size_t len, enum notice_lang lang,
		       struct notice_text *out);

#endif /* RAQIB_NOTIFY_NOTICE_TEXT_H */
