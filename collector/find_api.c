// SPDX-License-Identifier: GPL-2.0-only
/* Value search through the collector (see find_api.h). */
#include "find_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit_log.h"
#include "collector.h"
#include "keystore.h"
#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/log.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"
#include "store_query.h"
#include "value_search.h"

#define MAX_HASHES  16
#define MAX_RESULTS 1000
#define VALUE_MAX   256

struct find_api {
	struct collector *c;
	struct rules *rules;
	struct raqib_key deployment_key, collector_key;
	char investigators[4096 + 32];
	struct store *store; /* this thread's own connection */
};

struct find_api *find_api_new(struct collector *c, char *err, size_t err_len)
{
	struct find_api *f = calloc(1, sizeof(*f));
	const char *dir = raqib_keys_dir(c->cfg.keys_dir[0] ? c->cfg.keys_dir : NULL);
	struct rules_error rerr;
	char path[4096 + 32];
	bool created;

	if (!f) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	f->c = c;
	if (raqib_deployment_key_path(dir, path, sizeof(path)) ||
	    raqib_key_load(path, &f->deployment_key, err, err_len))
		goto err_free;
	if (raqib_collector_key_path(dir, path, sizeof(path)) ||
	    raqib_key_load_or_create(path, &f->collector_key, &created, err, err_len))
		goto err_free;
	snprintf(f->investigators, sizeof(f->investigators), "%s/%s", dir, FIND_INVESTIGATORS_FILE);
	f->rules = rules_new_builtin(&rerr);
	if (!f->rules) {
		snprintf(err, err_len, "cannot build the rules: %s", rerr.text);
		goto err_free;
	}
	return f;

err_free:
	find_api_free(f);
	return NULL;
}

void find_api_free(struct find_api *f)
{
	if (!f)
		return;
	raqib_key_wipe(&f->deployment_key);
	raqib_key_wipe(&f->collector_key);
	rules_free(f->rules);
	store_free(f->store);
	free(f);
}

/* The investigator whose token this is, into name; false when none. */
static bool authenticate(struct find_api *f, const char *authorization, char *name, size_t len)
{
	unsigned char md[32];
	char hex[65], line[512];
	unsigned md_len = 0;
	bool found = false;
	FILE *in;

	if (!authorization || strncmp(authorization, "Bearer ", 7) != 0 ||
	    strlen(authorization + 7) < 16)
		return false;
	EVP_Digest(authorization + 7, strlen(authorization + 7), md, &md_len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	in = fopen(f->investigators, "re");
	if (!in)
		return false;
	while (!found && fgets(line, sizeof(line), in)) {
		char who[128], digest[80];

		if (sscanf(line, "%127s %79s", who, digest) != 2 || strlen(digest) != 64)
			continue;
		if (CRYPTO_memcmp(digest, hex, 64) == 0) {
			snprintf(name, len, "%s", who);
			found = true;
		}
	}
	fclose(in);
	return found;
}

static struct store *connection(struct find_api *f)
{
	char err[256];

	if (!f->store)
		f->store = store_connect(&f->c->redis, 3000, err, sizeof(err));
	return f->store;
}

static long long waiting(struct collector *c)
{
	long long n = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_agents; i++)
		n += c->agents[i].lag > 0 ? c->agents[i].lag : 0;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static int add_alert(void *ctx, const char *ref, int64_t rx_ms, const char *json, size_t len)
{
	json_t *list = ctx, *doc = json_loadb(json, len, 0, NULL);

	(void)ref;
	(void)rx_ms;
	if (!doc)
		return 0;
	return json_array_append_new(list, doc) ? -ENOMEM : 0;
}

static void audit(struct find_api *f, const char *who, const char *peer, const char *type,
		  const char *hash, size_t found)
{
	char n[24], ts[24];
	const struct audit_field fields[] = {
		{ "action", "find" },	 { "who", who }, { "peer", peer }, { "type", type },
		{ "hash_prefix", hash }, { "found", n }, { "ts", ts },
	};

	snprintf(n, sizeof(n), "%zu", found);
	snprintf(ts, sizeof(ts), "%" PRId64, collector_now_ms(f->c));
	if (audit_append(store_redis(f->store), fields, sizeof(fields) / sizeof(fields[0])))
		log_warn("find", "cannot write the audit log: %s",
			 raqib_redis_error(store_redis(f->store)));
}

int find_api_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct find_api *f = ctx;
	char who[128];

	if (!authenticate(f, req->authorization, who, sizeof(who)))
		return http_reply_text(
			resp, 401, NULL,
			"an investigator token is needed (raqibctl investigator-add)\n");
	return find_api_search(f, who, req, resp);
}

int find_api_search(struct find_api *f, const char *who, const struct http_request *req,
		    struct http_response *resp)
{
	struct value_hash hashes[MAX_HASHES];
	char value[VALUE_MAX + 1], stored[RAQIB_MAC_HEX_BYTES];
	json_t *alerts = NULL, *answer;
	char *text;
	size_t total = 0;
	int n, rc = 0;

	if (req->body_len == 0 || req->body_len > VALUE_MAX)
		return http_reply_text(resp, 400, NULL, "the body is the value, 1 to 256 bytes\n");
	memcpy(value, req->body, req->body_len);
	value[req->body_len] = '\0';
	value[strcspn(value, "\r\n")] = '\0';
	n = value_search_hashes(f->rules, &f->deployment_key, value, hashes, MAX_HASHES);
	explicit_bzero(value, sizeof(value));
	if (n <= 0)
		return http_reply_text(
			resp, 422, NULL,
			"the value is not an identifier raqib detects (CIN, phone, RIB, IBAN, card, e-mail, CNSS, ICE, MASSAR, passport)\n");
	if (!connection(f))
		return http_reply_text(resp, 503, NULL,
				       "redis is not reachable: nothing was searched\n");
	alerts = json_array();
	if (!alerts) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n && !rc; i++) {
		long long got;

		if (raqib_store_hash(&f->collector_key, hashes[i].type, hashes[i].hash, stored)) {
			rc = -ENOMEM;
			break;
		}
		got = store_query_value(f->store, stored, MAX_RESULTS, add_alert, alerts);
		if (got < 0) {
			/* never "no alert" when a shard did not answer */
			store_free(f->store);
			f->store = NULL;
			rc = 1;
			break;
		}
		total += (size_t)got;
		stored[12] = '\0';
		audit(f, who, req->peer, hashes[i].type, stored, (size_t)got);
	}
	if (rc == 1) {
		rc = http_reply_text(
			resp, 503, NULL,
			"a shard did not answer: the search is incomplete, nothing is reported\n");
		goto out;
	}
	if (rc)
		goto out;
	answer = json_pack("{s:s, s:I, s:O, s:I}", "type", hashes[0].type, "total",
			   (json_int_t)total, "alerts", alerts, "waiting",
			   (json_int_t)waiting(f->c));
	text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	json_decref(answer);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = text;
	resp->body_len = strlen(text);
out:
	explicit_bzero(hashes, sizeof(hashes));
	explicit_bzero(stored, sizeof(stored));
	json_decref(alerts);
	return rc;
}
