// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules signing key (see include/raqib/rules_dist.h): an Ed25519 key pair from OpenSSL 3,
 * in PEM files (PKCS#8 for the private half), and the signatures of rule versions.
 */
#include "raqib/rules_dist.h"
#include "raqib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#define LABEL "raqib-rules-v1\n"

struct raqib_rules_key {
	EVP_PKEY *pkey;
	bool is_private;
};

/* Writes a new file (never an existing one) with mode, through write_fn. */
static int write_new(const char *path, mode_t mode, EVP_PKEY *pkey, bool is_private, char *err,
		     size_t err_len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	FILE *f;
	int ok;

	if (fd < 0) {
		int e = errno;

		snprintf(err, err_len, "cannot create '%s': %s", path, strerror(e));
		return -e;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		snprintf(err, err_len, "cannot write '%s': out of memory", path);
		return -ENOMEM;
	}
	ok = is_private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) :
			  PEM_write_PUBKEY(f, pkey);
	if (fclose(f) != 0 || !ok) {
		unlink(path);
		snprintf(err, err_len, "cannot write '%s'", path);
		return -EIO;
	}
	return 0;
}

int raqib_rules_keygen(const char *dir, char *err, size_t err_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	char priv[4096], pub[4096];
	EVP_PKEY *pkey = NULL;
	int rc = 0;

	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s", dir, RAQIB_RULES_SIGNING_KEY_FILE) >=
		    sizeof(priv) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s/%s", dir, RAQIB_RULES_VERIFY_KEY_FILE) >=
		    sizeof(pub)) {
		snprintf(err, err_len, "keys directory '%.200s': name too long", dir);
		rc = -ENAMETOOLONG;
		goto out;
	}
	rc = raqib_make_dirs(dir);
	if (rc) {
		snprintf(err, err_len, "cannot create '%.200s': %s", dir, strerror(-rc));
		goto out;
	}
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0) {
		snprintf(err, err_len, "cannot make an Ed25519 key");
		rc = -ENOMEM;
		goto out;
	}
	rc = write_new(priv, 0600, pkey, true, err, err_len);
	if (!rc) {
		rc = write_new(pub, 0644, pkey, false, err, err_len);
		if (rc)
			unlink(priv);
	}
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int load(const char *path, bool is_private, struct raqib_rules_key **out, char *err,
		size_t err_len)
{
	struct raqib_rules_key *k;
	struct stat st;
	FILE *f = fopen(path, "re");
	EVP_PKEY *pkey;

	*out = NULL;
	if (!f) {
		int e = errno;

		snprintf(err, err_len, "cannot open rules key '%s': %s", path, strerror(e));
		return -e;
	}
	if (is_private && (fstat(fileno(f), &st) || (st.st_mode & 077))) {
		fclose(f);
		snprintf(
			err, err_len,
			"rules signing key '%s' may be read by others: chmod 600 it (whoever reads it can sign rules)",
			path);
		return -EPERM;
	}
	pkey = is_private ? PEM_read_PrivateKey(f, NULL, NULL, NULL) :
			    PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		snprintf(err, err_len, "'%s' is not an Ed25519 %s key in PEM", path,
			 is_private ? "private" : "public");
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	k->pkey = pkey;
	k->is_private = is_private;
	*out = k;
	return 0;
}

int raqib_rules_key_load_private(const char *path, struct raqib_rules_key **out, char *err,
				 size_t err_len)
{
	return load(path, true, out, err, err_len);
}

int raqib_rules_key_load_public(const char *path, struct raqib_rules_key **out, char *err,
				size_t err_len)
{
	return load(path, false, out, err, err_len);
}

void raqib_rules_key_free(struct raqib_rules_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

void raqib_rules_key_id(const struct raqib_rules_key *key, char out[RAQIB_RULES_KEY_ID_BYTES])
{
	unsigned char raw[32], md[32];
	size_t len = sizeof(raw);
	unsigned md_len = 0;

	out[0] = '\0';
	if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &len) != 1 ||
	    !EVP_Digest(raw, len, md, &md_len, EVP_sha256(), NULL))
		return;
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* LABEL followed by the bundle, in a new buffer. */
static unsigned char *labelled(const char *json, size_t len, size_t *out_len)
{
	unsigned char *msg = malloc(sizeof(LABEL) - 1 + len);

	if (!msg)
		return NULL;
	memcpy(msg, LABEL, sizeof(LABEL) - 1);
	memcpy(msg + sizeof(LABEL) - 1, json, len);
	*out_len = sizeof(LABEL) - 1 + len;
	return msg;
}

int raqib_rules_sign(const struct raqib_rules_key *key, const char *json, size_t len,
		     char sig_hex[RAQIB_RULES_SIG_HEX_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t sig_len = sizeof(sig), msg_len = 0;
	unsigned char *msg = labelled(json, len, &msg_len);
	int rc = 0;

	if (!key->is_private) {
		rc = -EINVAL;
	} else if (!ctx || !msg || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
		   EVP_DigestSign(ctx, sig, &sig_len, msg, msg_len) != 1 || sig_len != 64) {
		rc = -ENOMEM;
	} else {
		for (size_t i = 0; i < sig_len; i++)
			snprintf(sig_hex + 2 * i, 3, "%02x", sig[i]);
	}
	free(msg);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool raqib_rules_verify(const struct raqib_rules_key *key, const char *json, size_t len,
			const char *sig_hex)
{
	unsigned char sig[64], *msg;
	size_t msg_len = 0;
	EVP_MD_CTX *ctx;
	bool ok;

	if (!sig_hex || strlen(sig_hex) != 2 * sizeof(sig))
		return false;
	for (size_t i = 0; i < sizeof(sig); i++) {
		int hi = hex_value(sig_hex[2 * i]), lo = hex_value(sig_hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		sig[i] = (unsigned char)(hi << 4 | lo);
	}
	msg = labelled(json, len, &msg_len);
	ctx = EVP_MD_CTX_new();
	ok = msg && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, sizeof(sig), msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	free(msg);
	return ok;
}
