/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names shared by the agent (which writes alerts) and the collector (which reads and stores
 * them): Redis keys, stream field names, the consumer group, and the alert schema version.
 * The alert document itself is described in docs/alert-schema.md; every key, its type, who
 * writes and reads it and how long it lives, in docs/storage.md.
 *
 * Keys carry a Redis Cluster hash tag ("{...}"): every key one atomic step touches shares the
 * tag, so that the same code runs on one Redis and on a cluster. Three kinds of tag:
 *
 *   {s:<site>}     a site: its agents' streams, stored alerts, per-site indexes, incidents,
 *                  timelines, agents' state, dead letters. Sites are the unit of sharding.
 *   {d:<sha256>}   one document: its provenance across sites and its spread incident.
 *   {v:<hash>}     one value (re-keyed hash of a finding): its alerts across sites and its
 *                  spread incident.
 *
 * Build keys with raqib_key_*() (include/raqib/keyspace.h), never by hand.
 */
#ifndef RAQIB_SCHEMA_H
#define RAQIB_SCHEMA_H

/* Version of the alert document (raqib.schema_version). */
#define RAQIB_ALERT_SCHEMA_VERSION 2

/* The consumer group every collector joins, on every agent stream. */
#define RAQIB_GROUP_COLLECTORS "collectors"

/* The site of an agent that was given none. */
#define RAQIB_SITE_DEFAULT "default"

/*
 * Per-site keys: "raqib:{s:<site>}:" followed by one of these.
 *   in:<agent>                       stream  the agent's entries (alerts, heartbeats); only
 *                                            that agent's ACL user may XADD to it
 *   a:<agent>:<epoch>:<seq>          string  a stored alert document
 *   alerts                           zset    local alert refs by receive time (ms)
 *   tl:host:<host>, tl:user:<user>, tl:app:<app>
 *                                    zset    timelines: local alert refs and coverage gaps
 *   agent:<agent>                    hash    the agent's last heartbeat and collector state
 *   seq:<agent>:<epoch>              hash    its sequence: max_seq, stored, missing, ...
 *   gaps                             stream  coverage gaps as they appear
 *   dead                             stream  refused entries, whole, with the reason
 *   inc:<n>, inc:<n>:tl, inc:<n>:notes, incopen:<group>, incseq, incidents
 *                                    incidents of the site (docs/storage.md)
 */
#define RAQIB_KEY_PREFIX   "raqib:"
#define RAQIB_TAG_SITE	   "s:"
#define RAQIB_TAG_DOCUMENT "d:"
#define RAQIB_TAG_VALUE	   "v:"

/* Fields of an agent stream entry. */
#define RAQIB_FIELD_AGENT "agent" /* agent id */
/* the spool's epoch: 16 hex digits, new whenever its numbering starts from 1 again */
#define RAQIB_FIELD_EPOCH "epoch"
#define RAQIB_FIELD_SEQ	  "seq" /* per-agent, per-epoch sequence number, decimal */
#define RAQIB_FIELD_ALERT "alert" /* the alert JSON document */
/* a heartbeat: a JSON object of string fields */
#define RAQIB_FIELD_HEARTBEAT "hb"
/* HMAC-SHA256 of the entry with the agent's key, hex (include/raqib/keys.h) */
#define RAQIB_FIELD_SIG "sig"

/* Global keys (each in a slot of its own; written by administrators or idempotently). */
#define RAQIB_KEY_REGISTRY  "raqib:registry" /* hash: agent id -> site (enrolment) */
#define RAQIB_KEY_SITES	    "raqib:sites" /* set: every site */
#define RAQIB_KEY_INCIDENTS "raqib:incidents" /* zset: incident id -> last change (ms) */
#define RAQIB_KEY_AUDIT	    "raqib:audit" /* stream: searches by value and incident changes */

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
