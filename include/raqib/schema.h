/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names shared by the agent (which writes alerts) and the collector (which reads and stores
 * them): Redis keys, stream field names, the consumer group, and the alert schema version.
 * The alert document itself is described in docs/alert-schema.md.
 */
#ifndef RAQIB_SCHEMA_H
#define RAQIB_SCHEMA_H

/* Version of the alert document (raqib.schema_version). */
#define RAQIB_ALERT_SCHEMA_VERSION 2

/* Stream the agents XADD alerts to, and the consumer group the collectors share. */
#define RAQIB_STREAM_EVENTS "raqib:events"
#define RAQIB_GROUP_COLLECTORS "collectors"
/* Entries the collector could not accept, with the reason (dead-letter stream). */
#define RAQIB_STREAM_DEAD "raqib:events:dead"

/* Fields of one stream entry. */
#define RAQIB_FIELD_AGENT "agent" /* agent id */
#define RAQIB_FIELD_SEQ "seq" /* per-agent sequence number, decimal */
#define RAQIB_FIELD_ALERT "alert" /* the alert JSON document */
/* HMAC-SHA256 of agent, seq and alert with the agent's key, hex (include/raqib/keys.h) */
#define RAQIB_FIELD_SIG "sig"

/* Stored alerts: one string per alert, and an index by time (score: epoch milliseconds). */
#define RAQIB_KEY_ALERT_PREFIX "raqib:alert:" /* + "<agent>:<seq>" */
#define RAQIB_KEY_ALERTS_BY_TIME "raqib:alerts"

/*
 * Agents: the heartbeat each agent writes (a hash, "raqib:agent:<id>", fields in
 * docs/alert-schema.md), and what the collector tracks of each agent's sequence ("raqib:seq:<id>":
 * max_seq, stored, duplicates, conflicts, missing). Sequence gaps the collector saw go to a
 * stream (fields agent, from, to).
 */
#define RAQIB_KEY_AGENT_PREFIX	   "raqib:agent:"
#define RAQIB_KEY_AGENT_SEQ_PREFIX "raqib:seq:"
#define RAQIB_STREAM_GAPS	   "raqib:events:gaps"

/* Rule packs published in Redis for agents to read ("raqib:rules:<name>"). */
#define RAQIB_KEY_RULES_PREFIX "raqib:rules:"

/*
 * Rule distribution (include/raqib/rules_dist.h, docs/rules.md "Pushing rules"), every key
 * under RAQIB_KEY_RULES_PREFIX (agents may read it, administrators write it) and one hash tag
 * (a push is one MULTI): the counter of version numbers, the sorted set of versions (member
 * and score: the number), one hash per version (fields below), and the channel a push is
 * announced on (the message: the version number).
 */
#define RAQIB_KEY_RULES_NEXT	       "raqib:rules:{dist}:next"
#define RAQIB_KEY_RULES_VERSIONS       "raqib:rules:{dist}:versions"
#define RAQIB_KEY_RULES_VERSION_PREFIX "raqib:rules:{dist}:v:" /* + the number */
#define RAQIB_CHANNEL_RULES	       "raqib:rules:updates"
#define RAQIB_FIELD_RULES_BUNDLE       "bundle" /* the version's JSON, as signed */
#define RAQIB_FIELD_RULES_SIG	       "sig" /* Ed25519 signature, hex */
#define RAQIB_FIELD_RULES_KEY_ID       "key_id" /* the signing key's public id */
/* Heartbeat fields of an agent following pushed rules (docs/alert-schema.md, Heartbeats). */
#define RAQIB_HB_RULES_VERSION "rules.version" /* the version in use, or "none" */
#define RAQIB_HB_RULES_REFUSED "rules.refused" /* "<version>: <reason>", the last refused */

/* ECS event.severity values (numeric, as Elastic's detection rules use them). */
#define RAQIB_SEVERITY_LOW 21
#define RAQIB_SEVERITY_MEDIUM 47
#define RAQIB_SEVERITY_HIGH 73
#define RAQIB_SEVERITY_CRITICAL 99

/* Default Redis endpoint, and the environment variable that overrides it. */
#define RAQIB_REDIS_DEFAULT "127.0.0.1:6379"
#define RAQIB_REDIS_ENV "RAQIB_REDIS"

#endif /* RAQIB_SCHEMA_H */
