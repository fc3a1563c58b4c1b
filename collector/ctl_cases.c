// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl's case commands (see ctl.h): incidents (list, show, assign, state, note), timeline
 * (of an incident, a host, a user, an app or a document, between two times, as a table, JSON
 * lines or CSV), provenance (of a document by its SHA-256, or of a local file, hashed here).
 * Every read of an incident is written to the audit log first. Everything printed from alerts
 * is stripped of terminal control characters (term_text.h).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "alert_view.h"
#include "config.h"
#include "desk_params.h"
#include "raqib/log.h"
#include "store.h"
#include "store_desk.h"
#include "store_query.h"
#include "term_text.h"

enum format {
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_CSV
};

enum {
	O_LIMIT = 'n',
	O_JSON = 1000,
	O_FORMAT,
	O_CSV,
	O_SITE,
	O_HOST,
	O_USER,
	O_APP,
	O_INCIDENT,
	O_DOCUMENT,
	O_SINCE,
	O_UNTIL,
	O_CURSOR,
	O_STATE,
	O_ASSIGN,
	O_NOTE,
	O_SEVERITY,
};

static const char *severity_name(long long s)
{
	return s >= 99 ? "critical" : s >= 73 ? "high" : s >= 47 ? "medium" : s > 0 ? "low" : "-";
}

/* A field's value into buf, cleaned for the terminal, or "-". Returns buf. */
static const char *field_text(const struct stream_field *f, size_t n, const char *name, char *buf,
			      size_t len)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	if (!x || x->value_len == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*s", (int)x->value_len, x->value);
	term_text_clean(buf);
	return buf;
}

/* ---- CSV (RFC 4180), safe to open in a spreadsheet ----------------------------------- */

static void csv_cell(FILE *out, const char *text, bool last)
{
	/* a cell a spreadsheet would run as a formula is quoted as text (OWASP, CSV injection) */
	bool formula = text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
		       text[0] == '\t' || text[0] == '\r';

	fputc('"', out);
	if (formula && strcmp(text, "-") != 0)
		fputc('\'', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
	fputs(last ? "\r\n" : ",", out);
}

int ctl_print_item_json(const struct store_item *it)
{
	json_t *gap;

	if (it->ref && it->json) {
		fwrite(it->json, 1, it->json_len, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (it->ref)
		return 0; /* removed by retention */
	gap = json_pack("{s:s, s:I, s:s, s:s, s:s}", "gap", it->gap_kind, "rx_ms",
			(json_int_t)it->rx_ms, "agent", it->gap_agent, "detail", it->gap_detail,
			"kind", "coverage_gap");
	if (gap) {
		json_dumpf(gap, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	}
	json_decref(gap);
	return 0;
}

/* ---- incidents -------------------------------------------------------------------------- */

struct print_ctx {
	enum format format;
	bool header_done;
	size_t gaps;
};

#define INCIDENT_ROW "%-28s %-16s %-14s %-9s %6s %5s %-19s %s\n"

static int print_incident_row(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct print_ctx *p = ctx;
	char kind[32], state[24], sev[8], count[16], hosts[16], last[24], who[256], host[80],
		user[80], assignee[80], clean_id[160];
	json_t *doc;

	if (p->format == FORMAT_JSON) {
		doc = json_object();
		json_object_set_new(doc, "id", json_string(id));
		for (size_t i = 0; doc && i < n; i++) {
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)f[i].name_len, f[i].name);
			json_object_set_new(doc, key, json_stringn(f[i].value, f[i].value_len));
		}
		if (doc) {
			json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS);
			fputc('\n', stdout);
		}
		json_decref(doc);
		return 0;
	}
	snprintf(clean_id, sizeof(clean_id), "%s", id);
	term_text_clean(clean_id);
	field_text(f, n, "last", last, sizeof(last));
	term_time_utc(strtoll(last, NULL, 10), last, sizeof(last));
	field_text(f, n, "host", host, sizeof(host));
	field_text(f, n, "user", user, sizeof(user));
	field_text(f, n, "assignee", assignee, sizeof(assignee));
	if (strcmp(host, "-") == 0)
		snprintf(who, sizeof(who), "many hosts / %s", assignee);
	else
		snprintf(who, sizeof(who), "%s%s%s / %s", host, strcmp(user, "-") ? " " : "",
			 strcmp(user, "-") ? user : "", assignee);
	field_text(f, n, "kind", kind, sizeof(kind));
	field_text(f, n, "state", state, sizeof(state));
	field_text(f, n, "severity", sev, sizeof(sev));
	field_text(f, n, "count", count, sizeof(count));
	field_text(f, n, "hosts", hosts, sizeof(hosts));
	if (p->format == FORMAT_CSV) {
		if (!p->header_done)
			fputs("\"id\",\"kind\",\"state\",\"severity\",\"alerts\",\"hosts\",\"last\",\"host\",\"user\",\"assignee\"\r\n",
			      stdout);
		p->header_done = true;
		csv_cell(stdout, clean_id, false);
		csv_cell(stdout, kind, false);
		csv_cell(stdout, state, false);
		csv_cell(stdout, severity_name(atoll(sev)), false);
		csv_cell(stdout, count, false);
		csv_cell(stdout, hosts, false);
		csv_cell(stdout, last, false);
		csv_cell(stdout, host, false);
		csv_cell(stdout, user, false);
		csv_cell(stdout, assignee, true);
		return 0;
	}
	if (!p->header_done) {
		printf(INCIDENT_ROW, "INCIDENT", "KIND", "STATE", "SEVERITY", "ALERTS", "HOSTS",
		       "LAST (UTC)", "WHO / ASSIGNEE");
		p->header_done = true;
	}
	printf(INCIDENT_ROW, clean_id, kind, state, severity_name(atoll(sev)), count, hosts, last,
	       who);
	return 0;
}

static int parse_format(const char *text, enum format *out)
{
	if (strcmp(text, "table") == 0)
		*out = FORMAT_TABLE;
	else if (strcmp(text, "json") == 0)
		*out = FORMAT_JSON;
	else if (strcmp(text, "csv") == 0)
		*out = FORMAT_CSV;
	else {
		log_error("ctl", "invalid --format '%s': table, json or csv", text);
		return -EINVAL;
	}
	return 0;
}

/* A page of a listing: how many, from where, in what format. */
struct page_opts {
	size_t limit;
	char cursor[STORE_DESK_CURSOR_MAX];
	enum format *format;
};

/*
 * The options every listing takes (--limit, --cursor, --format, --json, --csv): 1 when opt is
 * one of them, 0 when it is not, -EINVAL for a bad value (logged).
 */
static int page_option(int opt, const char *arg, struct page_opts *o)
{
	switch (opt) {
	case O_LIMIT:
		return ctl_parse_limit(arg, &o->limit) ? -EINVAL : 1;
	case O_CURSOR:
		snprintf(o->cursor, sizeof(o->cursor), "%s", arg);
		return 1;
	case O_FORMAT:
		return parse_format(arg, o->format) ? -EINVAL : 1;
	case O_JSON:
		*o->format = FORMAT_JSON;
		return 1;
	case O_CSV:
		*o->format = FORMAT_CSV;
		return 1;
	default:
		return 0;
	}
}

static int incidents_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "cursor", required_argument, NULL, O_CURSOR },
		{ NULL, 0, NULL, 0 },
	};
	struct print_ctx p = { 0 };
	struct page_opts o = { .limit = 50, .format = &p.format };
	char cursor[STORE_CURSOR_MAX];
	int opt, n;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1)
		if (page_option(opt, optarg, &o) != 1)
			return CTL_EXIT_USAGE;
	if (optind != argc) {
		log_error("ctl", "incidents list: unexpected argument '%s'", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	if (snprintf(cursor, sizeof(cursor), "%s", o.cursor) >= (int)sizeof(cursor)) {
		log_error("ctl", "invalid --cursor: not one raqibctl printed");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_query_incidents(ctl->store, o.limit, cursor, print_incident_row, &p);
	if (n < 0) {
		log_error("ctl", "cannot list incidents: %s",
			  n == -EINVAL ? "bad cursor" : store_error(ctl->store));
		return n == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_ERROR;
	}
	if (n == 0 && p.format == FORMAT_TABLE)
		printf("no incidents stored\n");
	else if (cursor[0] && p.format == FORMAT_TABLE)
		printf("more: --cursor %s\n", cursor);
	return CTL_EXIT_OK;
}

/* ---- one incident, its story ------------------------------------------------------------ */

static void print_gap_row(const struct store_item *it)
{
	char when[24], kind[32], agent[80], detail[128];

	term_time_utc(it->rx_ms, when, sizeof(when));
	snprintf(kind, sizeof(kind), "%s", it->gap_kind);
	snprintf(agent, sizeof(agent), "%s", it->gap_agent);
	snprintf(detail, sizeof(detail), "%s", it->gap_detail);
	term_text_clean(kind);
	term_text_clean(agent);
	term_text_clean(detail);
	printf("%-19s %-8s coverage gap: %s of agent %s (%s)\n", when, "GAP", kind, agent, detail);
}

/* An item of a timeline in the chosen format. */
static int print_item(void *ctx, const struct store_item *it)
{
	struct print_ctx *p = ctx;
	struct alert_row row;

	if (p->format == FORMAT_JSON)
		return ctl_print_item_json(it);
	if (p->format == FORMAT_CSV) {
		char when[24], ref[160];

		if (!p->header_done)
			fputs("\"received\",\"kind\",\"time\",\"severity\",\"host\",\"who\",\"what\",\"findings\",\"rule\",\"ref\"\r\n",
			      stdout);
		p->header_done = true;
		term_time_utc(it->rx_ms, when, sizeof(when));
		csv_cell(stdout, when, false);
		if (!it->ref) {
			char kind[32], agent[80], detail[128];

			snprintf(kind, sizeof(kind), "gap:%s", it->gap_kind);
			snprintf(agent, sizeof(agent), "%s", it->gap_agent);
			snprintf(detail, sizeof(detail), "%s", it->gap_detail);
			term_text_clean(kind);
			term_text_clean(agent);
			term_text_clean(detail);
			csv_cell(stdout, kind, false);
			for (int i = 0; i < 2; i++)
				csv_cell(stdout, "", false);
			csv_cell(stdout, agent, false);
			csv_cell(stdout, "", false);
			csv_cell(stdout, detail, false);
			for (int i = 0; i < 3; i++)
				csv_cell(stdout, "", i == 2);
			return 0;
		}
		if (!it->json || alert_view_row(it->json, it->json_len, &row))
			memset(&row, 0, sizeof(row));
		snprintf(ref, sizeof(ref), "%s", it->ref);
		term_text_clean(ref);
		csv_cell(stdout, "alert", false);
		csv_cell(stdout, row.time, false);
		csv_cell(stdout, row.severity, false);
		csv_cell(stdout, row.host, false);
		csv_cell(stdout, row.who, false);
		csv_cell(stdout, row.what, false);
		csv_cell(stdout, row.findings, false);
		csv_cell(stdout, row.rule, false);
		csv_cell(stdout, ref, true);
		return 0;
	}
	if (!p->header_done) {
		alert_view_print_header(stdout);
		p->header_done = true;
	}
	if (!it->ref) {
		p->gaps++;
		print_gap_row(it);
		return 0;
	}
	if (!it->json || alert_view_row(it->json, it->json_len, &row))
		return 0;
	alert_view_print_row(stdout, &row);
	return 0;
}

static int show_fields(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct print_ctx *p = ctx;
	char clean_id[160];

	if (p->format == FORMAT_JSON)
		return print_incident_row(p, id, f, n);
	snprintf(clean_id, sizeof(clean_id), "%s", id);
	term_text_clean(clean_id);
	printf("incident %s\n", clean_id);
	for (size_t i = 0; i < n; i++) {
		char value[256];

		snprintf(value, sizeof(value), "%.*s", (int)f[i].value_len, f[i].value);
		if ((f[i].name_len == 5 && !memcmp(f[i].name, "first", 5)) ||
		    (f[i].name_len == 4 && !memcmp(f[i].name, "last", 4)) ||
		    (f[i].name_len == 7 && !memcmp(f[i].name, "changed", 7)))
			term_time_utc(strtoll(value, NULL, 10), value, sizeof(value));
		term_text_clean(value);
		printf("  %-10.*s %s\n", (int)f[i].name_len, f[i].name, value);
	}
	return 0;
}

static int show_note(void *ctx, const char *note)
{
	char text[1200];

	(void)ctx;
	snprintf(text, sizeof(text), "%s", note);
	term_text_clean(text);
	printf("  note: %s\n", text);
	return 0;
}

static int incidents_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct print_ctx p = { 0 };
	struct desk_filter f;
	char cursor[STORE_DESK_CURSOR_MAX] = "";
	size_t limit = 200;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1) {
		switch (opt) {
		case O_LIMIT:
			if (ctl_parse_limit(optarg, &limit))
				return CTL_EXIT_USAGE;
			break;
		case O_JSON:
			p.format = FORMAT_JSON;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		log_error("ctl", "incidents show: expected one incident id (raqibctl incidents)");
		return CTL_EXIT_USAGE;
	}
	/* the read is audited before anything is shown */
	rc = ctl_audit_incident(ctl, "read", argv[optind]);
	if (rc == -ENOENT || rc == -EINVAL) {
		log_error("ctl", "no incident '%s'", argv[optind]);
		return CTL_EXIT_ERROR;
	}
	if (rc) {
		log_error("ctl", "cannot write the audit log: the incident is not shown");
		return CTL_EXIT_ERROR;
	}
	rc = store_query_incident(ctl->store, argv[optind], show_fields, &p);
	if (rc < 0)
		return CTL_EXIT_ERROR;
	if (p.format == FORMAT_TABLE) {
		if (store_query_notes(ctl->store, argv[optind], show_note, NULL) < 0)
			return CTL_EXIT_ERROR;
		printf("\n");
	}
	/* its alerts, and its host's coverage gaps over its span, in one list */
	f = (struct desk_filter){ .incident = argv[optind], .gaps = true };
	rc = store_desk_alerts(ctl->store, &f, limit, limit, cursor, print_item, &p);
	if (rc < 0) {
		log_error("ctl", "cannot read the incident's alerts: %s", store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	if (cursor[0] && p.format == FORMAT_TABLE)
		printf("more alerts than shown: --limit %zu or raqibctl timeline --incident %s\n",
		       limit * 2, argv[optind]);
	return CTL_EXIT_OK;
}

/* Changes an incident: what to set, who sets it (audited by the store). */
static int change(struct ctl *ctl, const char *id, const char *state, const char *assignee,
		  const char *note)
{
	int rc;

	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	rc = store_incident_update(ctl->store, id, state, assignee, note, ctl_who(), ctl_now_ms());
	if (rc == -EINVAL) {
		log_error(
			"ctl",
			"invalid incident id '%s' or state: states are new, triage, confirmed, false_positive, closed",
			id);
		return CTL_EXIT_USAGE;
	}
	if (rc == -ENOENT) {
		log_error("ctl", "no incident '%s'", id);
		return CTL_EXIT_ERROR;
	}
	if (rc) {
		log_error("ctl", "cannot change incident '%s': %s", id, store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	printf("incident %s changed\n", id);
	return CTL_EXIT_OK;
}

static int check_note(const char *note)
{
	if (!desk_text_is_clean(note, strlen(note), true) || strlen(note) > DESK_NOTE_MAX ||
	    !note[strspn(note, " \t\n")]) {
		log_error("ctl", "a note is 1 to %d bytes of UTF-8 text without control characters",
			  DESK_NOTE_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The text of a note: its argument, or standard input when it is "-". */
static int note_text(const char *arg, char *out, size_t len)
{
	size_t n;

	if (strcmp(arg, "-") != 0) {
		snprintf(out, len, "%s", arg);
		return check_note(out);
	}
	n = fread(out, 1, len - 1, stdin);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return check_note(out);
}

static int incidents_set(struct ctl *ctl, const char *what, int argc, char **argv)
{
	char note[DESK_NOTE_MAX + 2];

	if (argc != 3) {
		log_error("ctl", "incidents %s: expected an incident id and %s", what,
			  strcmp(what, "state") == 0 ? "a state" :
			  strcmp(what, "assign") == 0 ?
						       "a name ('' to unassign)" :
						       "a note ('-': read it from standard input)");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(what, "state") == 0)
		return change(ctl, argv[1], argv[2], NULL, NULL);
	if (strcmp(what, "assign") == 0) {
		if (argv[2][0] && !raqib_agent_id_is_valid(argv[2], strlen(argv[2]))) {
			log_error("ctl", "invalid assignee '%s': letters, digits, '.', '-', '_'",
				  argv[2]);
			return CTL_EXIT_USAGE;
		}
		return change(ctl, argv[1], NULL, argv[2], NULL);
	}
	if (note_text(argv[2], note, sizeof(note)))
		return CTL_EXIT_USAGE;
	return change(ctl, argv[1], NULL, NULL, note);
}

int ctl_incidents(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "list";

	if (argc > 1 && argv[1][0] != '-') {
		argc--;
		argv++;
	}
	if (strcmp(sub, "list") == 0)
		return incidents_list(ctl, argc, argv);
	if (strcmp(sub, "show") == 0)
		return incidents_show(ctl, argc, argv);
	if (strcmp(sub, "assign") == 0 || strcmp(sub, "state") == 0 || strcmp(sub, "note") == 0)
		return incidents_set(ctl, sub, argc, argv);
	log_error("ctl", "incidents: unknown subcommand '%s': list, show, assign, state, note",
		  sub);
	return CTL_EXIT_USAGE;
}

int ctl_incident(struct ctl *ctl, int argc, char **argv)
{
	return incidents_show(ctl, argc, argv);
}

int ctl_incident_set(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "state", required_argument, NULL, O_STATE },
		{ "assign", required_argument, NULL, O_ASSIGN },
		{ "note", required_argument, NULL, O_NOTE },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *assignee = NULL, *note = NULL;
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case O_STATE:
			state = optarg;
			break;
		case O_ASSIGN:
			assignee = optarg;
			break;
		case O_NOTE:
			note = optarg;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (!state && !assignee && !note)) {
		log_error("ctl",
			  "incident-set: expected an incident id and --state, --assign or --note");
		return CTL_EXIT_USAGE;
	}
	if (note && check_note(note))
		return CTL_EXIT_USAGE;
	return change(ctl, argv[optind], state, assignee, note);
}

/* ---- timelines -------------------------------------------------------------------------- */

/* --since/--until: an RFC 3339 time, epoch milliseconds, or a duration back from now ("24h"). */
static int parse_when(const char *text, int64_t *ms)
{
	int64_t back;

	if (desk_parse_time(text, ms) == 0)
		return 0;
	if (config_parse_duration(text, &back) == 0) {
		*ms = (int64_t)ctl_now_ms() - back;
		return 0;
	}
	log_error(
		"ctl",
		"invalid time '%s': an RFC 3339 time (2026-12-08T10:00:00Z), a date, or a duration back from now (30m, 24h, 7d)",
		text);
	return -EINVAL;
}

int ctl_timeline(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "site", required_argument, NULL, O_SITE },
		{ "host", required_argument, NULL, O_HOST },
		{ "user", required_argument, NULL, O_USER },
		{ "app", required_argument, NULL, O_APP },
		{ "incident", required_argument, NULL, O_INCIDENT },
		{ "document", required_argument, NULL, O_DOCUMENT },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "min-severity", required_argument, NULL, O_SEVERITY },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "cursor", required_argument, NULL, O_CURSOR },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ NULL, 0, NULL, 0 },
	};
	struct desk_filter f = { .gaps = true };
	struct print_ctx p = { 0 };
	struct page_opts o = { .limit = 100, .format = &p.format };
	int opt, n, subjects = 0, rc;
	int64_t sev;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1) {
		rc = page_option(opt, optarg, &o);
		if (rc < 0)
			return CTL_EXIT_USAGE;
		if (rc)
			continue;
		switch (opt) {
		case O_SITE:
			f.site = optarg;
			break;
		case O_HOST:
			f.host = optarg;
			subjects++;
			break;
		case O_USER:
			f.user = optarg;
			subjects++;
			break;
		case O_APP:
			f.app = optarg;
			subjects++;
			break;
		case O_INCIDENT:
			f.incident = optarg;
			subjects++;
			break;
		case O_DOCUMENT:
			f.document = optarg;
			subjects++;
			break;
		case O_SINCE:
			if (parse_when(optarg, &f.from_ms))
				return CTL_EXIT_USAGE;
			break;
		case O_UNTIL:
			if (parse_when(optarg, &f.to_ms))
				return CTL_EXIT_USAGE;
			break;
		case O_SEVERITY:
			if (!desk_param_check(DESK_P_SEVERITY, optarg, &sev)) {
				log_error(
					"ctl",
					"invalid --min-severity '%s': low, medium, high, critical or 1 to 100",
					optarg);
				return CTL_EXIT_USAGE;
			}
			f.min_severity = (int)sev;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind != argc || subjects != 1) {
		log_error(
			"ctl",
			"timeline needs one of --host AGENT-ID, --user AGENT-ID/UID, --app NAME, --incident ID, --document SHA256");
		return CTL_EXIT_USAGE;
	}
	if ((f.host && !desk_param_check(DESK_P_AGENT, f.host, &sev)) ||
	    (f.user && !desk_param_check(DESK_P_USER, f.user, &sev)) ||
	    (f.document && !desk_param_check(DESK_P_SHA256, f.document, &sev)) ||
	    (f.incident && !desk_param_check(DESK_P_INCIDENT, f.incident, &sev)) ||
	    (f.site && !desk_param_check(DESK_P_SITE, f.site, &sev))) {
		log_error(
			"ctl",
			"timeline: a host is an agent id, a user AGENT-ID/UID, a document 64 lower-case hex digits, an incident s:SITE:N, d:SHA256:N or v:HASH:N");
		return CTL_EXIT_USAGE;
	}
	if (f.from_ms && f.to_ms && f.from_ms > f.to_ms) {
		log_error("ctl", "timeline: --since is after --until");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	if (f.incident) {
		rc = ctl_audit_incident(ctl, "read", f.incident);
		if (rc == -ENOENT || rc == -EINVAL) {
			log_error("ctl", "no incident '%s'", f.incident);
			return CTL_EXIT_ERROR;
		}
		if (rc) {
			log_error("ctl", "cannot write the audit log: the incident is not shown");
			return CTL_EXIT_ERROR;
		}
	}
	n = store_desk_alerts(ctl->store, &f, o.limit, 100000, o.cursor, print_item, &p);
	if (n == -ENOENT) {
		log_error("ctl", "no site knows '%s' (raqibctl agents)", f.host ? f.host : f.user);
		return CTL_EXIT_ERROR;
	}
	if (n < 0) {
		log_error("ctl", "cannot read the timeline: %s",
			  n == -EINVAL ? "bad cursor" : store_error(ctl->store));
		return n == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_ERROR;
	}
	if (p.format == FORMAT_TABLE) {
		if (n == 0)
			printf("no timeline entries stored\n");
		else if (o.cursor[0])
			printf("more: --cursor %s\n", o.cursor);
	} else if (o.cursor[0]) {
		fprintf(stderr, "raqibctl: more entries: --cursor %s\n", o.cursor);
	}
	return CTL_EXIT_OK;
}

/* ---- provenance ------------------------------------------------------------------------- */

/* What a host did with a document, from the alert that says so. */
static const char *action_of(json_t *doc)
{
	const char *dataset =
		json_string_value(json_object_get(json_object_get(doc, "event"), "dataset"));

	if (!dataset)
		return "seen";
	if (strcmp(dataset, "raqib.at_rest") == 0)
		return "holds a copy";
	if (strcmp(dataset, "raqib.network") == 0)
		return "sent (network)";
	if (json_object_get(json_object_get(doc, "raqib"), "upload"))
		return "sent";
	return "opened";
}

#define PROV_ROW    "%-19s %-12s %-16s %-8s %-14s %-14s %-10s %s\n"
#define PROV_MAX_FP 8

/*
 * provenance: the rows given (so that a sighting of a registered document is not shown again),
 * and the registered documents (fingerprint rules) the alerts recognised.
 */
struct prov_ctx {
	struct print_ctx p;
	char **refs;
	size_t n_refs, cap_refs;
	char fps[PROV_MAX_FP][96];
	size_t n_fps;
};

static bool prov_seen(const struct prov_ctx *pc, const char *ref)
{
	for (size_t i = 0; i < pc->n_refs; i++)
		if (strcmp(pc->refs[i], ref) == 0)
			return true;
	return false;
}

static void prov_remember(struct prov_ctx *pc, const char *ref, json_t *doc)
{
	const char *fp = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "raqib"), "document"), "fingerprint"));
	bool known = false;

	if (pc->n_refs == pc->cap_refs) {
		size_t cap = pc->cap_refs ? 2 * pc->cap_refs : 64;
		char **more = reallocarray(pc->refs, cap, sizeof(*more));

		if (!more)
			return;
		pc->refs = more;
		pc->cap_refs = cap;
	}
	pc->refs[pc->n_refs] = strdup(ref);
	if (pc->refs[pc->n_refs])
		pc->n_refs++;
	for (size_t i = 0; fp && i < pc->n_fps; i++)
		known = known || strcmp(pc->fps[i], fp) == 0;
	if (fp && !known && pc->n_fps < PROV_MAX_FP && strlen(fp) < sizeof(pc->fps[0]))
		snprintf(pc->fps[pc->n_fps++], sizeof(pc->fps[0]), "%s", fp);
}

static const char *str2(json_t *doc, const char *a, const char *b, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(json_object_get(doc, a), b));

	snprintf(buf, len, "%s", v && v[0] ? v : "-");
	term_text_clean(buf);
	return buf;
}

static int print_provenance(void *ctx, const struct store_item *it)
{
	struct prov_ctx *pc = ctx;
	struct print_ctx *p = &pc->p;
	char when[24], site[40], host[80], user[32], app[64], path[600], similar[16];
	const char *colon;
	json_t *doc, *rd;

	if (!it->ref || !it->json || prov_seen(pc, it->ref))
		return 0;
	doc = json_loadb(it->json, it->json_len, 0, NULL);
	if (!doc)
		return 0;
	prov_remember(pc, it->ref, doc);
	if (p->format == FORMAT_JSON) {
		json_decref(doc);
		return print_item(p, it);
	}
	rd = json_object_get(json_object_get(doc, "raqib"), "document");
	if (json_is_integer(json_object_get(rd, "similarity")))
		snprintf(similar, sizeof(similar), "%lld",
			 (long long)json_integer_value(json_object_get(rd, "similarity")));
	else
		snprintf(similar, sizeof(similar), "-");
	term_time_utc(it->rx_ms, when, sizeof(when));
	colon = strchr(it->ref, ':');
	snprintf(site, sizeof(site), "%.*s", colon ? (int)(colon - it->ref) : 0, it->ref);
	str2(doc, "host", "name", host, sizeof(host));
	str2(doc, "user", "id", user, sizeof(user));
	str2(doc, "raqib", "app", app, sizeof(app));
	str2(doc, "file", "path", path, sizeof(path));
	if (strcmp(path, "-") == 0)
		str2(doc, "file", "name", path, sizeof(path));
	if (p->format == FORMAT_CSV) {
		if (!p->header_done)
			fputs("\"received\",\"site\",\"host\",\"user\",\"app\",\"action\",\"similarity\",\"file\"\r\n",
			      stdout);
		p->header_done = true;
		csv_cell(stdout, when, false);
		csv_cell(stdout, site, false);
		csv_cell(stdout, host, false);
		csv_cell(stdout, user, false);
		csv_cell(stdout, app, false);
		csv_cell(stdout, action_of(doc), false);
		csv_cell(stdout, similar, false);
		csv_cell(stdout, path, true);
	} else {
		if (!p->header_done) {
			printf(PROV_ROW, "TIME (UTC)", "SITE", "HOST", "USER", "APP", "ACTION",
			       "SIMILARITY", "FILE");
			p->header_done = true;
		}
		printf(PROV_ROW, when, site, host, user, app, action_of(doc), similar, path);
	}
	json_decref(doc);
	return 0;
}

/* The SHA-256 of a local file, hex. 0 or -errno (logged). */
static int hash_file(const char *path, char out[65])
{
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = fd < 0 ? -errno : -ENOMEM;
		log_error("ctl", "cannot read '%s': %s", path, strerror(-rc));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0) {
		rc = -errno;
		log_error("ctl", "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &md_len);
	for (unsigned i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * provenance SHA256|FILE: every alert about the document, then, when they recognised a
 * registered document (a fingerprint rule), its other sightings: edited copies found similar
 * by ssdeep. provenance fingerprint:RULE-ID: the sightings of one registered document.
 */
int ctl_provenance(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "cursor", required_argument, NULL, O_CURSOR },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ NULL, 0, NULL, 0 },
	};
	struct prov_ctx pc = { 0 };
	struct page_opts o = { .limit = 1000, .format = &pc.p.format };
	struct desk_filter f = { 0 };
	char sha[65];
	const char *arg, *fingerprint = NULL;
	int opt, n, ret = CTL_EXIT_OK;
	size_t total;
	int64_t dummy;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1)
		if (page_option(opt, optarg, &o) != 1)
			return CTL_EXIT_USAGE;
	if (optind + 1 != argc) {
		log_error(
			"ctl",
			"provenance: expected a document's SHA-256, a file to hash, or fingerprint:RULE-ID");
		return CTL_EXIT_USAGE;
	}
	arg = argv[optind];
	/* a file that exists is hashed here (its name could be 64 hex digits too) */
	if (access(arg, F_OK) == 0) {
		if (hash_file(arg, sha))
			return CTL_EXIT_ERROR;
		if (pc.p.format == FORMAT_TABLE) {
			char shown[512];

			snprintf(shown, sizeof(shown), "%s", arg);
			term_text_clean(shown);
			printf("document %s (SHA-256 of %s)\n", sha, shown);
		}
	} else if (strncmp(arg, "fingerprint:", 12) == 0) {
		fingerprint = arg + 12;
		if (store_fingerprint_key(fingerprint, sha)) {
			log_error("ctl", "provenance: '%s' is not a rule id", fingerprint);
			return CTL_EXIT_USAGE;
		}
	} else if (desk_param_check(DESK_P_SHA256, arg, &dummy)) {
		snprintf(sha, sizeof(sha), "%s", arg);
	} else {
		log_error(
			"ctl",
			"provenance: '%s' is neither a file, a SHA-256 (64 lower-case hex digits) nor fingerprint:RULE-ID",
			arg);
		return CTL_EXIT_USAGE;
	}
	f.document = sha;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_desk_alerts(ctl->store, &f, o.limit, 100000, o.cursor, print_provenance, &pc);
	if (n < 0) {
		log_error("ctl", "cannot read the provenance: %s",
			  n == -EINVAL ? "bad cursor" : store_error(ctl->store));
		ret = n == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_ERROR;
		goto out;
	}
	if (pc.p.format == FORMAT_TABLE && o.cursor[0])
		printf("more: --cursor %s\n", o.cursor);
	/* the registered documents recognised: their other sightings */
	for (size_t i = 0; !fingerprint && i < pc.n_fps; i++) {
		struct desk_filter ff = { .document = sha };
		char cursor[STORE_DESK_CURSOR_MAX] = "", fp[sizeof(pc.fps[0])];
		size_t before = pc.n_refs;

		if (store_fingerprint_key(pc.fps[i], sha))
			continue;
		snprintf(fp, sizeof(fp), "%s", pc.fps[i]);
		term_text_clean(fp);
		if (pc.p.format == FORMAT_TABLE)
			printf("\nthe registered document %s (provenance fingerprint:%s), its other versions:\n",
			       fp, fp);
		pc.p.header_done = pc.p.format == FORMAT_CSV;
		n = store_desk_alerts(ctl->store, &ff, o.limit, 100000, cursor, print_provenance,
				      &pc);
		if (n < 0) {
			log_error("ctl", "cannot read the provenance: %s", store_error(ctl->store));
			ret = CTL_EXIT_ERROR;
			goto out;
		}
		if (pc.p.format == FORMAT_TABLE && pc.n_refs == before)
			printf("none\n");
	}
	total = pc.n_refs;
	if (pc.p.format == FORMAT_TABLE && total == 0)
		printf("no alerts about this document stored\n");
out:
	for (size_t i = 0; i < pc.n_refs; i++)
		free(pc.refs[i]);
	free(pc.refs);
	return ret;
}
