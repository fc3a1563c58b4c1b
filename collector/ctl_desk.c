// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl's desk commands (see ctl.h): token-add, token-list, token-revoke (who may use the
 * desk, and as what), audit (the hash-chained audit log: list, verify), export (an incident's
 * case report).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit_log.h"
#include "case_report.h"
#include "desk_auth.h"
#include "raqib/keys.h"
#include "raqib/log.h"
#include "store.h"
#include "store_query.h"
#include "term_text.h"

enum {
	O_ROLE = 1000,
	O_JSON,
	O_LIMIT,
	O_INCIDENT,
	O_ANCHOR,
	O_LANG,
	O_OUTPUT,
	O_PDF
};

/* token-add NAME --role ROLE: the token printed once on stdout; its digest kept. */
int ctl_token_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ NULL, 0, NULL, 0 },
	};
	enum desk_role role = DESK_ROLE_NONE;
	char token[DESK_TOKEN_HEX + 1], err[512];
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != O_ROLE)
			return CTL_EXIT_USAGE;
		role = desk_role_parse(optarg);
		if (role == DESK_ROLE_NONE) {
			log_error(
				"ctl",
				"invalid --role '%s': viewer, analyst, investigator or administrator",
				optarg);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !raqib_agent_id_is_valid(argv[optind], strlen(argv[optind])) ||
	    role == DESK_ROLE_NONE) {
		log_error(
			"ctl",
			"token-add: expected a name (1 to 64 letters, digits, '.', '-', '_') and --role viewer|analyst|investigator|administrator");
		return CTL_EXIT_USAGE;
	}
	if (desk_auth_add(ctl->keys_dir, argv[optind], role, token, err, sizeof(err))) {
		log_error("ctl", "token-add: %s", err);
		return CTL_EXIT_ERROR;
	}
	printf("%s\n", token);
	explicit_bzero(token, sizeof(token));
	fprintf(stderr,
		"raqibctl: '%s' may now use the desk as %s. The token above is shown once: give it to\n"
		"raqibctl: them to paste into the desk's sign-in page (or keep in a file only they can\n"
		"raqibctl: read). raqibctl token-revoke %s takes it back.\n",
		argv[optind], desk_role_name(role), argv[optind]);
	return CTL_EXIT_OK;
}

static int print_user(void *ctx, const struct desk_user *u)
{
	(void)ctx;
	printf("%-32s %s\n", u->name, desk_role_name(u->role));
	return 0;
}

int ctl_token_list(struct ctl *ctl, int argc, char **argv)
{
	int n;

	(void)argv;
	if (argc != 1) {
		log_error("ctl", "token-list takes no argument");
		return CTL_EXIT_USAGE;
	}
	printf("%-32s %s\n", "NAME", "ROLE");
	n = desk_auth_list(ctl->keys_dir, print_user, NULL);
	if (n < 0)
		return CTL_EXIT_ERROR;
	if (n == 0)
		printf("no token: raqibctl token-add NAME --role ROLE makes one\n");
	return CTL_EXIT_OK;
}

int ctl_token_revoke(struct ctl *ctl, int argc, char **argv)
{
	char err[512];
	int n;

	if (argc != 2 || !raqib_agent_id_is_valid(argv[1], strlen(argv[1]))) {
		log_error("ctl", "token-revoke: expected one name");
		return CTL_EXIT_USAGE;
	}
	n = desk_auth_revoke(ctl->keys_dir, argv[1], err, sizeof(err));
	if (n < 0) {
		log_error("ctl", "token-revoke: %s", err);
		return CTL_EXIT_ERROR;
	}
	if (n == 0) {
		log_error(
			"ctl",
			"no token of '%s' in the tokens file (investigator-add tokens live in the investigators file)",
			argv[1]);
		return CTL_EXIT_ERROR;
	}
	printf("%d token%s of '%s' revoked\n", n, n == 1 ? "" : "s", argv[1]);
	return CTL_EXIT_OK;
}

struct audit_print {
	bool json;
	bool header_done;
};

static void field_text(const struct stream_field *f, size_t n, const char *name, char *out,
		       size_t len)
{
	const struct stream_field *x = ingest_find_field(f, n, name);

	snprintf(out, len, "%.*s", x ? (int)x->value_len : 1, x ? x->value : "-");
	term_text_clean(out);
}

static int print_audit(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	struct audit_print *p = ctx;
	char when[24], who[80], action[24], what[256], ts[24], peer[64];
	time_t secs;
	struct tm tm;

	if (p->json) {
		json_t *o = audit_entry_json(id, f, n);

		if (o) {
			json_dumpf(o, stdout, JSON_COMPACT);
			fputc('\n', stdout);
		}
		json_decref(o);
		return 0;
	}
	if (!p->header_done) {
		printf("%-19s %-16s %-10s %-16s %s\n", "TIME (UTC)", "WHO", "ACTION", "FROM",
		       "WHAT");
		p->header_done = true;
	}
	field_text(f, n, "ts", ts, sizeof(ts));
	secs = (time_t)(strtoll(ts, NULL, 10) / 1000);
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	field_text(f, n, "who", who, sizeof(who));
	field_text(f, n, "action", action, sizeof(action));
	field_text(f, n, "peer", peer, sizeof(peer));
	if (strcmp(peer, "-") == 0)
		field_text(f, n, "via", peer, sizeof(peer));
	what[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		static const char *const skip[] = { "ts",  "who",  "action", "peer",
						    "via", "prev", "hash" };
		bool skipped = false;
		size_t used = strlen(what);

		for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
			skipped |= f[i].name_len == strlen(skip[k]) &&
				   memcmp(f[i].name, skip[k], f[i].name_len) == 0;
		if (!skipped && used + 2 < sizeof(what))
			snprintf(what + used, sizeof(what) - used, "%s%.*s=%.*s", used ? " " : "",
				 (int)f[i].name_len, f[i].name, (int)f[i].value_len, f[i].value);
	}
	term_text_clean(what);
	printf("%-19s %-16s %-10s %-16s %s\n", when, who, action, peer, what);
	return 0;
}

/* "N:HASH" into the check's anchor. */
static int parse_anchor(const char *text, struct audit_check *c)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || *end != ':' || n == 0 || strlen(end + 1) != 64 ||
	    strspn(end + 1, "0123456789abcdef") != 64)
		return -EINVAL;
	c->anchor_entries = n;
	snprintf(c->anchor_hash, sizeof(c->anchor_hash), "%s", end + 1);
	return 0;
}

/* Reads an anchor file ("N:HASH" on its first line); -ENOENT when none yet. */
static int read_anchor(const char *path, struct audit_check *c)
{
	char line[128];
	FILE *f = fopen(path, "re");
	int rc;

	if (!f)
		return errno == ENOENT ? -ENOENT : -EIO;
	rc = fgets(line, sizeof(line), f) ? 0 : -EINVAL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return rc ? rc : parse_anchor(line, c);
}

static int write_anchor(const char *path, const struct audit_check *c)
{
	char tmp[4096 + 8];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fprintf(f, "%" PRIu64 ":%s\n", c->entries, c->head);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int audit_verify_cmd(struct ctl *ctl, const char *anchor_file, bool json)
{
	struct audit_check c = { 0 };
	int arc = -ENOENT;

	if (anchor_file) {
		arc = read_anchor(anchor_file, &c);
		if (arc && arc != -ENOENT) {
			log_error("ctl", "cannot read the anchor file '%s' (expected N:SHA256)",
				  anchor_file);
			return CTL_EXIT_ERROR;
		}
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	if (audit_verify(store_redis(ctl->store), &c)) {
		log_error("ctl", "cannot read the audit log: %s", store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	if (!c.broken && arc == 0 && !c.anchor_found) {
		c.broken = true;
		snprintf(
			c.reason, sizeof(c.reason),
			"entry %" PRIu64
			" no longer has the anchored hash: the log was cut or rewritten since the anchor",
			c.anchor_entries);
	}
	if (json) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:s, s:s, s:s}", "intact", !c.broken,
				      "entries", (json_int_t)c.entries, "unchained",
				      (json_int_t)c.unchained, "head", c.head, "head_id", c.head_id,
				      "bad_id", c.bad_id, "reason", c.reason);

		if (o) {
			json_dumpf(o, stdout, JSON_COMPACT);
			fputc('\n', stdout);
		}
		json_decref(o);
	} else if (c.broken) {
		printf("audit log BROKEN at entry %s: %s\n", c.bad_id[0] ? c.bad_id : "-",
		       c.reason);
	} else {
		printf("audit log intact: %" PRIu64 " entries", c.entries);
		if (c.unchained)
			printf(" (%" PRIu64 " older ones written before the chain began)",
			       c.unchained);
		printf(", head %s%s%s\n", c.head[0] ? c.head : "(empty)",
		       c.head_id[0] ? " at " : "", c.head_id);
		if (arc == 0)
			printf("anchor found: entry %" PRIu64 " still has the hash recorded\n",
			       c.anchor_entries);
	}
	if (!c.broken && anchor_file && c.entries) {
		if (write_anchor(anchor_file, &c)) {
			log_error("ctl", "cannot write the anchor file '%s'", anchor_file);
			return CTL_EXIT_ERROR;
		}
	}
	return c.broken ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

/* audit verify [--anchor FILE] [--json] | audit [list] [--incident ID] [--limit N] [--json] */
int ctl_audit(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "incident", required_argument, NULL, O_INCIDENT },
		{ "anchor", required_argument, NULL, O_ANCHOR },
		{ NULL, 0, NULL, 0 },
	};
	const char *incident = NULL, *anchor = NULL, *sub = "list";
	struct audit_print p = { 0 };
	char cursor[AUDIT_ID_MAX] = "";
	size_t limit = 50;
	int opt, n;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", options, NULL)) != -1) {
		switch (opt) {
		case O_JSON:
			p.json = true;
			break;
		case 'n':
		case O_LIMIT:
			if (ctl_parse_limit(optarg, &limit))
				return CTL_EXIT_USAGE;
			break;
		case O_INCIDENT:
			incident = optarg;
			break;
		case O_ANCHOR:
			anchor = optarg;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (optind != argc || (strcmp(sub, "list") != 0 && strcmp(sub, "verify") != 0)) {
		log_error("ctl", "audit: expected 'list' or 'verify' (see raqibctl --help)");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(sub, "verify") == 0)
		return audit_verify_cmd(ctl, anchor, p.json);
	if (anchor) {
		log_error("ctl", "audit list: --anchor goes with verify");
		return CTL_EXIT_USAGE;
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = audit_list(store_redis(ctl->store), incident ? "incident" : NULL, incident, limit,
		       1000000, cursor, print_audit, &p);
	if (n < 0) {
		log_error("ctl", "cannot read the audit log: %s", store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	if (n == 0 && !p.json)
		printf("no audit entry%s\n", incident ? " for this incident" : "");
	return CTL_EXIT_OK;
}

static int incident_exists(void *ctx, const char *id, const struct stream_field *f, size_t n)
{
	(void)ctx;
	(void)id;
	(void)f;
	(void)n;
	return 0;
}

int ctl_audit_incident(struct ctl *ctl, const char *action, const char *incident)
{
	char ts[24];
	const struct audit_field fields[] = {
		{ "action", action },  { "who", ctl_who() }, { "incident", incident },
		{ "via", "raqibctl" }, { "ts", ts },
	};
	int rc;

	if (!ctl_store(ctl))
		return -EIO;
	rc = store_query_incident(ctl->store, incident, incident_exists, NULL);
	if (rc)
		return rc;
	snprintf(ts, sizeof(ts), "%lld", ctl_now_ms());
	return audit_append(store_redis(ctl->store), fields, sizeof(fields) / sizeof(fields[0]));
}

/* Prints the report to PDF with the browser (chromium --headless --print-to-pdf). */
static int print_pdf(const char *html, const char *pdf)
{
	char abs_html[4096], arg_pdf[4200], url[4200];
	pid_t pid;
	int status;

	if (!realpath(html, abs_html)) {
		log_error("ctl", "cannot find '%s': %s", html, strerror(errno));
		return -EIO;
	}
	snprintf(arg_pdf, sizeof(arg_pdf), "--print-to-pdf=%s", pdf);
	snprintf(url, sizeof(url), "file://%s", abs_html);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* the report loads nothing: no network, no extensions, a throw-away profile */
		char *args[] = { "chromium",
				 "--headless",
				 "--no-sandbox",
				 "--disable-gpu",
				 "--no-pdf-header-footer",
				 "--disable-extensions",
				 "--proxy-server=127.0.0.1:9",
				 arg_pdf,
				 url,
				 NULL };
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp("chromium", args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		log_error("ctl", "chromium could not print '%s' to PDF%s", html,
			  WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
				  ": chromium is not installed (apt-get install chromium)" :
				  "");
		return -EIO;
	}
	if (access(pdf, R_OK)) {
		log_error("ctl", "chromium wrote no PDF '%s'", pdf);
		return -EIO;
	}
	return 0;
}

/* export ID [--lang ar|fr|en] [-o FILE] [--pdf FILE]: the case report, audited. */
int ctl_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "lang", required_argument, NULL, O_LANG },
		{ "output", required_argument, NULL, 'o' },
		{ "pdf", required_argument, NULL, O_PDF },
		{ NULL, 0, NULL, 0 },
	};
	const char *lang = "en", *output = NULL, *pdf = NULL;
	char name[160];
	struct case_report_opts o;
	char *html = NULL;
	size_t len = 0;
	FILE *out;
	int opt, rc, ret = CTL_EXIT_ERROR;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		switch (opt) {
		case O_LANG:
			if (strcmp(optarg, "ar") && strcmp(optarg, "fr") && strcmp(optarg, "en")) {
				log_error("ctl", "invalid --lang '%s': ar, fr or en", optarg);
				return CTL_EXIT_USAGE;
			}
			lang = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case O_PDF:
			pdf = optarg;
			break;
		default:
			return CTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		log_error("ctl", "export: expected one incident id (raqibctl incidents)");
		return CTL_EXIT_USAGE;
	}
	o = (struct case_report_opts){ .incident = argv[optind],
				       .who = ctl_who(),
				       .lang = lang,
				       .now_ms = ctl_now_ms(),
				       .via = "raqibctl" };
	case_report_file_name(o.incident, name, sizeof(name));
	if (!output)
		output = name;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	rc = ctl_audit_incident(ctl, "export", o.incident);
	if (rc == -ENOENT || rc == -EINVAL) {
		log_error("ctl", "no incident '%s'", o.incident);
		return CTL_EXIT_ERROR;
	}
	if (rc) {
		log_error("ctl", "cannot write the audit log: nothing exported");
		return CTL_EXIT_ERROR;
	}
	rc = case_report_html(ctl->store, &o, &html, &len);
	if (rc) {
		log_error("ctl", "cannot build the report of '%s': %s", o.incident,
			  rc == -ENOENT ? "no such incident" : "redis error");
		return CTL_EXIT_ERROR;
	}
	out = strcmp(output, "-") == 0 ? stdout : fopen(output, "we");
	if (!out || fwrite(html, 1, len, out) != len || (out != stdout && fclose(out))) {
		log_error("ctl", "cannot write '%s': %s", output, strerror(errno));
		goto out;
	}
	if (out != stdout)
		fprintf(stderr, "raqibctl: case report of %s written to %s\n", o.incident, output);
	if (pdf) {
		if (strcmp(output, "-") == 0) {
			log_error("ctl", "--pdf needs the HTML in a file (-o FILE)");
			goto out;
		}
		if (print_pdf(output, pdf))
			goto out;
		fprintf(stderr, "raqibctl: PDF written to %s\n", pdf);
	}
	ret = CTL_EXIT_OK;
out:
	free(html);
	return ret;
}
