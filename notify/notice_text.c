// SPDX-License-Identifier: GPL-2.0-only
/*
 * Notices into words (see notice_text.h). Three languages, four sentences each: a table here
 * rather than gettext catalogs, because the notice must speak the session's language on hosts
 * where that locale's catalogs were never installed, and the helper loads nothing else.
 */
#include "notice_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

/* Templates: {document}, {app}, {rule} and {guidance} stand for the notice's values. */
struct phrases {
	const char *title;
	const char *title_opened;
	const char *left;
	const char *opened;
	const char *why;
	const char *see;
};

static const struct phrases phrases[] = {
	[NOTICE_LANG_EN] = {
		.title = "Protected document sent through {app}",
		.title_opened = "Protected document opened by {app}",
		.left = "“{document}” left this computer through {app} (rule: {rule}).",
		.opened = "{app} opened “{document}” (rule: {rule}).",
		.why = "Administrative documents and citizens' personal data must not be exchanged through messaging apps. Your administration has been told.",
		.see = "See: {guidance}",
	},
	[NOTICE_LANG_FR] = {
		.title = "Document protégé envoyé par {app}",
		.title_opened = "Document protégé ouvert par {app}",
		.left = "« {document} » a quitté cet ordinateur par {app} (règle : {rule}).",
		.opened = "{app} a ouvert « {document} » (règle : {rule}).",
		.why = "Les documents administratifs et les données personnelles des citoyens ne s'échangent pas par les applications de messagerie. Votre administration en a été informée.",
		.see = "Voir : {guidance}",
	},
	[NOTICE_LANG_AR] = {
		.title = "وثيقة محمية أُرسلت عبر {app}",
		.title_opened = "وثيقة محمية فتحها {app}",
		.left = "غادرت الوثيقة «{document}» هذا الحاسوب عبر {app} (القاعدة: {rule}).",
		.opened = "فتح {app} الوثيقة «{document}» (القاعدة: {rule}).",
		.why = "لا يجوز تبادل الوثائق الإدارية والمعطيات الشخصية للمواطنين عبر تطبيقات المراسلة. تم إخبار إدارتكم.",
		.see = "انظر: {guidance}",
	},
};

enum notice_lang notice_lang_of_env(const char *(*get)(const char *name))
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = get(vars[i]);

		if (!v || !*v)
			continue;
		if (!strncmp(v, "ar", 2))
			return NOTICE_LANG_AR;
		if (!strncmp(v, "fr", 2))
			return NOTICE_LANG_FR;
		/* "C" and "POSIX" say nothing of a language: look further */
		if (strcmp(v, "C") && strncmp(v, "C.", 2) && strcmp(v, "POSIX"))
			return NOTICE_LANG_EN;
	}
	return NOTICE_LANG_EN;
}

static const char *str(json_t *doc, const char *key, const char *fallback)
{
	const char *v = json_string_value(json_object_get(doc, key));

	return v && *v ? v : fallback;
}

/* tmpl with its placeholders replaced, in one pass (a value is never read as a placeholder). */
static void fill(const char *tmpl, const char *const values[4], char *out, size_t out_len)
{
	static const char *const names[] = { "{document}", "{app}", "{rule}", "{guidance}" };
	GString *s = g_string_new(NULL);

	while (*tmpl) {
		size_t i;

		for (i = 0; i < 4 && strncmp(tmpl, names[i], strlen(names[i])); i++)
			;
		if (i < 4) {
			g_string_append(s, values[i]);
			tmpl += strlen(names[i]);
		} else {
			g_string_append_c(s, *tmpl++);
		}
	}
	snprintf(out, out_len, "%s", s->str);
	g_string_free(s, TRUE);
}

int notice_text_format(const char *line, size_t len, enum notice_lang lang, struct notice_text *out)
{
	const struct phrases *p = &phrases[lang];
	json_t *doc = json_loadb(line, len, 0, NULL);
	const char *plain[4];
	char *escaped[4];
	GString *body;
	bool opened;

	if (!doc || json_integer_value(json_object_get(doc, "v")) != 1) {
		json_decref(doc);
		return -EINVAL;
	}
	plain[0] = str(doc, "document", "?");
	plain[1] = str(doc, "app", "?");
	plain[2] = str(doc, "rule_name", str(doc, "rule_id", "?"));
	plain[3] = str(doc, "guidance", "");
	/* the title is plain text; the body is Pango markup: its values are escaped */
	opened = !strcmp(str(doc, "kind", "upload"), "read");
	fill(opened ? p->title_opened : p->title, plain, out->title, sizeof(out->title));
	for (size_t i = 0; i < 4; i++)
		escaped[i] = g_markup_escape_text(plain[i], -1);
	body = g_string_new(opened ? p->opened : p->left);
	g_string_append_printf(body, "\n%s", p->why);
	if (plain[3][0])
		g_string_append_printf(body, "\n%s", p->see);
	fill(body->str, (const char *const *)escaped, out->body, sizeof(out->body));
	g_string_free(body, TRUE);
	for (size_t i = 0; i < 4; i++)
		g_free(escaped[i]);
	json_decref(doc);
	return 0;
}
