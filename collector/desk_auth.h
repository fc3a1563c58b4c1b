/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who may use the desk (the collector's HTTP API and web UI): bearer tokens, each given to one
 * person with one role, kept only as their SHA-256 in <keys>/tokens, one "<name> <role>
 * <sha256 hex>" per line (raqibctl token-add writes it; the file is read again when it
 * changes, so that a revoked token stops working at once). The investigators of
 * <keys>/investigators (raqibctl investigator-add) are investigators here too.
 *
 * Roles are not ranks: each grants its own set of rights (desk_role_may()), so that, for
 * instance, an administrator tends agents and reads the audit log but cannot search by value.
 */
#ifndef RAQIB_COLLECTOR_DESK_AUTH_H
#define RAQIB_COLLECTOR_DESK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define DESK_TOKENS_FILE "tokens"
#define DESK_NAME_MAX	 65 /* 1 to 64 letters, digits, '.', '-', '_' */
#define DESK_TOKEN_HEX	 64 /* a token: 32 random bytes, hex */
#define DESK_USERS_MAX	 4096

enum desk_role {
	DESK_ROLE_NONE = 0,
	DESK_ROLE_VIEWER,
	DESK_ROLE_ANALYST,
	DESK_ROLE_INVESTIGATOR,
	DESK_ROLE_ADMINISTRATOR,
};

/* What a request wants to do. */
enum desk_right {
	DESK_READ, /* alerts, incidents, timelines, provenance, agents, rules */
	DESK_CHANGE_INCIDENT, /* state, assignee, notes */
	DESK_SEARCH_VALUE, /* find the alerts about a value typed in */
	DESK_EXPORT, /* a case report */
	DESK_READ_AUDIT, /* the whole audit log */
	DESK_READ_INCIDENT_AUDIT, /* the audit trail of one incident */
};

const char *desk_role_name(enum desk_role role);
/* The role named so, or DESK_ROLE_NONE. */
enum desk_role desk_role_parse(const char *name);
bool desk_role_may(enum desk_role role, enum desk_right right);

struct desk_user {
	char name[DESK_NAME_MAX];
	enum desk_role role;
};

struct desk_auth;

/* The tokens of a keys directory (read on first use, again when a file changed). */
struct desk_auth *desk_auth_new(const char *keys_dir);
void desk_auth_free(struct desk_auth *a);

/*
 * The user of an Authorization header ("Bearer <token>"). Returns true and fills user, or false
 * (no header, not a bearer token, unknown or revoked token). Compares digests in constant time.
 */
bool desk_auth_check(struct desk_auth *a, const char *authorization, struct desk_user *user);

/*
 * Makes a token for name with role: 32 random bytes as hex into token (DESK_TOKEN_HEX + 1), its
 * SHA-256 appended to <keys_dir>/tokens (created 0600). A name given again gets a second token
 * (revoke the first). Returns 0, -EINVAL (bad name or role), or -EIO with err filled.
 */
int desk_auth_add(const char *keys_dir, const char *name, enum desk_role role, char *token,
		  char *err, size_t err_len);

/* Removes every token of name. Returns how many, or -EIO with err filled. */
int desk_auth_revoke(const char *keys_dir, const char *name, char *err, size_t err_len);

/* Calls fn for every user of <keys_dir>/tokens, then of investigators. Count, or -ENOMEM. */
typedef int (*desk_user_fn)(void *ctx, const struct desk_user *user);
int desk_auth_list(const char *keys_dir, desk_user_fn fn, void *ctx);

#endif /* RAQIB_COLLECTOR_DESK_AUTH_H */
