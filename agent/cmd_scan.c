// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-agent scan [OPTIONS] PATH...: inspects files at rest with the rules, recursively like
 * ripgrep (hidden files and directories skipped unless --hidden, symbolic links not followed),
 * for administrators trying rules and for data-at-rest discovery. Each file goes through the
 * same extraction and rules as a file a messaging app opens. Exit status like grep: 0 something
 * found, 1 nothing found, 2 an error (a file could not be read, bad rules).
 */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "extract/extract.h"
#include "outbox/alert.h"
#include "outbox/outbox.h"

enum scan_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_SCORE, /* the lines ../shared/corpus/score.py reads */
};

/* Entity types score.py knows, in its order. */
static const char *const score_types[] = { "CIN",  "PHONE_MA", "RIB", "IBAN_MA", "CARD",
					   "EMAIL", "CNSS",    "ICE", "MASSAR",  "PASSPORT" };

struct scan_run {
	struct agent *agent;
	enum scan_format format;
	bool explain;
	bool hidden;
	bool digest;
	bool report; /* --report: each sensitive file's decision goes to the collector */
	uint64_t reported, report_failed;
	struct extract_limits limits;
	struct rules_scan *scan;
	uint64_t files, bytes, found, errors;
	uint64_t incomplete; /* partially inspected or encrypted */
	time_t last_progress;
	bool progress; /* stderr is a terminal */
};

static void print_text(struct scan_run *run, const char *path, const struct extract_result *x,
		       const struct rules_verdict *v)
{
	const char *level = rules_level_name(v->level);

	printf("%s\n", path);
	if (v->is_official || run->explain)
		printf("  %s document (%s, %d points)%s%s\n",
		       v->is_official ? "official" : "not an official", v->official_evidence[0] ? v->official_evidence : "no evidence",
		       v->official_score, level ? ", level " : "", level ? level : "");
	if (v->is_bulk)
		printf("  bulk personal data\n");
	if (v->fingerprint[0])
		printf("  registered document %s (similarity %u)\n", v->fingerprint,
		       v->fingerprint_similarity);
	if (x->status != EXTRACT_COMPLETE)
		printf("  %s: %s\n", extract_status_name(x->status), x->reason);
	for (size_t i = 0; i < v->n_findings; i++) {
		const struct rules_finding *f = &v->findings[i];

		printf("  %-9s %-28s x%u%s", f->type, f->masked, f->occurrences,
		       f->shadow ? " (shadow)" : "");
		if (run->explain)
			printf("  rule %s, score %.2f%s%s%s%s", f->rule_id, (double)f->score,
			       f->checksum ? ", checksum ok" : "", f->context[0] ? ", context '" : "",
			       f->context, f->context[0] ? "'" : "");
		printf("\n");
	}
	if (v->text_digest[0])
		printf("  ssdeep %s\n", v->text_digest);
}

static json_t *findings_json(const struct rules_verdict *v)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < v->n_findings; i++) {
		const struct rules_finding *f = &v->findings[i];
		double score = (double)(int)(f->score * 100.0f + 0.5f) / 100.0;

		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i, s:f, s:b, s:s, s:b}",
						      "type", f->type, "masked", f->masked,
						      "rule_id", f->rule_id, "occurrences",
						      (int)f->occurrences, "score", score,
						      "checksum", f->checksum, "context",
						      f->context, "shadow", f->shadow));
	}
	return list;
}

/* What the policy decides for this file at rest: the rule, or null. */
static json_t *decision_json(const struct scan_run *run, const char *path, const char *sha,
			     const struct extract_result *x, const struct rules_verdict *v)
{
	struct rules_event_info info = {
		.event = RULES_EVENT_DATA_AT_REST,
		.host_name = run->agent->host_name,
		.file_path = path,
		.sha256 = sha,
		.is_encrypted_container = x->status == EXTRACT_ENCRYPTED,
	};
	struct rules_decision d;
	json_t *doc, *shadow;

	if (rules_decide(run->agent->rules, v, &info, &d) || !rules_decision_is_relevant(&d))
		return json_null();
	doc = json_pack("{s:s, s:b}", "outcome",
			d.matched ? "alert" :
			d.allowed ? "allowed" :
				    "none",
			"notify", d.notify);
	if (doc && (d.matched || d.allowed))
		json_object_update_new(doc, json_pack("{s:s, s:i, s:s}", "rule_id", d.rule_id,
						      "severity", d.severity, "confidence",
						      d.confidence));
	if (doc && d.exception_id[0])
		json_object_set_new(doc, "exception_id", json_string(d.exception_id));
	shadow = json_array();
	for (size_t i = 0; shadow && i < d.n_shadow; i++)
		json_array_append_new(shadow,
				      json_string(rules_rule_id(run->agent->rules, d.shadow[i])));
	if (doc)
		json_object_set_new(doc, "shadow", shadow);
	else
		json_decref(shadow);
	return doc;
}

static void print_json(const struct scan_run *run, const char *path,
		       const struct extract_result *x, const struct rules_verdict *v)
{
	char sha[65];
	const char *level = rules_level_name(v->level);
	json_t *doc;
	char *text;

	alert_hex(x->sha256, sizeof(x->sha256), sha, sizeof(sha));
	doc = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I, s:b, s:s?, s:b, s:i, s:s, s:o}", "path",
			path, "type", x->mime_type, "inspection", extract_status_name(x->status),
			"reason", x->reason[0] ? x->reason : NULL, "sha256",
			x->sha256_complete ? sha : NULL, "bytes", (json_int_t)x->bytes_read,
			"official", v->is_official, "level", level, "bulk_personal_data",
			v->is_bulk, "official_score", v->official_score, "official_evidence",
			v->official_evidence, "findings", findings_json(v));
	if (doc) {
		json_object_set_new(doc, "decision", decision_json(run, path, sha, x, v));
		if (v->fingerprint[0])
			json_object_set_new(doc, "fingerprint",
					    json_pack("{s:s, s:i}", "id", v->fingerprint,
						      "similarity", (int)v->fingerprint_similarity));
		if (v->text_digest[0])
			json_object_set_new(doc, "ssdeep", json_string(v->text_digest));
	}
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	if (text)
		puts(text);
	free(text);
	json_decref(doc);
}

/*
 * --report: a copy at rest becomes an alert (event.dataset raqib.at_rest) through the outbox,
 * as the policy decides for data at rest, so that the collector's provenance knows where
 * copies of a document live. Shadow decisions and files no policy rule takes are not sent.
 */
static void report_file(struct scan_run *run, const char *path, const struct extract_result *x,
			const struct rules_verdict *v)
{
	char sha[65];
	const char *name = strrchr(path, '/');
	struct rules_event_info info = {
		.event = RULES_EVENT_DATA_AT_REST,
		.host_name = run->agent->host_name,
		.file_path = path,
		.is_encrypted_container = x->status == EXTRACT_ENCRYPTED,
	};
	struct rules_decision d;
	struct timespec now;
	struct alert a;

	alert_hex(x->sha256, sizeof(x->sha256), sha, sizeof(sha));
	info.sha256 = x->sha256_complete ? sha : NULL;
	/* an alert of a live policy only: shadow rules and allowed events are not reported */
	if (rules_decide(run->agent->rules, v, &info, &d) || !d.matched)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	a = (struct alert){
		.kind = ALERT_KIND_AT_REST,
		.ts_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000,
		.rule_id = d.rule_id,
		.rule_name = d.rule_name,
		.rule_version = d.rule_version,
		.severity = d.severity,
		.confidence = d.confidence,
		.why = "a copy of a sensitive file was found at rest by raqib-agent scan --report",
		.uid = -1,
		.file_path = path,
		.file_name = name ? name + 1 : path,
		.file_size = (int64_t)x->bytes_read,
		.file_sha256 = info.sha256,
		.verdict = v,
	};
	if (outbox_send(run->agent->outbox, &a) == 0)
		run->reported++;
	else
		run->report_failed++;
}

static void print_score(const char *rel, const struct rules_verdict *v)
{
	json_t *ents = json_object();
	json_t *doc;
	char *text;

	for (size_t i = 0; i < sizeof(score_types) / sizeof(score_types[0]); i++)
		json_object_set_new(ents, score_types[i],
				    json_integer((json_int_t)rules_verdict_count(v, score_types[i])));
	doc = json_pack("{s:s, s:o, s:b, s:s?, s:b}", "file", rel, "entities", ents, "is_official",
			v->is_official, "level", rules_level_name(v->level), "bulk_personal_data",
			v->is_bulk);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (text)
		puts(text);
	free(text);
	json_decref(doc);
}

static void show_progress(struct scan_run *run)
{
	time_t now = time(NULL);

	if (!run->progress || now == run->last_progress)
		return;
	run->last_progress = now;
	fprintf(stderr, "\rscanned %llu files, %.1f MB, %llu with findings",
		(unsigned long long)run->files, (double)run->bytes / 1e6,
		(unsigned long long)run->found);
	fflush(stderr);
}

static void scan_file(struct scan_run *run, const char *path, const char *rel)
{
	struct extract_result x;
	struct rules_verdict v;
	char sha[65];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int err;

	if (fd < 0) {
		log_error("scan", "cannot open '%s': %s", path, strerror(errno));
		run->errors++;
		return;
	}
	if (run->digest)
		rules_scan_want_digest(run->scan);
	err = extract_fd(fd, &run->limits, run->scan, &x);
	close(fd);
	if (!err)
		err = rules_scan_finish(run->scan, &v);
	else if (rules_scan_finish(run->scan, &v) == 0)
		rules_verdict_release(&v);
	if (err) {
		log_error("scan", "cannot inspect '%s': %s", path, strerror(-err));
		run->errors++;
		return;
	}
	if (x.status != EXTRACT_COMPLETE)
		v.is_truncated = true;
	if (x.sha256_complete) {
		alert_hex(x.sha256, sizeof(x.sha256), sha, sizeof(sha));
		rules_verdict_match_sha256(run->agent->rules, &v, sha);
	}
	run->files++;
	run->bytes += x.bytes_read;
	if (x.status == EXTRACT_PARTIAL || x.status == EXTRACT_ENCRYPTED)
		run->incomplete++;
	if (rules_verdict_is_sensitive(&v))
		run->found++;
	if (run->report && rules_verdict_is_sensitive(&v))
		report_file(run, path, &x, &v);
	if (run->format == FORMAT_SCORE)
		print_score(rel, &v);
	else if (run->format == FORMAT_JSON)
		print_json(run, path, &x, &v);
	else if (rules_verdict_is_sensitive(&v) || run->explain || run->digest ||
		 x.status == EXTRACT_ENCRYPTED || x.status == EXTRACT_PARTIAL)
		print_text(run, path, &x, &v);
	rules_verdict_release(&v);
	show_progress(run);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks path; rel_off: where the path relative to the argument starts. */
static void walk(struct scan_run *run, const char *path, size_t rel_off, unsigned depth)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	if (*run->agent->stop)
		return;
	if (lstat(path, &st) != 0) {
		log_error("scan", "cannot open '%s': %s", path, strerror(errno));
		run->errors++;
		return;
	}
	if (S_ISREG(st.st_mode)) {
		scan_file(run, path, path[rel_off] ? path + rel_off : path);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth > 64)
		return; /* symbolic links, devices, sockets: not followed */
	d = opendir(path);
	if (!d) {
		log_error("scan", "cannot list '%s': %s", path, strerror(errno));
		run->errors++;
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == '.' && !run->hidden)
			continue;
		if (n == cap) {
			char **grown = reallocarray(names, cap ? cap * 2 : 64, sizeof(*names));

			if (!grown)
				break;
			names = grown;
			cap = cap ? cap * 2 : 64;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(len);

		if (child) {
			snprintf(child, len, "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
			walk(run, child, rel_off, depth + 1);
			free(child);
		}
		free(names[i]);
	}
	free(names);
}

int cmd_scan(struct agent *agent, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "explain", no_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "hidden", no_argument, NULL, 'H' },
		{ "digest", no_argument, NULL, 'D' },
		{ "report", no_argument, NULL, 'P' },
		AGENT_LIMIT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan_run run = { .agent = agent, .progress = isatty(STDERR_FILENO) };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+jeh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.format = FORMAT_JSON;
			break;
		case 'e':
			run.explain = true;
			break;
		case 'f':
			if (!strcmp(optarg, "text")) {
				run.format = FORMAT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				run.format = FORMAT_JSON;
			} else if (!strcmp(optarg, "score")) {
				run.format = FORMAT_SCORE;
			} else {
				log_error("scan", "invalid --format '%s': text, json or score", optarg);
				return AGENT_EXIT_USAGE_GREP;
			}
			break;
		case 'H':
			run.hidden = true;
			break;
		case 'D':
			run.digest = true;
			break;
		case 'P':
			run.report = true;
			break;
		case 'h':
			agent_usage(stdout);
			return AGENT_EXIT_OK;
		default:
			if (agent_is_limit_option(c) && !agent_parse_limit(agent, c, optarg))
				break;
			return AGENT_EXIT_USAGE_GREP;
		}
	}
	run.limits = agent->limits;
	if (optind >= argc) {
		log_error("scan", "no path given: raqib-agent scan PATH...");
		return AGENT_EXIT_USAGE_GREP;
	}
	if (run.report) {
		/* the outbox spools what Redis does not take now; replay's flush below */
		agent->mode = "scan";
		if (agent_open_outbox(agent))
			return AGENT_EXIT_USAGE_GREP;
		agent_send_heartbeat(agent, "running");
	}
	if (agent_load_rules(agent))
		return AGENT_EXIT_USAGE_GREP;
	run.scan = rules_scan_new(agent->rules);
	if (!run.scan) {
		log_error("scan", "cannot start scanning: %s", strerror(errno));
		return AGENT_EXIT_USAGE_GREP;
	}
	for (int i = optind; i < argc && !*agent->stop; i++) {
		struct stat st;
		size_t rel_off = 0;

		/* score lines name files relative to the directory given, as labels.jsonl does */
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rel_off = strlen(argv[i]) + (argv[i][strlen(argv[i]) - 1] == '/' ? 0 : 1);
		walk(&run, argv[i], rel_off, 0);
	}
	if (run.progress && run.last_progress)
		fputc('\n', stderr);
	rules_scan_free(run.scan);
	/* what was not seen whole matters as much as what was found */
	if (run.incomplete)
		log_warn("scan", "%llu of %llu files not inspected whole (partial or encrypted)",
			 (unsigned long long)run.incomplete, (unsigned long long)run.files);
	if (run.report) {
		agent_send_heartbeat(agent, "stopped");
		log_info("scan", "%llu copies at rest reported to the collector%s",
			 (unsigned long long)run.reported,
			 run.report_failed ? ", some refused" : "");
		if (agent_flush_outbox(agent, 30000) || run.report_failed)
			run.errors++;
	}
	if (run.errors)
		return AGENT_EXIT_USAGE_GREP;
	return run.found ? AGENT_EXIT_OK : AGENT_EXIT_ERROR;
}
