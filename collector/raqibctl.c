// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl: the command line for analysts, investigators and administrators. Commands:
 *
 *   alerts [--limit N] [--json]   the most recent stored alerts, as a table or JSON lines
 *
 * See docs/man/raqibctl.1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "alert_view.h"
#include "store.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2
#define REDIS_TIMEOUT_MS 3000

static const char usage_text[] =
	"Usage: raqibctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Reads what the raqib collector stored in Redis.\n"
	"\n"
	"Commands:\n"
	"  alerts               list the most recent alerts, newest first\n"
	"\n"
	"Options:\n"
	"  -r, --redis HOST:PORT   Redis the collector stores into (default: $RAQIB_REDIS, else\n"
	"                          127.0.0.1:6379)\n"
	"  -n, --limit N           alerts: show at most N alerts (default: 20)\n"
	"      --json              alerts: print each alert document as one JSON line\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  raqibctl alerts\n"
	"  raqibctl --redis 10.0.0.5:6379 alerts --limit 100\n"
	"  raqibctl alerts --json | jq -r '.file.path'\n"
	"\n"
	"Exit status: 0 on success, 1 on an error (Redis unreachable), 2 on a usage error.\n";

struct list_ctx {
	bool json;
	bool header_done;
};

static int print_alert(void *ctx, const char *json, size_t len)
{
	struct list_ctx *l = ctx;
	struct alert_row row;

	if (l->json) {
		fwrite(json, 1, len, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (alert_view_row(json, len, &row))
		return 0;
	if (!l->header_done) {
		alert_view_print_header(stdout);
		l->header_done = true;
	}
	alert_view_print_row(stdout, &row);
	return 0;
}

static int parse_limit(const char *text, size_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 100000)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "redis", required_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct raqib_redis_addr addr;
	struct list_ctx list = { 0 };
	const char *redis = NULL, *source;
	size_t limit = 20;
	struct store *store;
	char err[512];
	int opt, n;

	log_init("raqibctl", RAQIB_LOG_INFO);
	while ((opt = getopt_long(argc, argv, "r:n:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			redis = optarg;
			break;
		case 'n':
			if (parse_limit(optarg, &limit)) {
				log_error("ctl", "invalid --limit '%s': expected 1 to 100000", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'J':
			list.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("raqibctl %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqibctl --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		log_error("ctl", "no command given (alerts)");
		fputs("Try 'raqibctl --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "alerts") != 0 || optind + 1 != argc) {
		log_error("ctl", "unknown command '%s' (alerts)", argv[optind]);
		return EXIT_USAGE;
	}
	if (raqib_redis_addr_select(redis, &addr, &source)) {
		log_error("ctl", "invalid redis address from %s: expected HOST:PORT", source);
		return EXIT_USAGE;
	}
	store = store_connect(&addr, REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!store) {
		log_error("ctl", "%s", err);
		return 1;
	}
	n = store_list_recent(store, limit, print_alert, &list);
	if (n < 0) {
		log_error("ctl", "cannot list alerts: %s", store_error(store));
		store_free(store);
		return 1;
	}
	if (n == 0 && !list.json)
		puts("no alerts stored");
	store_free(store);
	return 0;
}
