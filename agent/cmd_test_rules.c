// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent test-rules [-v] CASES.yml: policy tests administrators keep beside their packs.
 * Each case is an event (a file or a text, the app, the destination, host, user, date) and the
 * decision expected; every case is decided with the agent's rules (built-in packs, then --rules)
 * and compared. A failed case (every case with -v) is explained: which policy decided, which
 * exception matched, and why each other candidate did not ("why didn't this fire").
 *
 * Exit status: 0 every case passed, 1 a case failed, 2 the cases file or the rules are wrong.
 */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "extract/extract.h"
#include "outbox/alert.h"

#define CASES_MAX_BYTES (4u << 20)
#define EXIT_FAILED	1
#define EXIT_BAD	2

struct cases {
	struct agent *agent;
	yaml_document_t doc;
	const char *file;
	char dir[4096]; /* the cases file's directory: files are relative to it */
	bool verbose;
	unsigned passed, failed;
};

/* What one case expects. */
struct expectation {
	const char *outcome; /* "alert", "allowed", "none" */
	const char *rule, *exception;
	int notify; /* -1: not said */
	yaml_node_t *shadow; /* a sequence of rule ids, or NULL */
};

static yaml_node_t *node(struct cases *c, int id)
{
	return id ? yaml_document_get_node(&c->doc, id) : NULL;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *get(struct cases *c, const yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (scalar(node(c, p->key)) && !strcmp(scalar(node(c, p->key)), key))
			return node(c, p->value);
	return NULL;
}

static int bad(struct cases *c, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct cases *c, const yaml_node_t *at, const char *fmt, ...)
{
	char text[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_error("test-rules", "%s:%u: %s", c->file, at ? (unsigned)at->start_mark.line + 1 : 0,
		  text);
	return -EINVAL;
}

/* Refuses keys of m not in allowed, so that a misspelt key never silently tests nothing. */
static int check_keys(struct cases *c, const yaml_node_t *m, const char *const *allowed,
		      const char *what)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return bad(c, m, "%s must be a mapping", what);
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(node(c, p->key));
		bool known = false;

		for (const char *const *a = allowed; k && *a && !known; a++)
			known = !strcmp(*a, k);
		if (!known)
			return bad(c, node(c, p->key), "unknown key '%.40s' in %s", k ? k : "?",
				   what);
	}
	return 0;
}

static int load(struct cases *c, const char *path)
{
	yaml_parser_t parser;
	FILE *f = fopen(path, "rb");
	char copy[4096];
	int rc = 0;

	if (!f) {
		log_error("test-rules", "cannot open '%s': %s", path, strerror(errno));
		return -errno;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(c->dir, sizeof(c->dir), "%s", dirname(copy));
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &c->doc)) {
		log_error("test-rules", "%s:%zu:%zu: invalid YAML: %s", path,
			  parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			  parser.problem ? parser.problem : "syntax error");
		rc = -EINVAL;
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

/* The verdict of a case's content: file (relative to the cases file) or text. */
static int verdict_of(struct cases *c, const yaml_node_t *cs, struct rules_verdict *v, char sha[65],
		      char *path, size_t path_len)
{
	const char *file = scalar(get(c, cs, "file")), *text = scalar(get(c, cs, "text"));
	struct rules_scan *scan;
	struct extract_result x;
	int fd, err;

	if (!file == !text)
		return bad(c, cs, "a case needs 'file' or 'text' (one of them)");
	if (text)
		return rules_scan_buffer(c->agent->rules, text, strlen(text), v);
	if ((size_t)snprintf(path, path_len, "%s%s%s", file[0] == '/' ? "" : c->dir,
			     file[0] == '/' ? "" : "/", file) >= path_len)
		return bad(c, get(c, cs, "file"), "file name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return bad(c, get(c, cs, "file"), "cannot open '%s': %s", path, strerror(errno));
	scan = rules_scan_new(c->agent->rules);
	if (!scan) {
		close(fd);
		return -ENOMEM;
	}
	err = extract_fd(fd, &c->agent->limits, scan, &x);
	close(fd);
	if (rules_scan_finish(scan, v) == 0 && err)
		rules_verdict_release(v);
	rules_scan_free(scan);
	if (err)
		return bad(c, get(c, cs, "file"), "cannot inspect '%s': %s", path, strerror(-err));
	if (x.sha256_complete) {
		alert_hex(x.sha256, sizeof(x.sha256), sha, 65);
		rules_verdict_match_sha256(c->agent->rules, v, sha);
	}
	return 0;
}

static int parse_destination(struct cases *c, const yaml_node_t *d, struct rules_destination *out)
{
	static const char *const keys[] = { "server_name", "url", "ip", "mail_domains", NULL };
	const yaml_node_t *ip, *domains;
	int rc;

	if (!d)
		return 0;
	rc = check_keys(c, d, keys, "destination");
	if (rc)
		return rc;
	out->server_name = scalar(get(c, d, "server_name"));
	out->url = scalar(get(c, d, "url"));
	ip = get(c, d, "ip");
	if (ip) {
		if (scalar(ip) && inet_pton(AF_INET, scalar(ip), out->addr) == 1)
			out->family = AF_INET;
		else if (scalar(ip) && inet_pton(AF_INET6, scalar(ip), out->addr) == 1)
			out->family = AF_INET6;
		else
			return bad(c, ip, "'ip' must be an IPv4 or IPv6 address");
	}
	domains = get(c, d, "mail_domains");
	if (domains && domains->type != YAML_SEQUENCE_NODE)
		return bad(c, domains, "'mail_domains' must be a list");
	for (yaml_node_item_t *i = domains ? domains->data.sequence.items.start : NULL;
	     domains && i < domains->data.sequence.items.top; i++) {
		if (out->n_mail_domains == RULES_MAIL_DOMAINS_MAX || !scalar(node(c, *i)))
			return bad(c, domains, "'mail_domains' holds at most %d domains",
				   RULES_MAIL_DOMAINS_MAX);
		out->mail_domains[out->n_mail_domains++] = scalar(node(c, *i));
	}
	return 0;
}

static int parse_bool(struct cases *c, const yaml_node_t *n, bool *out)
{
	const char *v = scalar(n);

	if (!n)
		return 0;
	if (v && (!strcmp(v, "true") || !strcmp(v, "false"))) {
		*out = !strcmp(v, "true");
		return 0;
	}
	return bad(c, n, "expected true or false");
}

/* The event of a case (info borrows from the document). */
static int event_of(struct cases *c, const yaml_node_t *cs, struct rules_event_info *info,
		    const char *path, const char *sha)
{
	const char *event = scalar(get(c, cs, "event")), *app = scalar(get(c, cs, "app"));
	const char *date = scalar(get(c, cs, "date"));
	int e = event ? rules_event_from_name(event) : -1;

	if (e < 0)
		return bad(
			c, get(c, cs, "event") ?: cs,
			"'event' must be file_read, file_upload, cleartext, tls_plaintext or data_at_rest");
	info->event = (enum rules_event)e;
	if (app) {
		info->app =
			rules_app_by_id(c->agent->rules, strncmp(app, "app.", 4) ? app : app + 4);
		if (!info->app)
			return bad(c, get(c, cs, "app"), "no app rule has the id '%s'", app);
	}
	info->host_name = scalar(get(c, cs, "host"));
	info->user = scalar(get(c, cs, "user"));
	info->file_path = scalar(get(c, cs, "path")) ?: (path[0] ? path : NULL);
	info->sha256 = sha[0] ? sha : NULL;
	if (date) {
		struct tm tm = { .tm_hour = 12 };
		const char *end = strptime(date, "%Y-%m-%d", &tm);

		if (!end || *end)
			return bad(c, get(c, cs, "date"), "'date' must be YYYY-MM-DD");
		info->now = timegm(&tm);
	}
	if (parse_bool(c, get(c, cs, "encrypted_container"), &info->is_encrypted_container))
		return -EINVAL;
	return parse_destination(c, get(c, cs, "destination"), &info->dest);
}

static int parse_expect(struct cases *c, const yaml_node_t *cs, struct expectation *x)
{
	static const char *const keys[] = {
		"outcome", "rule", "exception", "notify", "shadow", NULL
	};
	const yaml_node_t *e = get(c, cs, "expect");
	bool notify;
	int rc;

	if (!e)
		return bad(c, cs, "a case needs 'expect' (outcome: alert, allowed or none)");
	rc = check_keys(c, e, keys, "expect");
	if (rc)
		return rc;
	x->outcome = scalar(get(c, e, "outcome"));
	if (!x->outcome || (strcmp(x->outcome, "alert") && strcmp(x->outcome, "allowed") &&
			    strcmp(x->outcome, "none")))
		return bad(c, get(c, e, "outcome") ?: e,
			   "'outcome' must be alert, allowed or none");
	x->rule = scalar(get(c, e, "rule"));
	x->exception = scalar(get(c, e, "exception"));
	x->notify = -1;
	if (get(c, e, "notify")) {
		if (parse_bool(c, get(c, e, "notify"), &notify))
			return -EINVAL;
		x->notify = notify;
	}
	x->shadow = get(c, e, "shadow");
	if (x->shadow && x->shadow->type != YAML_SEQUENCE_NODE)
		return bad(c, x->shadow, "'shadow' must be a list of rule ids");
	return 0;
}

static const char *outcome_of(const struct rules_decision *d)
{
	return d->matched ? "alert" : d->allowed ? "allowed" : "none";
}

static bool shadow_has(const struct rules *r, const struct rules_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_shadow; i++)
		if (!strcmp(rules_rule_id(r, d->shadow[i]), id))
			return true;
	return false;
}

/* What differs between the expectation and the decision, in why (empty when nothing). */
static void compare(struct cases *c, const struct expectation *x, const struct rules_decision *d,
		    char *why, size_t len)
{
	const struct rules *r = c->agent->rules;
	size_t o = 0, n_expected = 0;

	why[0] = '\0';
#define SAY(...) (o += (size_t)snprintf(why + o, o < len ? len - o : 0, __VA_ARGS__))
	if (strcmp(x->outcome, outcome_of(d)))
		SAY("expected %s, got %s; ", x->outcome, outcome_of(d));
	if (x->rule && strcmp(x->rule, d->rule_id))
		SAY("expected policy %s, got %s; ", x->rule, d->rule_id[0] ? d->rule_id : "none");
	if (x->exception && strcmp(x->exception, d->exception_id))
		SAY("expected exception %s, got %s; ", x->exception,
		    d->exception_id[0] ? d->exception_id : "none");
	if (x->notify >= 0 && (bool)x->notify != d->notify)
		SAY("expected notify %s; ", x->notify ? "true" : "false");
	for (yaml_node_item_t *i = x->shadow ? x->shadow->data.sequence.items.start : NULL;
	     x->shadow && i < x->shadow->data.sequence.items.top; i++, n_expected++) {
		const char *id = scalar(node(c, *i));

		if (id && !shadow_has(r, d, id))
			SAY("expected %s in shadow mode to act, it did not; ", id);
	}
	if (x->shadow && n_expected != d->n_shadow)
		SAY("%zu rule(s) in shadow mode acted, %zu expected; ", d->n_shadow, n_expected);
#undef SAY
	if (o >= 2 && o < len)
		why[o - 2] = '\0';
}

static void explain_line(void *ctx, const char *kind, const char *rule_id, enum rules_mode mode,
			 bool matched, const char *why)
{
	(void)ctx;
	printf("      %-9s %-36s %-6s %s%s\n", kind, rule_id,
	       mode == RULES_MODE_SHADOW ? "shadow" : "",
	       matched ? "matches" : "no: ", matched ? "" : why);
}

static void explain(struct cases *c, const struct rules_verdict *v,
		    const struct rules_event_info *info, const struct rules_decision *d)
{
	printf("      decision: %s", outcome_of(d));
	if (d->rule_id[0])
		printf(" (policy %s", d->rule_id);
	if (d->exception_id[0])
		printf(", exception %s", d->exception_id);
	printf("%s\n", d->rule_id[0] ? ")" : "");
	printf("      content: %s%s%s%s%zu finding(s)\n", v->is_official ? "official, " : "",
	       v->level ? rules_level_name(v->level) : "", v->level ? ", " : "",
	       v->is_bulk ? "bulk personal data, " : "", v->n_findings);
	rules_explain(c->agent->rules, v, info, explain_line, NULL);
}

static int run_case(struct cases *c, const yaml_node_t *cs, unsigned n)
{
	static const char *const keys[] = { "name",
					    "event",
					    "file",
					    "text",
					    "app",
					    "destination",
					    "host",
					    "user",
					    "path",
					    "date",
					    "encrypted_container",
					    "expect",
					    NULL };
	struct rules_event_info info = { 0 };
	struct rules_verdict v = { 0 };
	struct rules_decision d;
	struct expectation x = { 0 };
	char sha[65] = "", path[4096] = "", why[512];
	const char *name;
	int rc = check_keys(c, cs, keys, "a case");

	if (rc)
		return rc;
	name = scalar(get(c, cs, "name"));
	if (!name)
		return bad(c, cs, "a case needs a 'name'");
	rc = parse_expect(c, cs, &x);
	if (!rc)
		rc = verdict_of(c, cs, &v, sha, path, sizeof(path));
	if (rc)
		return rc;
	rc = event_of(c, cs, &info, path, sha);
	if (!rc)
		rc = rules_decide(c->agent->rules, &v, &info, &d);
	if (!rc) {
		compare(c, &x, &d, why, sizeof(why));
		if (why[0])
			c->failed++;
		else
			c->passed++;
		if (why[0] || c->verbose) {
			printf("%s  %u. %s\n", why[0] ? "FAIL" : "ok  ", n, name);
			if (why[0])
				printf("      %s\n", why);
			explain(c, &v, &info, &d);
		}
	}
	rules_verdict_release(&v);
	return rc;
}

int cmd_test_rules(struct agent *agent, int argc, char **argv)
{
	static const struct option options[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cases c = { .agent = agent };
	yaml_node_t *root, *list;
	unsigned n = 0;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
		if (opt == 'v') {
			c.verbose = true;
			continue;
		}
		if (opt == 'h') {
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		}
		return EXIT_BAD;
	}
	if (optind + 1 != argc) {
		log_error("test-rules", "wrong arguments: raqib-agent test-rules [-v] CASES.yml");
		return EXIT_BAD;
	}
	c.file = argv[optind];
	if (agent_load_rules(agent) || load(&c, c.file))
		return EXIT_BAD;
	root = yaml_document_get_root_node(&c.doc);
	list = get(&c, root, "cases");
	rc = 0;
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		rc = bad(&c, root, "a cases file is a mapping with 'cases', a list of cases");
	} else {
		for (yaml_node_item_t *i = list->data.sequence.items.start;
		     !rc && i < list->data.sequence.items.top; i++)
			rc = run_case(&c, node(&c, *i), ++n);
	}
	yaml_document_delete(&c.doc);
	if (rc)
		return EXIT_BAD;
	printf("%u case%s: %u passed, %u failed (rules %.12s)\n", n, n == 1 ? "" : "s", c.passed,
	       c.failed, rules_hash(agent->rules));
	return c.failed ? EXIT_FAILED : AGENT_EXIT_OK;
}
