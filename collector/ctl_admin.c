// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl's administration commands (see ctl.h): agents, agent-add, investigator-add,
 * dead-letters (and their replay).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "agent_acl.h"
#include "agent_view.h"
#include "find_api.h"
#include "raqib/fsutil.h"
#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/log.h"
#include "raqib/schema.h"
#include "store_query.h"

enum {
	O_JSON = 1000,
	O_SITE,
	O_LIMIT,
	O_REASON
};

struct list_ctx {
	bool json;
	bool header_done;
};

static int print_agent(void *ctx, const char *site, const char *id, const struct stream_field *hb,
		       size_t n_hb, const struct stream_field *seq, size_t n_seq)
{
	struct list_ctx *l = ctx;
	struct agent_row row;
	json_t *doc;

	if (l->json) {
		doc = agent_view_json(id, hb, n_hb, seq, n_seq, ctl_now_ms());
		if (doc)
			json_object_set_new(doc, "site", json_string(site));
		if (!doc || json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS)) {
			json_decref(doc);
			return -ENOMEM;
		}
		fputc('\n', stdout);
		json_decref(doc);
		return 0;
	}
	if (!l->header_done) {
		agent_view_print_header(stdout);
		l->header_done = true;
	}
	agent_view_row(id, hb, n_hb, seq, n_seq, ctl_now_ms(), &row);
	agent_view_print_row(stdout, &row);
	return 0;
}

int ctl_agents(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, O_JSON },
						 { NULL, 0, NULL, 0 } };
	struct list_ctx l = { 0 };
	int opt, n;

	optind = 0; /* glibc: start again, argv permuted afresh */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != O_JSON)
			return CTL_EXIT_USAGE;
		l.json = true;
	}
	if (optind != argc)
		return CTL_EXIT_USAGE;
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_query_agents(ctl->store, print_agent, &l);
	if (n < 0) {
		log_error("ctl", "cannot list the agents: %s", store_error(ctl->store));
		return CTL_EXIT_ERROR;
	}
	if (n == 0 && !l.json)
		printf("no agents enrolled (raqibctl agent-add)\n");
	return CTL_EXIT_OK;
}

/*
 * agent-add: the agent's key (made unless it exists), the deployment key (likewise), and the
 * Redis commands on stdout, so that they can be piped into redis-cli; what to do next on
 * stderr.
 */
int ctl_agent_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = { { "site", required_argument, NULL, O_SITE },
						 { NULL, 0, NULL, 0 } };
	const char *dir = raqib_keys_dir(ctl->keys_dir), *site = RAQIB_SITE_DEFAULT, *id;
	char path[4096], dpath[4096], err[512], password[RAQIB_MAC_HEX_BYTES], line[1024], reg[512];
	struct raqib_key key, dkey;
	bool created, dcreated;
	int opt, ret = CTL_EXIT_ERROR;

	optind = 0; /* glibc: start again, argv permuted afresh */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != O_SITE)
			return CTL_EXIT_USAGE;
		site = optarg;
	}
	if (optind + 1 != argc) {
		log_error("ctl", "wrong arguments for 'agent-add': expected one agent id");
		return CTL_EXIT_USAGE;
	}
	id = argv[optind];
	if (!raqib_agent_id_is_valid(id, strlen(id))) {
		log_error("ctl",
			  "invalid agent id '%.64s': use 1 to 64 letters, digits, '.', '-' or '_'",
			  id);
		return CTL_EXIT_USAGE;
	}
	if (!raqib_site_is_valid(site, strlen(site))) {
		log_error("ctl",
			  "invalid site '%.32s': use 1 to 32 letters, digits, '.', '-' or '_'",
			  site);
		return CTL_EXIT_USAGE;
	}
	if (raqib_agent_key_path(dir, id, path, sizeof(path)) ||
	    raqib_deployment_key_path(dir, dpath, sizeof(dpath))) {
		log_error("ctl", "keys directory '%s': name too long", dir);
		return CTL_EXIT_ERROR;
	}
	if (raqib_key_load_or_create(path, &key, &created, err, sizeof(err)) ||
	    raqib_key_load_or_create(dpath, &dkey, &dcreated, err, sizeof(err))) {
		log_error("ctl", "%s", err);
		raqib_key_wipe(&key);
		return CTL_EXIT_ERROR;
	}
	raqib_key_wipe(&dkey);
	if (raqib_redis_password(&key, password) ||
	    agent_acl_setuser(id, site, password, line, sizeof(line)) ||
	    agent_acl_registry(id, site, reg, sizeof(reg))) {
		log_error("ctl", "cannot make the enrolment commands of agent '%s'", id);
		goto out;
	}
	printf("%s\n%s\n", line, reg);
	fprintf(stderr,
		"raqibctl: agent '%s' of site '%s': key %s %s; deployment key %s %s.\n"
		"raqibctl: copy both to the agent's keys directory (mode 0600, owner root), run the\n"
		"raqibctl: commands above as a Redis administrator, and start the agent with\n"
		"raqibctl: --agent-id %s --site %s. See docs/deployment.md.\n",
		id, site, path, created ? "created" : "exists", dpath,
		dcreated ? "created" : "exists", id, site);
	ret = CTL_EXIT_OK;
out:
	explicit_bzero(password, sizeof(password));
	explicit_bzero(line, sizeof(line));
	raqib_key_wipe(&key);
	return ret;
}

/*
 * investigator-add NAME: a random token, printed once on stdout; its SHA-256 appended to
 * <keys>/investigators, which the collector reads for each search. The token signs nothing and
 * opens nothing else: an investigator cannot forge alerts or read Redis with it.
 */
int ctl_investigator_add(struct ctl *ctl, int argc, char **argv)
{
	const char *dir = raqib_keys_dir(ctl->keys_dir);
	unsigned char raw[32], md[32];
	char token[65], digest[65], path[4096 + 32], line[256];
	unsigned md_len = 0;
	int fd, ret = CTL_EXIT_ERROR;

	if (argc != 2 || !raqib_agent_id_is_valid(argv[1], strlen(argv[1]))) {
		log_error(
			"ctl",
			"investigator-add: expected one name of 1 to 64 letters, digits, '.', '-' or '_'");
		return CTL_EXIT_USAGE;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_error("ctl", "no randomness: %s", strerror(errno));
		return CTL_EXIT_ERROR;
	}
	for (int i = 0; i < 32; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	EVP_Digest(token, 64, md, &md_len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(digest + 2 * i, 3, "%02x", md[i]);
	snprintf(path, sizeof(path), "%s/%s", dir, FIND_INVESTIGATORS_FILE);
	if (raqib_make_parent_dirs(path)) {
		log_error("ctl", "cannot create the keys directory '%s'", dir);
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	snprintf(line, sizeof(line), "%s %s\n", argv[1], digest);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd)) {
		log_error("ctl", "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	printf("%s\n", token);
	fprintf(stderr,
		"raqibctl: investigator '%s' added to %s. The token above is shown once: give it to\n"
		"raqibctl: them to keep in a file only they can read (raqibctl find --token-file).\n",
		argv[1], path);
	ret = CTL_EXIT_OK;
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(token, sizeof(token));
	return ret;
}

static int print_dead(void *ctx, const char *site, const char *id, const struct stream_field *f,
		      size_t n)
{
	struct list_ctx *l = ctx;
	const struct stream_field *code = ingest_find_field(f, n, "code");
	const struct stream_field *reason = ingest_find_field(f, n, "reason");
	const struct stream_field *agent = ingest_find_field(f, n, "f.agent");

	if (l->json) {
		json_t *doc = json_pack("{s:s, s:s, s:s%, s:s%, s:s%}", "site", site, "id", id,
					"code", code ? code->value : "", code ? code->value_len : 0,
					"reason", reason ? reason->value : "",
					reason ? reason->value_len : 0, "agent",
					agent ? agent->value : "", agent ? agent->value_len : 0);

		if (doc) {
			json_dumpf(doc, stdout, JSON_COMPACT);
			fputc('\n', stdout);
		}
		json_decref(doc);
		return 0;
	}
	if (!l->header_done) {
		printf("%-12s %-22s %-16s %-15s %s\n", "SITE", "ID", "AGENT", "CODE", "REASON");
		l->header_done = true;
	}
	printf("%-12s %-22s %-16.*s %-15.*s %.*s\n", site, id, agent ? (int)agent->value_len : 1,
	       agent ? agent->value : "-", code ? (int)code->value_len : 1,
	       code ? code->value : "-", reason ? (int)reason->value_len : 1,
	       reason ? reason->value : "-");
	return 0;
}

int ctl_dead_letters(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, O_JSON },
						 { "limit", required_argument, NULL, O_LIMIT },
						 { "reason", required_argument, NULL, O_REASON },
						 { NULL, 0, NULL, 0 } };
	struct list_ctx l = { 0 };
	const char *reason = NULL;
	size_t limit = 50;
	long long n;
	int opt;

	optind = 0; /* glibc: start again, argv permuted afresh */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == O_JSON)
			l.json = true;
		else if (opt == O_LIMIT && !ctl_parse_limit(optarg, &limit))
			continue;
		else if (opt == O_REASON)
			reason = optarg;
		else
			return CTL_EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "replay") == 0 && optind + 1 == argc) {
		if (!ctl_store(ctl))
			return CTL_EXIT_ERROR;
		n = store_dead_replay(ctl->store, reason, ctl_who(), ctl_now_ms());
		if (n < 0) {
			log_error("ctl", "cannot replay the dead letters: %s",
				  store_error(ctl->store));
			return CTL_EXIT_ERROR;
		}
		printf("%lld dead letters sent again to their streams; the collector reads them now\n",
		       n);
		return CTL_EXIT_OK;
	}
	if (optind != argc) {
		log_error("ctl", "dead-letters: unknown argument '%s' (replay?)", argv[optind]);
		return CTL_EXIT_USAGE;
	}
	if (!ctl_store(ctl))
		return CTL_EXIT_ERROR;
	n = store_query_dead(ctl->store, limit, print_dead, &l);
	if (n < 0) {
		log_error("ctl", "cannot list the dead letters");
		return CTL_EXIT_ERROR;
	}
	if (n == 0 && !l.json)
		printf("no dead letters\n");
	return CTL_EXIT_OK;
}
