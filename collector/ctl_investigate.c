// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl's investigation commands (see ctl.h): alerts, find. Tables for people, --json lines
 * for tools. (Incidents, timelines and provenance: ctl_cases.c.)
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

	if (p->json)
		return ctl_print_item_json(it);
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
