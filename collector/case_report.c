// SPDX-License-Identifier: GPL-2.0-only
/* The case report of an incident (see case_report.h). */
#include "case_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit_log.h"
#include "raqib/redis_cluster.h"
#include "store_desk.h"
#include "store_query.h"
#include "term_text.h"

#define TIMELINE_MAX   2000
#define PROVENANCE_MAX 1000
#define AUDIT_MAX      10000

enum text {
	T_TITLE,
	T_INCIDENT,
	T_GENERATED,
	T_BY,
	T_SUMMARY,
	T_KIND,
	T_STATE,
	T_SEVERITY,
	T_ASSIGNEE,
	T_FIRST,
	T_LAST,
	T_ALERTS,
	T_HOSTS,
	T_HOST,
	T_USER,
	T_APP,
	T_DOCUMENT,
	T_RULE,
	T_STORY,
	T_PROVENANCE,
	T_NOTES,
	T_AUDIT,
	T_INTEGRITY,
	T_TIME,
	T_SITE,
	T_ACTION,
	T_FILE,
	T_WHO,
	T_ROLE,
	T_FROM,
	T_NONE,
	T_APP_STARTED,
	T_APP_RUNNING,
	T_OPENED,
	T_INSPECTED,
	T_UPLOADED,
	T_ALERT,
	T_GAP,
	T_DID_OPEN,
	T_DID_SEND,
	T_DID_SEND_NET,
	T_DID_HOLD,
	T_NO_FINDING,
	T_CHAIN_OK,
	T_CHAIN_BROKEN,
	T_ENTRIES,
	T_HEAD,
	T_MASKED_ONLY,
	T_PRINT,
	T_CUT,
	T_NOT_STORED,
	T_OFFICIAL,
	T_ACT_READ,
	T_ACT_CHANGE,
	T_ACT_EXPORT,
	T_ACT_FIND,
	T_ACT_REPLAY,
	T_ROLE_VIEWER,
	T_ROLE_ANALYST,
	T_ROLE_INVESTIGATOR,
	T_ROLE_ADMINISTRATOR,
	T_KIND_LOCAL,
	T_KIND_DOCUMENT,
	T_KIND_VALUE,
	T_KIND_FINGERPRINT,
	T_COUNT
};

struct lang {
	const char *code;
	const char *dir;
	const char *text[T_COUNT];
	const char *states[5];
	const char *severities[4];
};

static const char *const state_codes[5] = { "new", "triage", "confirmed", "false_positive",
					    "closed" };

static const struct lang langs[] = {
	{ "en",
	  "ltr",
	  { "Incident case report",
	    "Incident",
	    "Generated",
	    "by",
	    "Summary",
	    "Kind",
	    "State",
	    "Severity",
	    "Assignee",
	    "First alert",
	    "Last alert",
	    "Alerts",
	    "Hosts",
	    "Host",
	    "User",
	    "App",
	    "Document (SHA-256)",
	    "Rule",
	    "What happened",
	    "Provenance of the document",
	    "Notes",
	    "Audit trail of this incident",
	    "Integrity",
	    "Time (UTC)",
	    "Site",
	    "Action",
	    "File",
	    "Who",
	    "Role",
	    "From",
	    "none",
	    "app started",
	    "app running",
	    "document opened",
	    "inspected",
	    "bytes sent to",
	    "alert raised",
	    "coverage gap",
	    "opened",
	    "sent",
	    "sent (network)",
	    "holds a copy",
	    "no finding",
	    "the audit log's chain is intact",
	    "THE AUDIT LOG'S CHAIN IS BROKEN",
	    "entries",
	    "head",
	    "This report holds masked values and hashes only, never a personal datum in clear.",
	    "To make a PDF: print this page and choose \"Save as PDF\".",
	    "(cut: more entries than shown)",
	    "(alert removed by retention)",
	    "official document",
	    "read",
	    "changed",
	    "exported",
	    "searched by value",
	    "replayed dead letters",
	    "viewer",
	    "analyst",
	    "investigator",
	    "administrator",
	    "local: one host, user and document",
	    "spread: one document on several hosts",
	    "spread: one value on several hosts",
	    "spread: one registered document, or its edited copies, on several hosts" },
	  { "new", "triage", "confirmed", "false positive", "closed" },
	  { "low", "medium", "high", "critical" } },
	{ "fr",
	  "ltr",
	  { "Rapport d'incident",
	    "Incident",
	    "Généré le",
	    "par",
	    "Résumé",
	    "Type",
	    "État",
	    "Gravité",
	    "Assigné à",
	    "Première alerte",
	    "Dernière alerte",
	    "Alertes",
	    "Postes",
	    "Poste",
	    "Utilisateur",
	    "Application",
	    "Document (SHA-256)",
	    "Règle",
	    "Déroulé",
	    "Provenance du document",
	    "Notes",
	    "Piste d'audit de cet incident",
	    "Intégrité",
	    "Heure (UTC)",
	    "Site",
	    "Action",
	    "Fichier",
	    "Qui",
	    "Rôle",
	    "Depuis",
	    "aucun",
	    "application démarrée",
	    "application en cours",
	    "document ouvert",
	    "inspecté",
	    "octets envoyés à",
	    "alerte levée",
	    "lacune de couverture",
	    "ouvert",
	    "envoyé",
	    "envoyé (réseau)",
	    "en détient une copie",
	    "aucun constat",
	    "la chaîne du journal d'audit est intacte",
	    "LA CHAÎNE DU JOURNAL D'AUDIT EST ROMPUE",
	    "entrées",
	    "tête",
	    "Ce rapport ne contient que des valeurs masquées et des empreintes, jamais une donnée personnelle en clair.",
	    "Pour un PDF : imprimez cette page et choisissez « Enregistrer au format PDF ».",
	    "(tronqué : plus d'entrées que celles montrées)",
	    "(alerte supprimée par la rétention)",
	    "document officiel",
	    "lu",
	    "modifié",
	    "exporté",
	    "recherche par valeur",
	    "lettres mortes rejouées",
	    "lecteur",
	    "analyste",
	    "enquêteur",
	    "administrateur",
	    "local : un poste, un utilisateur, un document",
	    "diffusion : un document sur plusieurs postes",
	    "diffusion : une valeur sur plusieurs postes",
	    "diffusion : un document enregistré, ou ses copies modifiées, sur plusieurs postes" },
	  { "nouveau", "en triage", "confirmé", "faux positif", "clos" },
	  { "faible", "moyenne", "élevée", "critique" } },
	{ "ar",
	  "rtl",
	  { "تقرير الحادث",
	    "الحادث",
	    "أُعدّ في",
	    "بواسطة",
	    "ملخص",
	    "النوع",
	    "الحالة",
	    "الخطورة",
	    "المكلَّف",
	    "أول تنبيه",
	    "آخر تنبيه",
	    "التنبيهات",
	    "الأجهزة",
	    "الجهاز",
	    "المستخدم",
	    "التطبيق",
	    "الوثيقة (SHA-256)",
	    "القاعدة",
	    "ما الذي حدث",
	    "مسار الوثيقة",
	    "الملاحظات",
	    "سجل التدقيق لهذا الحادث",
	    "السلامة",
	    "الوقت (UTC)",
	    "الموقع",
	    "الإجراء",
	    "الملف",
	    "من",
	    "الدور",
	    "من العنوان",
	    "لا شيء",
	    "بدأ التطبيق",
	    "التطبيق قيد التشغيل",
	    "فُتحت الوثيقة",
	    "فُحصت",
	    "أُرسلت بايتات إلى",
	    "أُطلق التنبيه",
	    "ثغرة في التغطية",
	    "فتح",
	    "أرسل",
	    "أرسل (الشبكة)",
	    "يحتفظ بنسخة",
	    "لا نتيجة",
	    "سلسلة سجل التدقيق سليمة",
	    "سلسلة سجل التدقيق مكسورة",
	    "إدخالات",
	    "الرأس",
	    "لا يتضمن هذا التقرير سوى قيم مُقنَّعة وبصمات، ولا يتضمن أي معطى شخصي بشكل واضح.",
	    "لإنشاء ملف PDF: اطبع هذه الصفحة واختر «حفظ بصيغة PDF».",
	    "(مقتطع: إدخالات أكثر مما يظهر)",
	    "(تنبيه حذفته مدة الاحتفاظ)",
	    "وثيقة رسمية",
	    "اطّلع",
	    "عدّل",
	    "صدّر",
	    "بحث بالقيمة",
	    "أعاد معالجة الرسائل المرفوضة",
	    "مُطّلع",
	    "محلل",
	    "محقق",
	    "مسؤول",
	    "محلي: جهاز واحد ومستخدم واحد ووثيقة واحدة",
	    "انتشار: وثيقة واحدة على عدة أجهزة",
	    "انتشار: قيمة واحدة على عدة أجهزة",
	    "انتشار: وثيقة مسجلة، أو نسخها المعدلة، على عدة أجهزة" },
	  { "جديد", "قيد الفرز", "مؤكد", "إنذار كاذب", "مغلق" },
	  { "منخفضة", "متوسطة", "مرتفعة", "حرجة" } },
};

static const struct lang *lang_of(const char *code)
{
	for (size_t i = 0; code && i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(code, langs[i].code) == 0)
			return &langs[i];
	return &langs[0];
}

/* Text for HTML: escaped, control characters and bidi overrides replaced by U+FFFD. */
static void esc_n(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\'')
			fputs("&#39;", out);
		else if (c < 0x20 || c == 0x7f)
			fputs("\xef\xbf\xbd", out);
		else if (c == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
			fputs("\xef\xbf\xbd", out); /* C1 control */
			i++;
		} else if (c == 0xe2 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] >= 0xaa &&
			   p[i + 2] <= 0xae) {
			fputs("\xef\xbf\xbd", out); /* U+202A..U+202E */
			i += 2;
		} else if (c == 0xe2 && i + 2 < len && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
			   p[i + 2] <= 0xa9) {
			fputs("\xef\xbf\xbd", out); /* U+2066..U+2069 */
			i += 2;
		} else
			fputc(c, out);
	}
}

static void esc(FILE *out, const char *s)
{
	if (s)
		esc_n(out, s, strlen(s));
}

/*
 * Data isolated from the text around it (<bdi>), so that a path, a hash or a masked value keeps
 * its order inside a right-to-left page; long ones (cls "f") may break anywhere.
 */
static void esc_bdi(FILE *out, const char *s, bool long_word)
{
	fputs(long_word ? "<bdi class=\"f\">" : "<bdi>", out);
	esc(out, s ? s : "-");
	fputs("</bdi>", out);
}

/* RFC 3339 "@timestamp" into epoch ms (0 when absent or malformed). */
static int64_t rfc3339_ms(const char *text)
{
	struct tm tm = { 0 };
	const char *rest;
	int64_t ms = 0;

	if (!text)
		return 0;
	rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	if (*rest == '.') {
		int n = 0;

		for (rest++; *rest >= '0' && *rest <= '9'; rest++, n++)
			if (n < 3)
				ms = ms * 10 + (*rest - '0');
		for (; n < 3; n++)
			ms *= 10;
	}
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static const char *severity_text(const struct lang *l, long long s)
{
	return s >= 99 ? l->severities[3] :
	       s >= 73 ? l->severities[2] :
	       s >= 47 ? l->severities[1] :
	       s > 0   ? l->severities[0] :
			 "-";
}

static const char *state_text(const struct lang *l, const char *state)
{
	for (size_t i = 0; i < 5; i++)
		if (strcmp(state, state_codes[i]) == 0)
			return l->states[i];
	return state;
}

static const char *str1(json_t *doc, const char *a)
{
	return json_string_value(json_object_get(doc, a));
}

static const char *str2(json_t *doc, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(doc, a), b));
}

static json_int_t int2(json_t *doc, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(doc, a), b));
}

struct report {
	FILE *out;
	const struct lang *l;
	const struct case_report_opts *o;
	json_t *incident; /* fields, as strings */
	json_t *timeline; /* items, newest first */
	json_t *provenance;
	json_t *notes;
	json_t *audit;
	bool timeline_cut, provenance_cut, audit_cut;
};

static int keep_fields(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	json_t **doc = ctx;

	(void)id;
	*doc = json_object();
	for (size_t i = 0; *doc && i < n; i++) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
		json_object_set_new(*doc, key, json_stringn(f[i].value, f[i].value_len));
	}
	return *doc ? 0 : -ENOMEM;
}

static int keep_item(void *ctx, const struct store_item *it)
{
	json_t *o;

	if (!it->ref)
		o = json_pack("{s:I, s:s, s:s, s:s}", "rx", (json_int_t)it->rx_ms, "gap",
			      it->gap_kind, "agent", it->gap_agent, "detail", it->gap_detail);
	else
		o = json_pack("{s:I, s:s, s:o}", "rx", (json_int_t)it->rx_ms, "ref", it->ref,
			      "alert",
			      it->json ? json_loadb(it->json, it->json_len, 0, NULL) : json_null());
	return json_array_append_new(ctx, o) ? -ENOMEM : 0;
}

static int keep_note(void *ctx, const char *note)
{
	return json_array_append_new(ctx, json_string(note)) ? -ENOMEM : 0;
}

static int keep_audit(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	return json_array_append_new(ctx, audit_entry_json(id, f, n)) ? -ENOMEM : 0;
}

static const char *inc(const struct report *r, const char *key)
{
	const char *v = json_string_value(json_object_get(r->incident, key));

	return v && v[0] ? v : NULL;
}

static void row(struct report *r, enum text label, const char *value)
{
	fprintf(r->out, "<tr><th>%s</th><td>", r->l->text[label]);
	esc_bdi(r->out, value, label == T_DOCUMENT || label == T_INCIDENT);
	fputs("</td></tr>\n", r->out);
}

static void row_time(struct report *r, enum text label, const char *ms)
{
	char when[32];

	term_time_utc(ms ? strtoll(ms, NULL, 10) : 0, when, sizeof(when));
	row(r, label, when);
}

static const char *kind_text(const struct lang *l, const char *kind)
{
	if (kind && strcmp(kind, "local") == 0)
		return l->text[T_KIND_LOCAL];
	if (kind && strcmp(kind, "spread-document") == 0)
		return l->text[T_KIND_DOCUMENT];
	if (kind && strcmp(kind, "spread-value") == 0)
		return l->text[T_KIND_VALUE];
	if (kind && strcmp(kind, "spread-fingerprint") == 0)
		return l->text[T_KIND_FINGERPRINT];
	return kind;
}

static void summary(struct report *r)
{
	const char *state = inc(r, "state"), *sev = inc(r, "severity");

	fprintf(r->out, "<h2>%s</h2>\n<table class=\"kv\">\n", r->l->text[T_SUMMARY]);
	row(r, T_INCIDENT, r->o->incident);
	row(r, T_KIND, kind_text(r->l, inc(r, "kind")));
	row(r, T_STATE, state ? state_text(r->l, state) : NULL);
	row(r, T_SEVERITY, severity_text(r->l, sev ? strtoll(sev, NULL, 10) : 0));
	row(r, T_ASSIGNEE, inc(r, "assignee") ? inc(r, "assignee") : r->l->text[T_NONE]);
	row_time(r, T_FIRST, inc(r, "first"));
	row_time(r, T_LAST, inc(r, "last"));
	row(r, T_ALERTS, inc(r, "count"));
	row(r, T_HOSTS, inc(r, "hosts"));
	row(r, T_HOST, inc(r, "host"));
	row(r, T_USER, inc(r, "user"));
	row(r, T_APP, inc(r, "app"));
	row(r, T_DOCUMENT, inc(r, "document"));
	row(r, T_RULE, inc(r, "rule"));
	fputs("</table>\n", r->out);
}

/* One step of the story: its time, what, details. */
static void step(struct report *r, int64_t ms, const char *cls, enum text what, const char *detail)
{
	char when[32];

	term_time_utc(ms, when, sizeof(when));
	fprintf(r->out, "<tr class=\"%s\"><td class=\"t\">%s</td><td><b>%s</b> ", cls, when,
		r->l->text[what]);
	esc_bdi(r->out, detail, true);
	fputs("</td></tr>\n", r->out);
}

static void findings_text(const struct lang *l, json_t *alert, char *out, size_t len)
{
	json_t *raqib = json_object_get(alert, "raqib"), *f;
	json_t *document = json_object_get(raqib, "document");
	size_t used = 0, i;

	out[0] = '\0';
	json_array_foreach(json_object_get(raqib, "findings"), i, f) {
		const char *type = str1(f, "type"), *masked = str1(f, "masked");
		int n;

		n = snprintf(out + used, len - used, "%s%s %s", used ? ", " : "", type ? type : "?",
			     masked ? masked : "");
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (json_is_true(json_object_get(document, "official")) && used + 40 < len)
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
					 l->text[T_OFFICIAL]);
	if (json_string_value(json_object_get(document, "level")) && used + 40 < len)
		snprintf(out + used, len - used, "%s%s", used ? ", " : "",
			 json_string_value(json_object_get(document, "level")));
}

/* The steps an alert tells, oldest first. */
static void alert_story(struct report *r, json_t *it)
{
	json_t *a = json_object_get(it, "alert"), *upload;
	int64_t ts, opened, started;
	const char *app, *path;
	char detail[1024], findings[768];

	if (!json_is_object(a)) {
		step(r, json_integer_value(json_object_get(it, "rx")), "alert", T_ALERT,
		     r->l->text[T_NOT_STORED]);
		return;
	}
	ts = rfc3339_ms(json_string_value(json_object_get(a, "@timestamp")));
	upload = json_object_get(json_object_get(a, "raqib"), "upload");
	opened = ts - (upload ? json_integer_value(json_object_get(upload, "delay_ms")) : 0);
	app = str2(a, "raqib", "app");
	started = rfc3339_ms(str2(json_object_get(a, "raqib"), "app_instance", "start"));
	if (!started)
		started = rfc3339_ms(str2(a, "process", "start"));
	snprintf(detail, sizeof(detail), "%s (%s, pid %lld) · %s %s (%s)", app ? app : "-",
		 str2(a, "process", "name") ? str2(a, "process", "name") : "-",
		 (long long)int2(a, "process", "pid"), r->l->text[T_HOST],
		 str2(a, "agent", "id") ? str2(a, "agent", "id") : "-",
		 str2(a, "host", "name") ? str2(a, "host", "name") : "-");
	if (str2(a, "event", "dataset") && strcmp(str2(a, "event", "dataset"), "raqib.file") == 0)
		step(r, started ? started : opened, "app", started ? T_APP_STARTED : T_APP_RUNNING,
		     detail);
	path = str2(a, "file", "path") ? str2(a, "file", "path") : str2(a, "file", "name");
	if (path) {
		json_t *size = json_object_get(json_object_get(a, "file"), "size");

		snprintf(detail, sizeof(detail), "%s%s%lld B", path, size ? " · " : "",
			 size ? (long long)json_integer_value(size) : 0LL);
		if (!size)
			snprintf(detail, sizeof(detail), "%s", path);
		step(r, opened, "open", T_OPENED, detail);
	}
	findings_text(r->l, a, findings, sizeof(findings));
	step(r, opened, "inspect", T_INSPECTED, findings[0] ? findings : r->l->text[T_NO_FINDING]);
	if (upload || str2(a, "destination", "ip")) {
		const char *server = str2(a, "raqib", "server_name");
		json_t *channel = json_object_get(json_object_get(a, "raqib"), "channel");
		long long bytes =
			upload ? (long long)json_integer_value(json_object_get(upload, "bytes")) :
				 (long long)int2(a, "source", "bytes");

		snprintf(detail, sizeof(detail), "%s%s%s:%lld · %lld B%s%s", server ? server : "",
			 server ? " " : "",
			 str2(a, "destination", "ip") ? str2(a, "destination", "ip") : "-",
			 (long long)int2(a, "destination", "port"), bytes, channel ? " · " : "",
			 channel ? str1(channel, "name") ?: "" : "");
		step(r, ts, "upload", T_UPLOADED, detail);
	}
	snprintf(detail, sizeof(detail), "%s · %s · %s", str2(a, "rule", "id") ?: "-",
		 severity_text(r->l, (long long)int2(a, "event", "severity")),
		 str2(a, "raqib", "why") ?: "");
	step(r, json_integer_value(json_object_get(it, "rx")), "alert", T_ALERT, detail);
}

/* The line above an alert's steps: which host, site and user they happened on. */
static void group_row(struct report *r, json_t *it)
{
	json_t *a = json_object_get(it, "alert");
	const char *ref = str1(it, "ref"), *colon = ref ? strchr(ref, ':') : NULL;

	fputs("<tr class=\"group\"><td></td><td>", r->out);
	esc_bdi(r->out, str2(a, "agent", "id"), false);
	fputs(" (", r->out);
	esc_bdi(r->out, str2(a, "host", "name"), false);
	fprintf(r->out, ") · %s ", r->l->text[T_SITE]);
	if (colon)
		esc_n(r->out, ref, (size_t)(colon - ref));
	if (str2(a, "user", "id")) {
		fprintf(r->out, " · %s ", r->l->text[T_USER]);
		esc_bdi(r->out, str2(a, "user", "id"), false);
	}
	fputs("</td></tr>\n", r->out);
}

static void story(struct report *r)
{
	size_t n = json_array_size(r->timeline);

	fprintf(r->out, "<h2>%s</h2>\n<table class=\"story\">\n", r->l->text[T_STORY]);
	for (size_t i = n; i-- > 0;) {
		json_t *it = json_array_get(r->timeline, i);
		char detail[512];

		if (json_object_get(it, "gap")) {
			snprintf(detail, sizeof(detail), "%s · %s · %s",
				 json_string_value(json_object_get(it, "gap")),
				 json_string_value(json_object_get(it, "agent")),
				 json_string_value(json_object_get(it, "detail")));
			step(r, json_integer_value(json_object_get(it, "rx")), "gap", T_GAP,
			     detail);
			continue;
		}
		group_row(r, it);
		alert_story(r, it);
	}
	fputs("</table>\n", r->out);
	if (r->timeline_cut)
		fprintf(r->out, "<p class=\"cut\">%s</p>\n", r->l->text[T_CUT]);
}

static enum text action_of(json_t *a)
{
	const char *dataset = str2(a, "event", "dataset");

	if (dataset && strcmp(dataset, "raqib.at_rest") == 0)
		return T_DID_HOLD;
	if (dataset && strcmp(dataset, "raqib.network") == 0)
		return T_DID_SEND_NET;
	if (json_object_get(json_object_get(a, "raqib"), "upload"))
		return T_DID_SEND;
	return T_DID_OPEN;
}

static void provenance(struct report *r)
{
	size_t n = json_array_size(r->provenance);
	const struct lang *l = r->l;

	if (!inc(r, "document"))
		return;
	fprintf(r->out, "<h2>%s</h2>\n<p class=\"hash\">", l->text[T_PROVENANCE]);
	esc(r->out, inc(r, "document"));
	fprintf(r->out,
		"</p>\n<table class=\"grid\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th></tr>\n",
		l->text[T_TIME], l->text[T_SITE], l->text[T_HOST], l->text[T_USER], l->text[T_APP],
		l->text[T_ACTION], l->text[T_FILE]);
	for (size_t i = n; i-- > 0;) {
		json_t *it = json_array_get(r->provenance, i), *a = json_object_get(it, "alert");
		const char *ref = json_string_value(json_object_get(it, "ref"));
		char when[32];
		const char *colon = ref ? strchr(ref, ':') : NULL;

		if (!json_is_object(a))
			continue;
		term_time_utc(json_integer_value(json_object_get(it, "rx")), when, sizeof(when));
		fprintf(r->out, "<tr><td class=\"t\">%s</td><td>", when);
		if (colon)
			esc_n(r->out, ref, (size_t)(colon - ref));
		fputs("</td><td>", r->out);
		esc_bdi(r->out, str2(a, "agent", "id"), false);
		fputs(" (", r->out);
		esc_bdi(r->out, str2(a, "host", "name"), false);
		fputs(")</td><td>", r->out);
		esc_bdi(r->out, str2(a, "user", "id"), false);
		fputs("</td><td>", r->out);
		esc_bdi(r->out, str2(a, "raqib", "app"), false);
		fprintf(r->out, "</td><td>%s</td><td>", l->text[action_of(a)]);
		esc_bdi(r->out,
			str2(a, "file", "path") ? str2(a, "file", "path") : str2(a, "file", "name"),
			true);
		fputs("</td></tr>\n", r->out);
	}
	fputs("</table>\n", r->out);
	if (r->provenance_cut)
		fprintf(r->out, "<p class=\"cut\">%s</p>\n", l->text[T_CUT]);
}

static void notes(struct report *r)
{
	size_t i;
	json_t *note;

	fprintf(r->out, "<h2>%s</h2>\n", r->l->text[T_NOTES]);
	if (json_array_size(r->notes) == 0) {
		fprintf(r->out, "<p>%s</p>\n", r->l->text[T_NONE]);
		return;
	}
	fputs("<ul class=\"notes\">\n", r->out);
	json_array_foreach(r->notes, i, note) {
		const char *text = json_string_value(note), *space = strchr(text, ' ');
		char when[32];

		term_time_utc(strtoll(text, NULL, 10), when, sizeof(when));
		fprintf(r->out, "<li><span class=\"t\">%s</span> ", when);
		esc(r->out, space ? space + 1 : text);
		fputs("</li>\n", r->out);
	}
	fputs("</ul>\n", r->out);
}

static const char *action_text(const struct lang *l, const char *action)
{
	static const struct {
		const char *code;
		enum text text;
	} actions[] = { { "read", T_ACT_READ },
			{ "incident", T_ACT_CHANGE },
			{ "export", T_ACT_EXPORT },
			{ "find", T_ACT_FIND },
			{ "replay", T_ACT_REPLAY } };

	for (size_t i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i].code) == 0)
			return l->text[actions[i].text];
	return action ? action : "-";
}

static const char *role_text(const struct lang *l, const char *role)
{
	static const struct {
		const char *code;
		enum text text;
	} roles[] = { { "viewer", T_ROLE_VIEWER },
		      { "analyst", T_ROLE_ANALYST },
		      { "investigator", T_ROLE_INVESTIGATOR },
		      { "administrator", T_ROLE_ADMINISTRATOR } };

	for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i].code) == 0)
			return l->text[roles[i].text];
	return role;
}

static void audit_trail(struct report *r, const struct audit_check *check)
{
	const struct lang *l = r->l;
	size_t n = json_array_size(r->audit);

	fprintf(r->out,
		"<h2>%s</h2>\n<table class=\"grid\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>\n",
		l->text[T_AUDIT], l->text[T_TIME], l->text[T_WHO], l->text[T_ROLE],
		l->text[T_ACTION], l->text[T_FROM]);
	for (size_t i = n; i-- > 0;) {
		json_t *e = json_array_get(r->audit, i);
		const char *action = str1(e, "action"), *state = str1(e, "state");
		char when[32], what[200];

		term_time_utc(strtoll(str1(e, "ts") ?: "0", NULL, 10), when, sizeof(when));
		snprintf(what, sizeof(what), "%s", action_text(l, action));
		if (action && strcmp(action, "incident") == 0)
			snprintf(what, sizeof(what), "%s: %s %s, %s %s, %s %s",
				 l->text[T_ACT_CHANGE], l->text[T_STATE],
				 state && strcmp(state, "-") ? state_text(l, state) : "-",
				 l->text[T_ASSIGNEE], str1(e, "assignee") ?: "-", l->text[T_NOTES],
				 str1(e, "note") ?: "-");
		fprintf(r->out, "<tr><td class=\"t\">%s</td><td>", when);
		esc_bdi(r->out, str1(e, "who"), false);
		fputs("</td><td>", r->out);
		esc(r->out, role_text(l, str1(e, "role")));
		fputs("</td><td>", r->out);
		esc(r->out, what);
		fputs("</td><td>", r->out);
		esc_bdi(r->out, str1(e, "peer") ?: str1(e, "via"), false);
		fputs("</td></tr>\n", r->out);
	}
	fputs("</table>\n", r->out);
	if (r->audit_cut)
		fprintf(r->out, "<p class=\"cut\">%s</p>\n", l->text[T_CUT]);
	fprintf(r->out, "<h2>%s</h2>\n<p class=\"%s\">%s. %" PRIu64 " %s, %s <span class=\"hash\">",
		l->text[T_INTEGRITY], check->broken ? "broken" : "intact",
		check->broken ? l->text[T_CHAIN_BROKEN] : l->text[T_CHAIN_OK], check->entries,
		l->text[T_ENTRIES], l->text[T_HEAD]);
	esc(r->out, check->head[0] ? check->head : "-");
	fputs("</span>", r->out);
	if (check->broken) {
		fputs(" — ", r->out);
		esc(r->out, check->bad_id);
		fputs(": ", r->out);
		esc(r->out, check->reason);
	}
	fputs("</p>\n", r->out);
}

static const char style[] =
	"<style>\n"
	"@page { size: A4; margin: 16mm 14mm; }\n"
	"body { font-family: 'DejaVu Sans', 'Noto Sans', 'Noto Sans Arabic', Arial, sans-serif;"
	" font-size: 10pt; color: #111; margin: 0 auto; max-width: 190mm; line-height: 1.4; }\n"
	"h1 { font-size: 16pt; margin: 0 0 4pt; }\n"
	"h2 { font-size: 12pt; border-bottom: 1px solid #888; margin: 14pt 0 6pt;"
	" break-after: avoid; }\n"
	"table { border-collapse: collapse; width: 100%; }\n"
	"th, td { text-align: start; vertical-align: top; padding: 2pt 4pt; }\n"
	"bdi.f { overflow-wrap: anywhere; }\n"
	"tr.group td { padding-top: 6pt; font-weight: bold; color: #1f4e79; }\n"
	"table.story tr.group td { border-inline-start: none; }\n"
	"table.kv th { width: 28%; color: #444; font-weight: normal; }\n"
	"table.grid th { background: #eee; } table.grid td, table.grid th"
	" { border: 1px solid #ccc; }\n"
	"tr { break-inside: avoid; }\n"
	".t { white-space: nowrap; font-variant-numeric: tabular-nums; }\n"
	"table.story td { border-inline-start: 3px solid #bbb; }\n"
	"tr.open td { border-inline-start-color: #2b6cb0; }\n"
	"tr.inspect td { border-inline-start-color: #805ad5; }\n"
	"tr.upload td { border-inline-start-color: #dd6b20; }\n"
	"tr.alert td { border-inline-start-color: #c53030; }\n"
	"tr.gap td { border-inline-start-color: #718096; background: #f4f4f4; }\n"
	".hash { font-family: 'DejaVu Sans Mono', monospace; font-size: 8.5pt;"
	" overflow-wrap: anywhere; direction: ltr; unicode-bidi: isolate; }\n"
	".meta { color: #444; } .cut { color: #a00; }\n"
	".broken { color: #a00; font-weight: bold; } .intact { color: #165; }\n"
	".foot { margin-top: 16pt; font-size: 8.5pt; color: #555; }\n"
	"@media print { .noprint { display: none; } }\n"
	"</style>\n";

static void write_report(struct report *r, const struct audit_check *check)
{
	char when[32];

	term_time_utc(r->o->now_ms, when, sizeof(when));
	fprintf(r->out,
		"<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\">\n<title>%s — ",
		r->l->code, r->l->dir, r->l->text[T_TITLE]);
	esc(r->out, r->o->incident);
	fprintf(r->out, "</title>\n%s</head>\n<body>\n<h1>%s</h1>\n<p class=\"meta\">%s %s UTC %s ",
		style, r->l->text[T_TITLE], r->l->text[T_GENERATED], when, r->l->text[T_BY]);
	esc(r->out, r->o->who);
	fputs(" (", r->out);
	esc(r->out, r->o->via);
	fprintf(r->out, ")</p>\n<p class=\"noprint meta\">%s</p>\n", r->l->text[T_PRINT]);
	summary(r);
	story(r);
	provenance(r);
	notes(r);
	audit_trail(r, check);
	fprintf(r->out, "<p class=\"foot\">%s</p>\n</body>\n</html>\n", r->l->text[T_MASKED_ONLY]);
}

int case_report_html(struct store *s, const struct case_report_opts *o, char **out, size_t *len)
{
	struct report r = { .l = lang_of(o->lang), .o = o };
	struct desk_filter f = { .incident = o->incident, .gaps = true };
	struct audit_check check = { 0 };
	char cursor[STORE_DESK_CURSOR_MAX] = "", acursor[AUDIT_ID_MAX] = "";
	int rc;

	*out = NULL;
	*len = 0;
	rc = store_query_incident(s, o->incident, keep_fields, &r.incident);
	if (rc)
		return rc;
	r.timeline = json_array();
	r.provenance = json_array();
	r.notes = json_array();
	r.audit = json_array();
	if (!r.timeline || !r.provenance || !r.notes || !r.audit) {
		rc = -ENOMEM;
		goto out;
	}
	rc = store_desk_alerts(s, &f, TIMELINE_MAX, TIMELINE_MAX, cursor, keep_item, r.timeline);
	if (rc < 0)
		goto out;
	r.timeline_cut = cursor[0] != '\0';
	if (inc(&r, "document") && strlen(inc(&r, "document")) == 64) {
		struct desk_filter pf = { .document = inc(&r, "document") };

		cursor[0] = '\0';
		rc = store_desk_alerts(s, &pf, PROVENANCE_MAX, PROVENANCE_MAX, cursor, keep_item,
				       r.provenance);
		if (rc < 0)
			goto out;
		r.provenance_cut = cursor[0] != '\0';
	}
	rc = store_query_notes(s, o->incident, keep_note, r.notes);
	if (rc < 0)
		goto out;
	rc = audit_list(store_redis(s), "incident", o->incident, AUDIT_MAX, 1000000, acursor,
			keep_audit, r.audit);
	if (rc < 0)
		goto out;
	r.audit_cut = acursor[0] != '\0' && (size_t)rc == AUDIT_MAX;
	rc = audit_verify(store_redis(s), &check);
	if (rc)
		goto out;
	r.out = open_memstream(out, len);
	if (!r.out) {
		rc = -ENOMEM;
		goto out;
	}
	write_report(&r, &check);
	if (fclose(r.out)) {
		free(*out);
		*out = NULL;
		rc = -ENOMEM;
	}
out:
	json_decref(r.incident);
	json_decref(r.timeline);
	json_decref(r.provenance);
	json_decref(r.notes);
	json_decref(r.audit);
	return rc < 0 ? rc : 0;
}

void case_report_file_name(const char *incident, char *out, size_t len)
{
	size_t j;

	j = (size_t)snprintf(out, len, "raqib-case-");
	for (size_t i = 0; incident[i] && j + 6 < len; i++) {
		char c = incident[i];

		out[j++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '_') ?
				   c :
				   '-';
	}
	snprintf(out + j, len - j, ".html");
}
