// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl's investigation commands (see ctl.h): alerts, incidents, incident, incident-set,
 * timeline, provenance, find. Tables for people, --json lines for tools.
 */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "alert_view.h"
#include "raqib/log.h"
#include "store_query.h"

#define VALUE_MAX 256

struct print_ctx {
	bool json;
	bool header_done;
	size_t gaps;
};

static void format_time(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void print_gap(const struct store_item *it)
{
	char when[24];

	format_time(it->rx_ms, when, sizeof(when));
	printf("%-19s %-8s coverage gap: %s of agent %s (%s)\n", when, "GAP", it->gap_kind,
	       it->gap_agent, it->gap_detail);
}

static int print_item(void *ctx, const struct store_item *it)
{
	struct print_ctx *p = ctx;
	struct alert_row row;

	if (p->json) {
		if (it->ref && it->json) {
			fwrite(it->json, 1, it->json_len, stdout);
			fputc('\n', stdout);
		} else if (!it->ref) {
			json_t *gap = json_pack("{s:s, s:I, s:s, s:s, s:s}", "gap", it->gap_kind,
						"rx_ms", (json_int_t)it->rx_ms, "agent",
						it->gap_agent, "detail", it->gap_detail, "kind",
						"coverage_gap");

			if (gap) {
				json_dumpf(gap, stdout, JSON_COMPACT);
				fputc('\n', stdout);
			}
			json_decref(gap);
		}
		return 0;
	}
	if (!p->header_done) {
		alert_view_print_header(stdout);
		p->header_done = true;
	}
	if (!it->ref) {
		p->gaps++;
		print_gap(it);
		return 0;
	}
	if (!it->json || alert_view_row(it->json, it->json_len, &row))
		return 0;
	alert_view_print_row(stdout, &row);
	return 0;
}

/* Options shared by the listing commands. */
struct list_opts {
	struct store_filter f;
	size_t limit;
	char cursor[STORE_CURSOR_MAX];
	bool json;
};

enum {
	O_LIMIT = 'n',
	O_JSON = 1000,
	O_SITE,
	O_HOST,
	O_USER,
	O_APP,
	O_SEVERITY,
	O_CURSOR,
	O_STATE,
	O_ASSIGN,
	O_NOTE,
	O_COLLECTOR,
	O_TOKEN_FILE,
};

static const struct option list_options[] = {
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "json", no_argument, NULL, O_JSON },
	{ "site", required_argument, NULL, O_SITE },
	{ "host", required_argument, NULL, O_HOST },
	{ "user", required_argument, NULL, O_USER },
	{ "app", required_argument, NULL, O_APP },
	{ "min-severity", required_argument, NULL, O_SEVERITY },
	{ "cursor", required_argument, NULL, O_CURSOR },
	{ NULL, 0, NULL, 0 },
};

static int parse_list(int argc, char **argv, struct list_opts *o, size_t default_limit)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->limit = default_limit;
	optind = 0; /* glibc: start again, argv permuted afresh */
	while ((opt = getopt_long(argc, argv, "n:", list_options, NULL)) != -1) {
		switch (opt) {
		case O_LIMIT:
			if (ctl_parse_limit(optarg, &o->limit))
				return -EINVAL;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_SITE:
			o->f.site = optarg;
			break;
		case O_HOST:
			o->f.list = STORE_LIST_HOST;
			o->f.name = optarg;
			break;
		case O_USER:
			o->f.list = STORE_LIST_USER;
			o->f.name = optarg;
			break;
		case O_APP:
			o->f.list = STORE_LIST_APP;
			o->f.name = optarg;
			break;
		case O_SEVERITY:
			o->f.min_severity = atoi(optarg);
			break;
		case O_CURSOR:
			snprintf(o->cursor, sizeof(o->cursor), "%s", optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

static int finish_list(int n, const struct list_opts *o, const struct print_ctx *p,
		       const char *what)
{
	if (n < 0) {
		log_error("ctl", "cannot list %s: %s", what,
			  n == -EINVAL ? "bad options or cursor" : "redis error");
		return n == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_ERROR;
	}
	if (n == 0 && !o->json)
		printf("no %s stored\n", what);
	else if (o->cursor[0] && !o->json)
		printf("more: --cursor %s\n", o->cursor);
	(void)p;
	return CTL_EXIT_OK;
}

int ctl_alerts(struct ctl *ctl, int argc, char **argv)
{
	struct list_opts o;
	struct print_ctx p = { 0 };
	int n;

	if (parse_list(argc, argv, &o, 20) || optind != argc)
		return CTL_EXIT_USAGE;
	p.json = o.json;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	if (!o.f.site && o.f.list == STORE_LIST_SITE && !o.cursor[0]) {
		n = store_query_recent(ctl->store, o.limit, print_item, &p);
	} else {
		if (!o.f.site) {
			log_error("ctl", "--host, --user, --app and --cursor need --site");
			return CTL_EXIT_USAGE;
		}
		n = store_query_list(ctl->store, &o.f, o.limit, o.cursor, print_item, &p);
	}
	return finish_list(n, &o, &p, "alerts");
}

static int print_json_only(void *ctx, const struct store_item *it)
{
	(void)ctx;
	if (!it->json)
		return -ENOENT;
	fwrite(it->json, 1, it->json_len, stdout);
	fputc('\n', stdout);
	return 0;
}

int ctl_alert(struct ctl *ctl, int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		log_error("ctl", "alert: expected one reference SITE:AGENT:EPOCH:SEQ");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	rc = store_query_alert(ctl->store, argv[1], print_json_only, NULL);
	if (rc == -EINVAL) {
		log_error("ctl", "alert: '%s' is not a reference SITE:AGENT:EPOCH:SEQ", argv[1]);
		return CTL_EXIT_USAGE;
	}
	if (rc == -ENOENT) {
		log_error("ctl", "no alert '%s' stored", argv[1]);
		return CTL_EXIT_ERROR;
	}
	return rc ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

int ctl_timeline(struct ctl *ctl, int argc, char **argv)
{
	struct list_opts o;
	struct print_ctx p = { 0 };
	int n;

	if (parse_list(argc, argv, &o, 100) || optind != argc)
		return CTL_EXIT_USAGE;
	if (!o.f.site || o.f.list == STORE_LIST_SITE) {
		log_error("ctl", "timeline needs --site and one of --host, --user, --app");
		return CTL_EXIT_USAGE;
	}
	o.f.gaps = true;
	p.json = o.json;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_query_list(ctl->store, &o.f, o.limit, o.cursor, print_item, &p);
	return finish_list(n, &o, &p, "timeline entries");
}

static const char *field_text(const struct stream_field *f, size_t n, const char *name, char *buf,
			      size_t len)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	if (!x)
		return "-";
	snprintf(buf, len, "%.*s", (int)x->value_len, x->value);
	return buf;
}

static const char *severity_name(int s)
{
	return s >= 99 ? "critical" : s >= 73 ? "high" : s >= 47 ? "medium" : s > 0 ? "low" : "-";
}

#define INCIDENT_ROW "%-28s %-16s %-14s %-9s %6s %5s %-19s %s\n"

static int print_incident_row(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct print_ctx *p = ctx;
	char kind[32], state[24], sev[8], count[16], hosts[16], last[24], who[256], host[80],
		user[80], assignee[64];
	const char *h, *u, *a;
	json_t *doc;

	if (p->json) {
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
	if (!p->header_done) {
		printf(INCIDENT_ROW, "INCIDENT", "KIND", "STATE", "SEVERITY", "ALERTS", "HOSTS",
		       "LAST", "WHO / ASSIGNEE");
		p->header_done = true;
	}
	/* field_text() gives "-" for a field not there, without writing the buffer */
	format_time(strtoll(field_text(f, n, "last", last, sizeof(last)), NULL, 10), last,
		    sizeof(last));
	h = field_text(f, n, "host", host, sizeof(host));
	u = field_text(f, n, "user", user, sizeof(user));
	a = field_text(f, n, "assignee", assignee, sizeof(assignee));
	if (strcmp(h, "-") == 0)
		snprintf(who, sizeof(who), "many hosts / %s", a);
	else
		snprintf(who, sizeof(who), "%s / %s", strcmp(u, "-") && u[0] ? u : h, a);
	printf(INCIDENT_ROW, id, field_text(f, n, "kind", kind, sizeof(kind)),
	       field_text(f, n, "state", state, sizeof(state)),
	       severity_name(atoi(field_text(f, n, "severity", sev, sizeof(sev)))),
	       field_text(f, n, "count", count, sizeof(count)),
	       field_text(f, n, "hosts", hosts, sizeof(hosts)), last, who);
	return 0;
}

int ctl_incidents(struct ctl *ctl, int argc, char **argv)
{
	struct list_opts o;
	struct print_ctx p = { 0 };
	int n;

	if (parse_list(argc, argv, &o, 50) || optind != argc)
		return CTL_EXIT_USAGE;
	p.json = o.json;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_query_incidents(ctl->store, o.limit, o.cursor, print_incident_row, &p);
	return finish_list(n, &o, &p, "incidents");
}

/* incident ID: the fields, the notes, then its alerts and its host's coverage gaps. */
struct show_ctx {
	struct print_ctx p;
	int64_t first, last;
	char host[80];
	char site[40];
};

static int show_fields(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct show_ctx *s = ctx;
	char buf[256];

	s->first = strtoll(field_text(f, n, "first", buf, sizeof(buf)), NULL, 10);
	s->last = strtoll(field_text(f, n, "last", buf, sizeof(buf)), NULL, 10);
	field_text(f, n, "host", s->host, sizeof(s->host));
	if (s->p.json)
		return print_incident_row(&s->p, id, f, n);
	printf("incident %s\n", id);
	for (size_t i = 0; i < n; i++) {
		char value[256];

		snprintf(value, sizeof(value), "%.*s", (int)f[i].value_len, f[i].value);
		if ((f[i].name_len == 5 && !memcmp(f[i].name, "first", 5)) ||
		    (f[i].name_len == 4 && !memcmp(f[i].name, "last", 4)) ||
		    (f[i].name_len == 7 && !memcmp(f[i].name, "changed", 7)))
			format_time(strtoll(value, NULL, 10), value, sizeof(value));
		printf("  %-10.*s %s\n", (int)f[i].name_len, f[i].name, value);
	}
	return 0;
}

static int show_note(void *ctx, const char *note)
{
	(void)ctx;
	printf("  note: %s\n", note);
	return 0;
}

int ctl_incident(struct ctl *ctl, int argc, char **argv)
{
	struct list_opts o;
	struct show_ctx s = { 0 };
	struct store_filter f;
	int rc;

	if (parse_list(argc, argv, &o, 200) || optind + 1 != argc) {
		log_error("ctl", "incident: expected one incident id (raqibctl incidents)");
		return CTL_EXIT_USAGE;
	}
	s.p.json = o.json;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	rc = store_query_incident(ctl->store, argv[optind], show_fields, &s);
	if (rc == -ENOENT || rc == -EINVAL) {
		log_error("ctl", "no incident '%s'", argv[optind]);
		return CTL_EXIT_ERROR;
	}
	if (rc < 0)
		return CTL_EXIT_ERROR;
	if (!o.json && store_query_notes(ctl->store, argv[optind], show_note, NULL) < 0)
		return CTL_EXIT_ERROR;
	if (!o.json)
		printf("\n");
	f = (struct store_filter){ .list = STORE_LIST_INCIDENT, .name = argv[optind] };
	rc = store_query_list(ctl->store, &f, o.limit, o.cursor, print_item, &s.p);
	if (rc < 0)
		return CTL_EXIT_ERROR;
	/* a site incident's host: its coverage gaps over the incident's span */
	if (strncmp(argv[optind], "s:", 2) == 0 && strcmp(s.host, "-") != 0) {
		const char *colon = strrchr(argv[optind], ':');
		char cursor[STORE_CURSOR_MAX] = "";
		struct store_item dummy;

		(void)dummy;
		snprintf(s.site, sizeof(s.site), "%.*s", (int)(colon - argv[optind] - 2),
			 argv[optind] + 2);
		f = (struct store_filter){ .list = STORE_LIST_HOST,
					   .site = s.site,
					   .name = s.host,
					   .from_ms = s.first,
					   .to_ms = s.last,
					   .gaps = true };
		struct print_ctx gaps_only = s.p;

		gaps_only.header_done = true;
		rc = store_query_list(ctl->store, &f, 1000, cursor, print_item, &gaps_only);
		if (rc < 0)
			return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
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
	int opt, rc;

	optind = 0; /* glibc: start again, argv permuted afresh */
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
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	rc = store_incident_update(ctl->store, argv[optind], state, assignee, note, ctl_who(),
				   ctl_now_ms());
	if (rc == -EINVAL) {
		log_error(
			"ctl",
			"invalid incident id '%s' or state: states are new, triage, confirmed, false_positive, closed",
			argv[optind]);
		return CTL_EXIT_USAGE;
	}
	if (rc == -ENOENT) {
		log_error("ctl", "no incident '%s'", argv[optind]);
		return CTL_EXIT_ERROR;
	}
	if (rc) {
		log_error("ctl", "cannot change incident '%s': %s", argv[optind],
			  store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	printf("incident %s changed\n", argv[optind]);
	return CTL_EXIT_OK;
}

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

#define PROV_ROW "%-19s %-12s %-16s %-8s %-14s %-14s %-10s %s\n"
#define PROV_MAX_FP 8

/* provenance: the rows printed, and the registered documents their alerts recognised */
struct prov_ctx {
	struct print_ctx p;
	char **refs; /* shown, for the similar versions not to repeat them */
	size_t n_refs, cap_refs;
	char fps[PROV_MAX_FP][128];
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

static int print_provenance(void *ctx, const struct store_item *it)
{
	struct prov_ctx *pc = ctx;
	struct print_ctx *p = &pc->p;
	json_t *doc, *rd;
	char when[24], site[40], similar[16];
	const char *colon;

	if (!it->ref || !it->json || prov_seen(pc, it->ref))
		return 0;
	doc = json_loadb(it->json, it->json_len, 0, NULL);
	if (!doc)
		return 0;
	prov_remember(pc, it->ref, doc);
	if (p->json) {
		json_decref(doc);
		return print_item(p, it);
	}
	if (!p->header_done) {
		printf(PROV_ROW, "TIME", "SITE", "HOST", "USER", "APP", "ACTION", "SIMILARITY", "FILE");
		p->header_done = true;
	}
	format_time(it->rx_ms, when, sizeof(when));
	colon = strchr(it->ref, ':');
	snprintf(site, sizeof(site), "%.*s", colon ? (int)(colon - it->ref) : 0, it->ref);
	rd = json_object_get(json_object_get(doc, "raqib"), "document");
	if (json_is_integer(json_object_get(rd, "similarity")))
		snprintf(similar, sizeof(similar), "%lld",
			 (long long)json_integer_value(json_object_get(rd, "similarity")));
	else
		snprintf(similar, sizeof(similar), "-");
	printf(PROV_ROW, when, site,
	       json_string_value(json_object_get(json_object_get(doc, "host"), "name")) ?: "-",
	       json_string_value(json_object_get(json_object_get(doc, "user"), "id")) ?: "-",
	       json_string_value(json_object_get(json_object_get(doc, "raqib"), "app")) ?: "-",
	       action_of(doc), similar,
	       json_string_value(json_object_get(json_object_get(doc, "file"), "path")) ?:
	       json_string_value(json_object_get(json_object_get(doc, "file"), "name")) ?: "-");
	json_decref(doc);
	return 0;
}

/*
 * provenance SHA256: every alert about the document, then, when they recognised a registered
 * document (a fingerprint rule), its other sightings: edited copies found similar by ssdeep.
 * provenance --fingerprint ID: the sightings of one registered document.
 */
int ctl_provenance(struct ctl *ctl, int argc, char **argv)
{
	struct list_opts o;
	struct prov_ctx pc = { 0 };
	char key[65];
	const char *fingerprint = NULL;
	int n, total = 0, ret = CTL_EXIT_OK;

	if (parse_list(argc, argv, &o, 1000) || optind + 1 != argc) {
		log_error("ctl",
			  "provenance: expected the document's SHA-256 (64 hex digits), or --fingerprint RULE-ID");
		return CTL_EXIT_USAGE;
	}
	if (strncmp(argv[optind], "fingerprint:", 12) == 0)
		fingerprint = argv[optind] + 12;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	pc.p.json = o.json;
	if (fingerprint) {
		if (store_fingerprint_key(fingerprint, key)) {
			log_error("ctl", "provenance: '%s' is not a rule id", fingerprint);
			return CTL_EXIT_USAGE;
		}
		o.f = (struct store_filter){ .list = STORE_LIST_DOCUMENT, .name = key };
	} else {
		o.f = (struct store_filter){ .list = STORE_LIST_DOCUMENT, .name = argv[optind] };
	}
	n = store_query_list(ctl->store, &o.f, o.limit, o.cursor, print_provenance, &pc);
	if (n == -EINVAL) {
		log_error("ctl", "provenance: '%s' is not a SHA-256 (64 lower-case hex digits)",
			  argv[optind]);
		ret = CTL_EXIT_USAGE;
		goto out;
	}
	total = n > 0 ? n : 0;
	for (size_t i = 0; n >= 0 && !fingerprint && i < pc.n_fps; i++) {
		struct store_filter f;
		char cursor[STORE_CURSOR_MAX] = "";
		size_t before = pc.n_refs;

		if (store_fingerprint_key(pc.fps[i], key))
			continue;
		f = (struct store_filter){ .list = STORE_LIST_DOCUMENT, .name = key };
		if (!pc.p.json)
			printf("\nthe registered document %s (%s), its other versions:\n", pc.fps[i],
			       "provenance fingerprint:ID");
		pc.p.header_done = false;
		n = store_query_list(ctl->store, &f, o.limit, cursor, print_provenance, &pc);
		if (n >= 0 && pc.n_refs == before && !pc.p.json)
			printf("none\n");
		total += (int)(pc.n_refs - before);
	}
	ret = finish_list(n < 0 ? n : total, &o, &pc.p, "alerts about this document");
out:
	for (size_t i = 0; i < pc.n_refs; i++)
		free(pc.refs[i]);
	free(pc.refs);
	return ret;
}

/* Reads the value: a prompt without echo on a terminal, else one line of standard input. */
static int read_value(char *value, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);

	if (tty) {
		fputs("value to search (not shown): ", stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	if (!fgets(value, (int)len, stdin))
		value[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	value[strcspn(value, "\r\n")] = '\0';
	return value[0] ? 0 : -ENODATA;
}

struct body {
	char *data;
	size_t len;
};

static size_t collect(void *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct body *b = ctx;
	size_t n = size * nmemb;
	char *more;

	if (b->len + n > (64u << 20))
		return 0;
	more = realloc(b->data, b->len + n + 1);
	if (!more)
		return 0;
	b->data = more;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int read_token(const char *path, char *token, size_t len)
{
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded */
	const char *env = getenv("RAQIB_INVESTIGATOR_TOKEN");
	FILE *f;

	if (!path && env && *env) {
		snprintf(token, len, "%s", env);
		return 0;
	}
	if (!path) {
		log_error(
			"ctl",
			"find needs an investigator token: --token-file FILE or $RAQIB_INVESTIGATOR_TOKEN (raqibctl investigator-add)");
		return -ENOENT;
	}
	f = fopen(path, "re");
	if (!f || !fgets(token, (int)len, f)) {
		log_error("ctl", "cannot read the token file '%s'", path);
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	return 0;
}

int ctl_find(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "collector", required_argument, NULL, O_COLLECTOR },
		{ "token-file", required_argument, NULL, O_TOKEN_FILE },
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 },
	};
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded */
	const char *url = getenv("RAQIB_COLLECTOR"), *token_file = NULL;
	char value[VALUE_MAX + 2], token[256], auth[300], endpoint[1100];
	struct print_ctx p = { 0 };
	struct body body = { 0 };
	struct curl_slist *headers = NULL;
	long status = 0;
	json_t *answer = NULL, *alerts, *doc;
	CURL *curl = NULL;
	int opt, ret = CTL_EXIT_ERROR;
	size_t i;

	(void)ctl;
	optind = 0; /* glibc: start again, argv permuted afresh */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case O_COLLECTOR:
			url = optarg;
			break;
		case O_TOKEN_FILE:
			token_file = optarg;
			break;
		case O_JSON:
			p.json = true;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_error(
			"ctl",
			"find reads the value from standard input or a prompt, never from the command line (it would stay in the shell history)");
		return CTL_EXIT_USAGE;
	}
	if (read_token(token_file, token, sizeof(token)))
		return CTL_EXIT_USAGE;
	if (read_value(value, sizeof(value))) {
		log_error("ctl", "no value given");
		return CTL_EXIT_USAGE;
	}
	snprintf(endpoint, sizeof(endpoint), "%s/api/find",
		 url && *url ? url : "http://127.0.0.1:9477");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (!curl)
		goto out;
	headers = curl_slist_append(headers, auth);
	headers = curl_slist_append(headers, "Content-Type: text/plain");
	curl_easy_setopt(curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, value);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(curl) != CURLE_OK) {
		log_error("ctl", "cannot reach the collector at %s", endpoint);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		log_error("ctl", "the collector refused the search (HTTP %ld): %s", status,
			  body.data ? body.data : "");
		ret = status == 422 ? CTL_EXIT_USAGE : CTL_EXIT_ERROR;
		goto out;
	}
	answer = body.data ? json_loads(body.data, 0, NULL) : NULL;
	alerts = json_object_get(answer, "alerts");
	if (!json_is_array(alerts)) {
		log_error("ctl", "the collector's answer is not understood");
		goto out;
	}
	json_array_foreach(alerts, i, doc) {
		char *text = json_dumps(doc, JSON_COMPACT);
		struct store_item it = { .ref = "",
					 .json = text,
					 .json_len = text ? strlen(text) : 0 };

		if (text)
			print_item(&p, &it);
		free(text);
	}
	if (!p.json && json_array_size(alerts) == 0)
		printf("no stored alert holds this %s\n",
		       json_string_value(json_object_get(answer, "type")) ?: "value");
	if (json_integer_value(json_object_get(answer, "waiting")) > 0)
		fprintf(stderr,
			"raqibctl: %" JSON_INTEGER_FORMAT
			" entries are still waiting to be stored: search again later, they may hold more\n",
			json_integer_value(json_object_get(answer, "waiting")));
	ret = CTL_EXIT_OK;
out:
	explicit_bzero(value, sizeof(value));
	explicit_bzero(token, sizeof(token));
	explicit_bzero(auth, sizeof(auth));
	json_decref(answer);
	if (body.data)
		explicit_bzero(body.data, body.len);
	free(body.data);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	curl_global_cleanup();
	return ret;
}
