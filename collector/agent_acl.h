/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enrolling an agent (raqibctl agent-add): its Redis ACL user, which may do what an agent needs
 * and nothing more,
 *
 *   XADD on its own stream raqib:{s:<site>}:in:<id> (write only: it cannot read, trim,
 *   delete or reach any other agent's stream, nor the store)
 *   GET, HGET, HMGET, HGETALL, EXISTS, TYPE, ZREVRANGE on rule packs and pushed rule versions,
 *   raqib:rules:* (read only); SUBSCRIBE to the rule versions' announcements only
 *   PING
 *
 * and its registry entry (raqib:registry <id> <site>, raqib:sites), which tells the collectors
 * to read its stream. Heartbeats travel in the same stream. Uses Redis 7 key permissions
 * (%R~, %W~) and selectors. The password is derived from the agent key
 * (include/raqib/keys.h) and given to Redis only as its SHA-256 (#...).
 */
#ifndef RAQIB_COLLECTOR_AGENT_ACL_H
#define RAQIB_COLLECTOR_AGENT_ACL_H

#include <stddef.h>

/*
 * Writes the ACL SETUSER command for agent_id of site with password (the derived one), quoted
 * for redis-cli. Returns 0, -EINVAL (bad id or site), -ENAMETOOLONG when out is too small, or
 * -ENOMEM.
 */
int agent_acl_setuser(const char *agent_id, const char *site, const char *password, char *out,
		      size_t out_len);

/*
 * Writes the registry commands of agent_id in site (two lines, for redis-cli). Returns 0,
 * -EINVAL or -ENAMETOOLONG.
 */
int agent_acl_registry(const char *agent_id, const char *site, char *out, size_t out_len);

#endif /* RAQIB_COLLECTOR_AGENT_ACL_H */
