// SPDX-License-Identifier: GPL-2.0-only
/*
 * Key files and the MACs made with them (see include/raqib/keys.h). HMAC-SHA256 comes from
 * OpenSSL's EVP_MAC interface (OpenSSL 3); random keys from getrandom().
 */
#include "raqib/keys.h"
#include "raqib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define LABEL_ALERT	"raqib-alert-v2"
#define LABEL_HEARTBEAT "raqib-heartbeat-v1"
#define LABEL_STORE	"raqib-store-value-v1"
#define LABEL_VALUE    "raqib-value-v1"
#define LABEL_PASSWORD "raqib-redis-password-v1"
#define LABEL_KEY_ID   "raqib-key-id-v1"
#define KEY_HEX_BYTES  ((size_t)2 * RAQIB_KEY_BYTES)

bool raqib_agent_id_is_valid(const char *id, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

const char *raqib_keys_dir(const char *dir)
{
	const char *env;

	if (dir && *dir)
		return dir;
	env = getenv(RAQIB_KEYS_ENV); /* NOLINT(concurrency-mt-unsafe): read before threads */
	return env && *env ? env : RAQIB_KEYS_DIR_DEFAULT;
}

int raqib_agent_key_path(const char *dir, const char *agent_id, char *out, size_t out_len)
{
	int n = snprintf(out, out_len, "%s/%s.key", dir, agent_id);

	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

int raqib_deployment_key_path(const char *dir, char *out, size_t out_len)
{
	int n = snprintf(out, out_len, "%s/%s", dir, RAQIB_DEPLOYMENT_KEY_FILE);

	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

int raqib_collector_key_path(const char *dir, char *out, size_t out_len)
{
	int n = snprintf(out, out_len, "%s/%s", dir, RAQIB_COLLECTOR_KEY_FILE);

	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

static void to_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int raqib_key_load(const char *path, struct raqib_key *key, char *err, size_t err_len)
{
	char text[KEY_HEX_BYTES + 3];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot open key '%s': %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot stat key '%s': %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(
			err, err_len,
			"key '%s' is not a regular file only its owner can read (mode %04o): chmod 600 it",
			path, (unsigned)(st.st_mode & 07777));
		ret = -EPERM;
		goto out_close;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot read key '%s': %s", path, strerror(errno));
		goto out_close;
	}
	/* 64 hex digits, then nothing or one newline */
	if ((size_t)n < KEY_HEX_BYTES || (size_t)n > KEY_HEX_BYTES + 1 ||
	    ((size_t)n == KEY_HEX_BYTES + 1 && text[KEY_HEX_BYTES] != '\n')) {
		snprintf(err, err_len, "key '%s' is not 64 hex digits", path);
		ret = -EINVAL;
		goto out_wipe;
	}
	for (size_t i = 0; i < RAQIB_KEY_BYTES; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)text[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, err_len, "key '%s' is not 64 hex digits", path);
			ret = -EINVAL;
			goto out_wipe;
		}
		key->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
out_wipe:
	explicit_bzero(text, sizeof(text));
	if (ret)
		raqib_key_wipe(key);
out_close:
	close(fd);
	return ret;
}

int raqib_key_create(const char *path, struct raqib_key *key, char *err, size_t err_len)
{
	char text[KEY_HEX_BYTES + 2];
	int fd, ret = 0;

	ret = raqib_make_parent_dirs(path);
	if (ret) {
		snprintf(err, err_len, "cannot create the directory of key '%s': %s", path,
			 strerror(-ret));
		return ret;
	}
	if (getrandom(key->bytes, sizeof(key->bytes), 0) != (ssize_t)sizeof(key->bytes)) {
		ret = -errno;
		snprintf(err, err_len, "cannot make key '%s': no randomness: %s", path,
			 strerror(errno));
		return ret;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot create key '%s': %s", path, strerror(errno));
		goto out_wipe;
	}
	to_hex(key->bytes, sizeof(key->bytes), text);
	text[KEY_HEX_BYTES] = '\n';
	if (write(fd, text, KEY_HEX_BYTES + 1) != (ssize_t)KEY_HEX_BYTES + 1 || fsync(fd) < 0) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_len, "cannot write key '%s': %s", path, strerror(-ret));
		unlink(path);
	}
	close(fd);
out_wipe:
	explicit_bzero(text, sizeof(text));
	if (ret)
		raqib_key_wipe(key);
	return ret;
}

int raqib_key_load_or_create(const char *path, struct raqib_key *key, bool *created, char *err,
			     size_t err_len)
{
	int ret = raqib_key_load(path, key, err, err_len);

	*created = false;
	if (ret != -ENOENT)
		return ret;
	ret = raqib_key_create(path, key, err, err_len);
	/* another process created it between the two calls: read theirs */
	if (ret == -EEXIST)
		return raqib_key_load(path, key, err, err_len);
	*created = ret == 0;
	return ret;
}

void raqib_key_wipe(struct raqib_key *key)
{
	explicit_bzero(key->bytes, sizeof(key->bytes));
}

/* The HMAC algorithm, fetched once: a fetch per MAC costs more than the MAC of an alert. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void fetch_hmac(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* HMAC-SHA256 over the concatenation of n parts, as hex. */
static int mac_parts(const struct raqib_key *key, const void *const *parts, const size_t *lens,
		     size_t n, char out[RAQIB_MAC_HEX_BYTES])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t mac[32];
	size_t mac_len = 0;
	EVP_MAC_CTX *ctx = NULL;
	int ret = -ENOMEM;

	pthread_once(&hmac_once, fetch_hmac);
	if (!hmac_alg)
		return -ENOMEM;
	ctx = EVP_MAC_CTX_new(hmac_alg);
	if (!ctx || !EVP_MAC_init(ctx, key->bytes, sizeof(key->bytes), params))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!EVP_MAC_update(ctx, parts[i], lens[i]))
			goto out;
	if (!EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) || mac_len != sizeof(mac))
		goto out;
	to_hex(mac, sizeof(mac), out);
	ret = 0;
out:
	explicit_bzero(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int raqib_alert_mac(const struct raqib_key *key, const char *agent_id, const char *epoch,
		    uint64_t sequence, const char *json, size_t json_len,
		    char out[RAQIB_MAC_HEX_BYTES])
{
	char seq[24];
	const void *parts[] = { LABEL_ALERT, "\n", agent_id, "\n", epoch, "\n", seq, "\n", json };
	size_t lens[] = {
		sizeof(LABEL_ALERT) - 1, 1, strlen(agent_id), 1, strlen(epoch), 1, 0, 1, json_len
	};

	lens[6] = (size_t)snprintf(seq, sizeof(seq), "%" PRIu64, sequence);
	return mac_parts(key, parts, lens, 9, out);
}

int raqib_heartbeat_mac(const struct raqib_key *key, const char *agent_id, const char *json,
			size_t json_len, char out[RAQIB_MAC_HEX_BYTES])
{
	const void *parts[] = { LABEL_HEARTBEAT, "\n", agent_id, "\n", json };
	size_t lens[] = { sizeof(LABEL_HEARTBEAT) - 1, 1, strlen(agent_id), 1, json_len };

	return mac_parts(key, parts, lens, 5, out);
}

int raqib_store_hash(const struct raqib_key *collector_key, const char *type,
		     const char *agent_hash, char out[RAQIB_MAC_HEX_BYTES])
{
	const void *parts[] = { LABEL_STORE, "\n", type, "\n", agent_hash };
	size_t lens[] = { sizeof(LABEL_STORE) - 1, 1, strlen(type), 1, strlen(agent_hash) };

	return mac_parts(collector_key, parts, lens, 5, out);
}

int raqib_value_hash(const struct raqib_key *key, const char *type, const char *value,
		     char out[RAQIB_MAC_HEX_BYTES])
{
	const void *parts[] = { LABEL_VALUE, "\n", type, "\n", value };
	size_t lens[] = { sizeof(LABEL_VALUE) - 1, 1, strlen(type), 1, strlen(value) };

	return mac_parts(key, parts, lens, 5, out);
}

int raqib_redis_password(const struct raqib_key *key, char out[RAQIB_MAC_HEX_BYTES])
{
	const void *parts[] = { LABEL_PASSWORD };
	size_t lens[] = { sizeof(LABEL_PASSWORD) - 1 };

	return mac_parts(key, parts, lens, 1, out);
}

void raqib_key_id(const struct raqib_key *key, char out[RAQIB_KEY_ID_HEX_BYTES])
{
	const void *parts[] = { LABEL_KEY_ID };
	size_t lens[] = { sizeof(LABEL_KEY_ID) - 1 };
	char mac[RAQIB_MAC_HEX_BYTES];

	if (mac_parts(key, parts, lens, 1, mac)) {
		snprintf(out, RAQIB_KEY_ID_HEX_BYTES, "%s", "unknown");
		return;
	}
	memcpy(out, mac, RAQIB_KEY_ID_HEX_BYTES - 1);
	out[RAQIB_KEY_ID_HEX_BYTES - 1] = '\0';
}

bool raqib_mac_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}
