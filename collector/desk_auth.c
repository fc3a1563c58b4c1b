// SPDX-License-Identifier: GPL-2.0-only
/* The desk's tokens and roles (see desk_auth.h). */
#include "desk_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "find_api.h"
#include "raqib/fsutil.h"
#include "raqib/keys.h"
#include "raqib/log.h"

struct user_digest {
	struct desk_user user;
	char digest[DESK_TOKEN_HEX + 1];
};

struct desk_auth {
	char tokens[4096 + 32];
	char investigators[4096 + 32];
	struct timespec tokens_mtime, investigators_mtime;
	bool loaded;
	struct user_digest *users;
	size_t n_users;
};

static const char *const role_names[] = {
	[DESK_ROLE_NONE] = "none",
	[DESK_ROLE_VIEWER] = "viewer",
	[DESK_ROLE_ANALYST] = "analyst",
	[DESK_ROLE_INVESTIGATOR] = "investigator",
	[DESK_ROLE_ADMINISTRATOR] = "administrator",
};

const char *desk_role_name(enum desk_role role)
{
	return (size_t)role < sizeof(role_names) / sizeof(role_names[0]) ? role_names[role] :
									   "none";
}

enum desk_role desk_role_parse(const char *name)
{
	for (size_t i = DESK_ROLE_VIEWER; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum desk_role)i;
	return DESK_ROLE_NONE;
}

/*
 * The rights of each role (docs/api.md, "Roles"). Everyone reads what is masked; analysts and
 * investigators work cases; only investigators search by value; administrators tend the
 * system and read the audit log, but do not work cases nor search by value.
 */
bool desk_role_may(enum desk_role role, enum desk_right right)
{
	switch (right) {
	case DESK_READ:
		return role != DESK_ROLE_NONE;
	case DESK_CHANGE_INCIDENT:
	case DESK_EXPORT:
		return role == DESK_ROLE_ANALYST || role == DESK_ROLE_INVESTIGATOR;
	case DESK_SEARCH_VALUE:
		return role == DESK_ROLE_INVESTIGATOR;
	case DESK_READ_AUDIT:
		return role == DESK_ROLE_ADMINISTRATOR;
	case DESK_READ_INCIDENT_AUDIT:
		return role == DESK_ROLE_INVESTIGATOR || role == DESK_ROLE_ADMINISTRATOR;
	}
	return false;
}

static void sha256_hex(const char *text, size_t len, char out[DESK_TOKEN_HEX + 1])
{
	unsigned char md[32];
	unsigned md_len = 0;

	out[0] = '\0';
	if (EVP_Digest(text, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * Reads one file's users: "<name> <role> <digest>" (tokens) or "<name> <digest>"
 * (investigators, role given). Lines that do not parse are skipped and logged once.
 */
static int read_users(struct desk_auth *a, const char *path, enum desk_role fixed)
{
	char line[512];
	unsigned lineno = 0;
	FILE *in = fopen(path, "re");

	if (!in)
		return errno == ENOENT ? 0 : -EIO;
	while (fgets(line, sizeof(line), in)) {
		char name[128], role[32], digest[80];
		struct user_digest *u;
		enum desk_role r = fixed;
		int got;

		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (fixed)
			got = sscanf(line, "%127s %79s", name, digest) == 2;
		else
			got = sscanf(line, "%127s %31s %79s", name, role, digest) == 3 &&
			      (r = desk_role_parse(role)) != DESK_ROLE_NONE;
		if (!got || !raqib_agent_id_is_valid(name, strlen(name)) || !is_hex64(digest)) {
			log_warn("desk", "%s:%u: not a token line (name role sha256), skipped",
				 path, lineno);
			continue;
		}
		if (a->n_users == DESK_USERS_MAX)
			break;
		u = reallocarray(a->users, a->n_users + 1, sizeof(*u));
		if (!u) {
			fclose(in);
			return -ENOMEM;
		}
		a->users = u;
		u = &a->users[a->n_users++];
		snprintf(u->user.name, sizeof(u->user.name), "%.64s", name); /* valid: at most 64 */
		u->user.role = r;
		memcpy(u->digest, digest, sizeof(u->digest));
	}
	fclose(in);
	return 0;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Reads the files again when either changed (a token added or revoked). */
static void refresh(struct desk_auth *a)
{
	struct stat st_t = { 0 }, st_i = { 0 };
	bool has_t = stat(a->tokens, &st_t) == 0, has_i = stat(a->investigators, &st_i) == 0;

	if (a->loaded && same_time(&st_t.st_mtim, &a->tokens_mtime) &&
	    same_time(&st_i.st_mtim, &a->investigators_mtime))
		return;
	free(a->users);
	a->users = NULL;
	a->n_users = 0;
	if ((has_t && read_users(a, a->tokens, DESK_ROLE_NONE)) ||
	    (has_i && read_users(a, a->investigators, DESK_ROLE_INVESTIGATOR)))
		log_warn("desk", "cannot read the tokens in '%s'", a->tokens);
	a->tokens_mtime = st_t.st_mtim;
	a->investigators_mtime = st_i.st_mtim;
	a->loaded = true;
}

struct desk_auth *desk_auth_new(const char *keys_dir)
{
	struct desk_auth *a = calloc(1, sizeof(*a));
	const char *dir = raqib_keys_dir(keys_dir && keys_dir[0] ? keys_dir : NULL);

	if (!a)
		return NULL;
	snprintf(a->tokens, sizeof(a->tokens), "%s/%s", dir, DESK_TOKENS_FILE);
	snprintf(a->investigators, sizeof(a->investigators), "%s/%s", dir, FIND_INVESTIGATORS_FILE);
	return a;
}

void desk_auth_free(struct desk_auth *a)
{
	if (!a)
		return;
	free(a->users);
	free(a);
}

bool desk_auth_check(struct desk_auth *a, const char *authorization, struct desk_user *user)
{
	char digest[DESK_TOKEN_HEX + 1];
	const char *token;
	bool found = false;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	token = authorization + 7;
	if (strlen(token) < 16 || strlen(token) > 256)
		return false;
	refresh(a);
	sha256_hex(token, strlen(token), digest);
	/* every line compared, in constant time each: no early exit that times the match */
	for (size_t i = 0; i < a->n_users; i++) {
		if (CRYPTO_memcmp(a->users[i].digest, digest, DESK_TOKEN_HEX) == 0 && !found) {
			*user = a->users[i].user;
			found = true;
		}
	}
	explicit_bzero(digest, sizeof(digest));
	return found;
}

static void tokens_path(const char *keys_dir, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", raqib_keys_dir(keys_dir && keys_dir[0] ? keys_dir : NULL),
		 DESK_TOKENS_FILE);
}

int desk_auth_add(const char *keys_dir, const char *name, enum desk_role role, char *token,
		  char *err, size_t err_len)
{
	unsigned char raw[32];
	char digest[DESK_TOKEN_HEX + 1], path[4096 + 32], line[256];
	int fd, rc = -EIO;

	if (!raqib_agent_id_is_valid(name, strlen(name)) || role == DESK_ROLE_NONE) {
		snprintf(err, err_len, "invalid name or role");
		return -EINVAL;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, err_len, "no randomness: %s", strerror(errno));
		return -EIO;
	}
	for (int i = 0; i < 32; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	sha256_hex(token, DESK_TOKEN_HEX, digest);
	tokens_path(keys_dir, path, sizeof(path));
	if (raqib_make_parent_dirs(path)) {
		snprintf(err, err_len, "cannot create the keys directory of '%s'", path);
		return -EIO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	snprintf(line, sizeof(line), "%s %s %s\n", name, desk_role_name(role), digest);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd)) {
		snprintf(err, err_len, "cannot write '%s': %s", path, strerror(errno));
		explicit_bzero(token, DESK_TOKEN_HEX + 1);
	} else {
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int desk_auth_revoke(const char *keys_dir, const char *name, char *err, size_t err_len)
{
	char path[4096 + 32], tmp[4096 + 48], line[512];
	FILE *in, *out = NULL;
	int removed = 0, fd;

	tokens_path(keys_dir, path, sizeof(path));
	in = fopen(path, "re");
	if (!in) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_len, "cannot open '%s': %s", path, strerror(errno));
		return -EIO;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		snprintf(err, err_len, "cannot write '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return -EIO;
	}
	while (fgets(line, sizeof(line), in)) {
		size_t n = strlen(name);

		if (strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == '\t')) {
			removed++;
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	if (fflush(out) || fsync(fileno(out)) || fclose(out) || rename(tmp, path)) {
		snprintf(err, err_len, "cannot replace '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return removed;
}

int desk_auth_list(const char *keys_dir, desk_user_fn fn, void *ctx)
{
	struct desk_auth *a = desk_auth_new(keys_dir);
	int n = 0;

	if (!a)
		return -ENOMEM;
	refresh(a);
	for (size_t i = 0; i < a->n_users; i++) {
		if (fn(ctx, &a->users[i].user) < 0)
			break;
		n++;
	}
	desk_auth_free(a);
	return n;
}
