/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Public API of the detection engine (rules/): the only header the agent, the collector and the
 * tests include to load rules and scan text. Text goes in, chunk by chunk; a verdict comes out:
 * the distinct sensitive values found (with their masked form), and document-level decisions
 * (official document, classification level, bulk personal data).
 *
 * Thread-safety: a struct rules is read-only once built and may be shared by threads; a struct
 * rules_scan belongs to one thread at a time.
 *
 * Personal data: rules_finding.value holds the normalised value found. It never goes to a log,
 * and leaves the host only as its masked form or a keyed hash. rules_verdict_release() wipes it.
 */
#ifndef RAQIB_RULES_H
#define RAQIB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct rules;
struct rules_scan;

/* Where a rule file was refused, and why. */
struct rules_error {
	char file[256];
	unsigned line; /* 1-based, 0 when not about a line */
	unsigned column; /* 1-based, 0 when not about a column */
	char text[256];
};

enum rules_level {
	RULES_LEVEL_NONE,
	RULES_LEVEL_RESTRICTED,
	RULES_LEVEL_CONFIDENTIAL,
	RULES_LEVEL_SECRET,
	RULES_LEVEL_TOP_SECRET,
};

#define RULES_TYPE_MAX 24
#define RULES_ID_MAX 64
#define RULES_VALUE_MAX 64

/* One distinct value of one entity type found in a scanned stream. */
struct rules_finding {
	char type[RULES_TYPE_MAX]; /* entity type, e.g. "CIN", "RIB" */
	char rule_id[RULES_ID_MAX]; /* detector rule that found it */
	char value[RULES_VALUE_MAX]; /* normalised value: personal data, see above */
	char masked[RULES_VALUE_MAX]; /* the value with all but its first characters masked */
	unsigned occurrences; /* times seen in the stream */
	float score; /* highest confidence among occurrences, 0..1 */
	uint64_t first_offset; /* offset of the first occurrence in the normalised stream */
	/* Why it fired (for --explain; never personal data): */
	bool checksum; /* a checksum validated it */
	bool shadow; /* found by a rule in shadow mode: counted, never alerted on */
	char context[32]; /* the context word seen, "column header", or "" */
};

/* What a scan concluded. Filled by rules_scan_finish(); freed by rules_verdict_release(). */
struct rules_verdict {
	struct rules_finding *findings; /* distinct values in first-seen order; owned */
	size_t n_findings;
	bool is_official; /* an official Moroccan administration document */
	enum rules_level level; /* classification mark, RULES_LEVEL_NONE if none */
	bool is_bulk; /* identifiers of 5 or more distinct persons */
	bool is_truncated; /* not everything was scanned (a size or finding limit was reached) */
	int official_score; /* points of the official-document evidence (best document) */
	char official_evidence[160]; /* the signals that earned them: "letterhead+3 reference+2" */
	char fingerprint[RULES_ID_MAX]; /* id of a registered document matched, "" if none */
	unsigned fingerprint_similarity; /* 0..100; 100 for an exact SHA-256 match */
	char text_digest[160]; /* ssdeep of the normalised text, when asked for; else "" */
};

/*
 * Loads and compiles the rule packs at path (a directory of *.yml packs, or one file) as a
 * whole, alone (without the built-in packs). Returns NULL with errno and err (file, line,
 * column, reason) filled when any pack is refused; the caller keeps whatever rules it had.
 */
struct rules *rules_load(const char *path, struct rules_error *err);

/*
 * Layered packs: the sources of one rule set, in layers. Each layer is a set of packs (the
 * built-in ones, a directory of the administrator's, a version pushed through Redis); a later
 * layer adds rules, overrides fields of a rule by its id (`override: true`), disables one, and
 * replaces a whole earlier pack of the same `pack.name`. docs/rules.md gives the rules.
 */
struct rules_packs;

struct rules_packs *rules_packs_new(void);
void rules_packs_free(struct rules_packs *packs);

/* Starts a new layer named name ("built-in", a directory, "pushed v12"). Returns 0 or -errno. */
int rules_packs_layer(struct rules_packs *packs, const char *name);

/* Adds the built-in packs to the current layer. Returns 0 or -ENOMEM. */
int rules_packs_add_builtin(struct rules_packs *packs);

/*
 * Adds the packs at path (a directory's *.yml and *.yaml files in name order, or one file) to
 * the current layer. Returns 0, or -errno with err filled (file and reason).
 */
int rules_packs_add_path(struct rules_packs *packs, const char *path, struct rules_error *err);

/* Adds one pack held in memory (copied) to the current layer. Returns 0, -EINVAL (more than
 * 256 packs or 4 MiB) or -ENOMEM. */
int rules_packs_add_text(struct rules_packs *packs, const char *name, const char *text, size_t len);

/* Builds and compiles the layers as a whole. Same contract as rules_load(). */
struct rules *rules_build(const struct rules_packs *packs, struct rules_error *err);

/*
 * Prints the effective rule set of the layers as YAML (settings, lists, then every rule with
 * its fields), each field followed by a comment naming the file and line it came from. With
 * rule_id, only that rule. Returns 0, -ENOENT when rule_id names no rule, or -EINVAL with err.
 */
int rules_packs_print(const struct rules_packs *packs, const char *rule_id, FILE *out,
		      struct rules_error *err);

/* Number of packs in the layers, and the name and text of one (for pushing them elsewhere). */
size_t rules_packs_count(const struct rules_packs *packs);
int rules_packs_at(const struct rules_packs *packs, size_t i, const char **name, const char **text,
		   size_t *len);

/*
 * Loads one pack held in memory (name is used in errors and the hash). For tests, fuzzing and
 * packs that come from elsewhere than files. Same contract as rules_load().
 */
struct rules *rules_load_text(const char *name, const char *text, size_t len,
			      struct rules_error *err);

/* Hex SHA-256 identifying the loaded packs (content of every pack, in load order). */
const char *rules_hash(const struct rules *rules);

/* How many rules of each kind a rule set holds (enabled ones, and all). */
struct rules_summary {
	size_t detectors, markers, apps, fingerprints, policies, exceptions;
	size_t disabled, shadow;
	size_t expired; /* exceptions past their expiry date (now) */
	size_t patterns; /* compiled into the Hyperscan database */
};

void rules_summarize(const struct rules *rules, struct rules_summary *out);

/*
 * Builds the rules compiled into the binary (the walking skeleton's two detectors: CIN with a
 * context word, RIB with its mod-97 key). Returns NULL with errno and err filled on failure.
 */
struct rules *rules_new_builtin(struct rules_error *err);

/* Releases rules; accepts NULL. Verdicts already produced stay valid. */
void rules_free(struct rules *rules);

/*
 * A worker holds what scanning needs per thread rather than per stream (Hyperscan scratch, the
 * normalised batch): many streams scanned by one thread share one worker, so each stream costs
 * only its small state (rules_scan_state_size()). Not thread-safe; must outlive its streams.
 */
struct rules_worker;

struct rules_worker *rules_worker_new(const struct rules *rules);
void rules_worker_free(struct rules_worker *worker);

/* Opens a scan context for one stream (a file, a TCP stream, TLS plaintext), with its own
 * worker. NULL + errno. */
struct rules_scan *rules_scan_new(const struct rules *rules);

/* The same, sharing worker with other streams of the same thread. NULL + errno. */
struct rules_scan *rules_scan_new_shared(const struct rules *rules, struct rules_worker *worker);

/* Bytes of per-stream state (without the findings collected so far and without a worker). */
size_t rules_scan_state_size(void);

/*
 * Asks for the similarity digest (ssdeep) of the normalised text of the current stream, given
 * in the verdict's text_digest: what a fingerprint rule registers. Costs a rolling hash per byte.
 */
void rules_scan_want_digest(struct rules_scan *scan);

/*
 * Parts of a document, announced by the extractor before their text so that the rules can
 * weigh them: classification marks count in headers and footers, letterheads in the first
 * lines of the body, column headers at the top of a table. Text fed before any call is BODY.
 * Within TABLE and SHEET parts, each line is one row and cells are separated by TAB; the
 * first row holds the column headers.
 */
enum rules_part {
	RULES_PART_BODY,
	RULES_PART_HEADER, /* page header (DOCX header*.xml, repeated page top) */
	RULES_PART_FOOTER,
	RULES_PART_TABLE, /* a table inside the body */
	RULES_PART_SHEET, /* one spreadsheet sheet */
	RULES_PART_ATTACHMENT, /* an attachment or archive member: a new document within */
};

/* Starts a new part of the stream. Returns 0 or -EINVAL. */
int rules_scan_begin_part(struct rules_scan *scan, enum rules_part part);

/* Feeds the next chunk of the stream. Returns 0, or -ENOMEM. */
int rules_scan_feed(struct rules_scan *scan, const void *buf, size_t len);

/*
 * Ends the stream and fills out (which the caller releases with rules_verdict_release()).
 * The context can be fed again afterwards as a new stream. Returns 0, or -ENOMEM.
 */
int rules_scan_finish(struct rules_scan *scan, struct rules_verdict *out);

/* Frees a scan context and wipes what it buffered; accepts NULL. */
void rules_scan_free(struct rules_scan *scan);

/* Scans one buffer as a whole stream. Returns 0 or a negative errno; fills out. */
int rules_scan_buffer(const struct rules *rules, const void *buf, size_t len,
		      struct rules_verdict *out);

/* Distinct values of entity type in the verdict (findings of shadow rules left out). */
size_t rules_verdict_count(const struct rules_verdict *verdict, const char *type);

/*
 * Marks the verdict with the registered document (rules of kind fingerprint) whose SHA-256 is
 * sha256_hex (the file's bytes), if any. Returns true on a match.
 */
bool rules_verdict_match_sha256(const struct rules *rules, struct rules_verdict *verdict,
				const char *sha256_hex);

/* Wipes the values and frees the findings; the verdict is empty afterwards. Accepts NULL. */
void rules_verdict_release(struct rules_verdict *verdict);

/* True when the verdict holds anything a policy can alert on. */
bool rules_verdict_is_sensitive(const struct rules_verdict *verdict);

/* "SECRET", "TOP_SECRET"...; NULL for RULES_LEVEL_NONE. */
const char *rules_level_name(enum rules_level level);

/*
 * The app catalog (rules of kind `app`): the consumer channels the circular rules out (messaging
 * apps, personal webmail, file transfer and personal cloud), the browsers that reach their web
 * clients, and how to recognise each one's programs and servers. Entries are owned by the rules
 * and valid until rules_free(). docs/rules.md, section "The app catalog".
 */
enum rules_app_kind {
	RULES_APP_MESSAGING, /* a messaging client: WhatsApp Desktop, Telegram Desktop... */
	RULES_APP_BROWSER, /* a vehicle: a channel only when its flows go to a channel's servers */
	RULES_APP_WEBMAIL, /* personal webmail: Gmail, Outlook.com, Yahoo Mail */
	RULES_APP_FILE_TRANSFER, /* file transfer and personal cloud: WeTransfer, Drive, Mega... */
};

struct rules_app {
	const char *id; /* "whatsapp" */
	const char *name; /* "WhatsApp", shown in alerts */
	enum rules_app_kind kind;
	/*
	 * How an uploaded file grows on the wire, for matching an upload to a file read:
	 * expected bytes = size * (1 + overhead_ratio) + overhead_bytes, each side within
	 * tolerance_ratio. WhatsApp: AES-CBC rounding + 10-byte MAC; Signal: up to ~5 % padding.
	 */
	double overhead_ratio;
	uint64_t overhead_bytes;
	double tolerance_ratio;
	/* Uploads may be split over several flows of the app instance (Telegram's parts). */
	bool upload_spans_flows;
	/*
	 * Command-line options that name the app's profile or data directory (Chromium's
	 * --user-data-dir=DIR, Telegram's -workdir DIR): files under it are the app's own.
	 */
	const char *const *profile_options;
	size_t n_profile_options;
};

/*
 * "messaging", "browser", "webmail", "file_transfer" of a kind, and back (-1 for an unknown
 * name).
 */
const char *rules_app_kind_name(enum rules_app_kind kind);
int rules_app_kind_from_name(const char *name);

/*
 * True for the kinds that are a channel of their own (messaging, webmail, file transfer): a
 * flow to their servers is a flow through the channel. A browser is not: it carries channels.
 */
bool rules_app_is_channel(const struct rules_app *app);

size_t rules_app_count(const struct rules *rules);

/* The app whose id is id ("whatsapp"), or NULL: to carry an app across a rules reload. */
const struct rules_app *rules_app_by_id(const struct rules *rules, const char *id);
const struct rules_app *rules_app_at(const struct rules *rules, size_t i);

/*
 * The app an executable belongs to, from its path as exec saw it (deb /usr/bin/..., /opt/...,
 * snap /snap/..., flatpak .../app/<id>/..., AppImage mounts): NULL when none.
 */
const struct rules_app *rules_app_by_exe(const struct rules *rules, const char *exe_path);

/* The app whose executable name the kernel's comm (first 15 bytes) matches, or NULL. */
const struct rules_app *rules_app_by_comm(const struct rules *rules, const char *comm);

/*
 * Executable names (no directory) of every app, for the kernel's watch list; *n set to their
 * number. Owned by the rules.
 */
const char *const *rules_app_exe_names(const struct rules *rules, size_t *n);

/* The app a server name belongs to (TLS SNI, DNS name, HTTP Host: pattern match), or NULL. */
const struct rules_app *rules_app_by_server_name(const struct rules *rules, const char *host);

/*
 * Every server-name pattern of the channels (not of browsers), in catalog order, with the app
 * each belongs to: for building lookups outside the rules (the kernel's map of server-name
 * suffixes). fn is called once per pattern.
 */
void rules_app_foreach_server_name(const struct rules *rules,
				   void (*fn)(void *ctx, const struct rules_app *app,
					      const char *pattern),
				   void *ctx);

/*
 * Every address range of the channels that holds for any port: fn gets the family, 4 or 16
 * bytes and the prefix.
 */
void rules_app_foreach_range(const struct rules *rules,
			     void (*fn)(void *ctx, const struct rules_app *app, int family,
					const uint8_t *addr, unsigned bits),
			     void *ctx);

/* The app an nDPI protocol name belongs to ("WhatsApp", "TLS.WhatsAppFiles"), or NULL. */
const struct rules_app *rules_app_by_ndpi(const struct rules *rules, const char *ndpi_name);

/*
 * The app an IP address belongs to (the catalog's ranges that hold for any port), or NULL.
 * family: AF_INET(6).
 */
const struct rules_app *rules_app_by_ip(const struct rules *rules, int family, const void *addr);

/*
 * The app of a server at addr and port: its ranges for any port, and those written "CIDR port
 * N" for that port (an operator's shared network, of which one service listens on one port).
 */
const struct rules_app *rules_app_by_endpoint(const struct rules *rules, int family,
					      const void *addr, uint16_t port);

/*
 * Policy (rules of kind `policy` and `exception`): given what was seen and the verdict on its
 * content, whether to alert, under which rule and how severely, or to record the event as
 * allowed (a sanctioned channel). Rules in shadow mode are evaluated beside the live ones and
 * never change the decision: what they would have done is only counted.
 */
enum rules_event {
	RULES_EVENT_FILE_READ, /* a watched app opened a file; no upload matched (yet) */
	RULES_EVENT_FILE_UPLOAD, /* that file then left for the app's servers, size matching */
	RULES_EVENT_CLEARTEXT, /* content seen in a cleartext network stream */
	RULES_EVENT_TLS_PLAINTEXT, /* content seen in TLS plaintext (uprobes) */
	RULES_EVENT_DATA_AT_REST, /* `raqib-agent scan` */
};

#define RULES_MAIL_DOMAINS_MAX 16

/* Where content went, as far as the sensor knows it; NULL, 0 and empty fields are unknown. */
struct rules_destination {
	const char *server_name; /* TLS server name (SNI), HTTP Host, or a DNS name of the server */
	const char *url; /* cleartext HTTP: "host/path" of the request that carried the upload */
	int family; /* AF_INET or AF_INET6 when addr is set, else 0 */
	uint8_t addr[16]; /* the server's address */
	/* SMTP: the domains of the mail's recipients (RCPT TO), lower case */
	const char *mail_domains[RULES_MAIL_DOMAINS_MAX];
	size_t n_mail_domains;
};

/* What the policy knows of the event besides the verdict; NULL fields are unknown. */
struct rules_event_info {
	enum rules_event event;
	const struct rules_app *app;
	const char *host_name;
	const char *user; /* user name or uid */
	const char *file_path;
	const char *sha256; /* hex, of the file */
	bool is_encrypted_container; /* password-protected archive or document */
	struct rules_destination dest;
	time_t now; /* when the event happened, for exceptions' expiry; 0: now */
};

enum rules_mode {
	RULES_MODE_ALERT,
	RULES_MODE_SHADOW, /* counted, never alerted: for trying a rule in production */
};

/* Rules in shadow mode that would have acted on one event, at most. */
#define RULES_SHADOW_MAX 16

struct rules_decision {
	bool matched; /* a live policy applies and no live exception cancels it: alert */
	/*
	 * A live policy applies, and a live exception cancelled it that asks for the event to be
	 * recorded (a sanctioned channel): an allowed event, not an alert. The rule_* fields name
	 * the policy that applied, exception_id the exception.
	 */
	bool allowed;
	char rule_id[RULES_ID_MAX];
	char rule_name[128];
	int severity; /* RAQIB_SEVERITY_* (include/raqib/schema.h) */
	char confidence[8]; /* "low", "medium", "high" */
	unsigned rule_version;
	char exception_id[RULES_ID_MAX]; /* the live exception that cancelled the policy, or "" */
	bool notify; /* the policy asks for the employee's awareness notice */
	/*
	 * Rules in shadow mode that would have acted: policies that would have alerted, exceptions
	 * that would have cancelled this alert, detectors whose findings would have made a policy
	 * alert where none did. Indexes for rules_rule_id(); counted by rules_count().
	 */
	unsigned shadow[RULES_SHADOW_MAX];
	size_t n_shadow;
	unsigned policy_index, exception_index; /* 1 + index of each, 0 for none (rules_count) */
};

/* Decides. Returns 0 and fills out (neither matched nor allowed when nothing applies). */
int rules_decide(const struct rules *rules, const struct rules_verdict *verdict,
		 const struct rules_event_info *info, struct rules_decision *out);

/* True when the decision is worth acting on or counting: an alert, an allowed event, or a rule
 * in shadow mode that would have acted. */
bool rules_decision_is_relevant(const struct rules_decision *decision);

/* The id of a rule by its index (rules_decision.shadow), or NULL. */
const char *rules_rule_id(const struct rules *rules, unsigned index);

/*
 * Counts what a decision did (the alert of its policy, the event its exception allowed) and what
 * its shadow rules would have done, on the rule set's per-rule counters. Call it once per event
 * that really happened (not for speculative decisions). Thread-safe (atomic counters).
 */
void rules_count(const struct rules *rules, const struct rules_decision *decision);

/*
 * The per-rule counters, each given to fn with its name: "alerts" (live policies), "allowed"
 * (live exceptions), "shadow" (rules in shadow mode: would-be alerts, or alerts an exception
 * would have cancelled); only counters above zero.
 */
typedef void (*rules_counter_fn)(void *ctx, const char *counter, const char *rule_id,
				 uint64_t value);
void rules_counters(const struct rules *rules, rules_counter_fn fn, void *ctx);

/* Carries the counters of the rules of old into fresh (rules of the same id), on a reload. */
void rules_carry_counters(struct rules *fresh, const struct rules *old);

/*
 * Explains a decision for an administrator (`raqib-agent test-rules`): fn is called once per
 * policy and per exception, in pack order, with whether it matched and, when it did not, why
 * ("event file_read is not one of file_upload", "the document is not official", "expired on
 * 2026-01-31"...). Returns 0.
 */
typedef void (*rules_explain_fn)(void *ctx, const char *kind, const char *rule_id,
				 enum rules_mode mode, bool matched, const char *why);
int rules_explain(const struct rules *rules, const struct rules_verdict *verdict,
		  const struct rules_event_info *info, rules_explain_fn fn, void *ctx);

/* The exceptions past their expiry date at now (they no longer apply), each given to fn with
 * its date. Returns their number. */
typedef void (*rules_expired_fn)(void *ctx, const char *rule_id, const char *date);
size_t rules_expired(const struct rules *rules, time_t now, rules_expired_fn fn, void *ctx);

/* Guidance the awareness notice points to (settings.notice_guidance), never NULL. */
const char *rules_notice_guidance(const struct rules *rules);

/* "file_read"... from an event, and back (-1 for an unknown name). */
const char *rules_event_name(enum rules_event event);
int rules_event_from_name(const char *name);

#endif /* RAQIB_RULES_H */
