/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Redis ACL user of an agent (raqibctl agent-add): what an agent needs and nothing more.
 *
 *   XADD on raqib:events (write only: it cannot read alerts back)
 *   HSET and DEL on its own heartbeat, raqib:agent:<id> (MULTI/EXEC around them)
 *   GET, HGET, HGETALL, EXISTS, TYPE on rule packs, raqib:rules:* (read only)
 *   PING
 *
 * Uses Redis 7 key permissions (%R~, %W~) and selectors. The password is derived from the
 * agent key (include/raqib/keys.h) and given to Redis only as its SHA-256 (#...).
 */
#ifndef RAQIB_COLLECTOR_AGENT_ACL_H
#define RAQIB_COLLECTOR_AGENT_ACL_H

#include <stddef.h>

/*
 * Writes the ACL SETUSER command for agent_id with password (the derived one), quoted for
 * redis-cli. Returns 0, -ENAMETOOLONG when out is too small, or -ENOMEM.
 */
int agent_acl_setuser(const char *agent_id, const char *password, char *out, size_t out_len);

#endif /* RAQIB_COLLECTOR_AGENT_ACL_H */
