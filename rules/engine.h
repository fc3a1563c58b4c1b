/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compiled rule set, private to rules/: typed rules loaded from the packs (pack_load.c),
 * one Hyperscan database of every pattern with a map from pattern id back to its rule
 * (compile.c), and the settings. Everything else goes through include/raqib/rules.h.
 *
 * Ownership: every string and list inside a rule is allocated from rules->arena and freed with
 * it; the rule arrays are realloc'ed and freed by rules_free().
 */
#ifndef RAQIB_RULES_ENGINE_H
#define RAQIB_RULES_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <hs/hs.h>

#include "raqib/rules.h"
#include "arena.h"

struct str_list {
	char **items;
	size_t n;
};

/* What every rule has, and where it was defined (for errors and --explain). */
struct rule_meta {
	char *id;
	char *description;
	struct str_list tags;
	bool enabled;
	enum rules_mode mode;
	unsigned version;
	const char *file; /* arena string shared by the rules of one pack */
	unsigned line, column;
	unsigned index; /* in rules->all (counters, decisions) */
};

enum validator_kind {
	VAL_NONE,
	VAL_CIN,
	VAL_PHONE_MA,
	VAL_RIB,
	VAL_IBAN_MA,
	VAL_CARD,
	VAL_EMAIL,
	VAL_DIGITS,
	VAL_ICE,
	VAL_MASSAR,
	VAL_PASSPORT,
};

struct det_pattern {
	char *regex;
	bool column_only; /* counts only in a column whose header names the detector */
	const char *file; /* where it was written (an override may be in another file) */
	unsigned line, column;
};

/* Column context is kept as a bit per detector: the first 64 detectors of a rule set. */
#define MAX_COLUMN_DETECTORS 64

struct detector {
	struct rule_meta meta;
	char entity[RULES_TYPE_MAX];
	bool person; /* counts towards bulk personal data */
	int priority; /* higher wins when spans overlap */
	enum validator_kind validator;
	float score, checksum_score, min_score;
	bool ctx_required;
	unsigned ctx_before, ctx_after; /* characters, same line */
	float ctx_boost;
	struct str_list ctx_words;
	unsigned neg_before;
	float neg_penalty;
	struct str_list neg_words;
	struct det_pattern *patterns;
	size_t n_patterns;
};

enum marker_signal {
	SIG_LETTERHEAD,
	SIG_ADMINISTRATION,
	SIG_REFERENCE,
	SIG_SUBJECT,
	SIG_PLACE_DATE,
	SIG_PROTOCOL,
	SIG_DOCTYPE,
	SIG_CLASSIFICATION,
	SIG_NEWS,
	SIG_FOREIGN,
	SIG_COMPANY,
	SIG_COUNT,
};

enum marker_zone {
	ZONE_TOP,
	ZONE_BOTTOM,
	ZONE_EDGES,
	ZONE_ANYWHERE,
};

struct marker {
	struct rule_meta meta;
	enum marker_signal signal;
	int points;
	bool anchor; /* one of these lines makes a document eligible to be official */
	enum marker_zone zone;
	bool line_start;
	bool whole_line;
	enum rules_level level; /* classification marks */
	struct str_list phrases;
	struct str_list regexes;
	struct str_list line_keys; /* whole_line: each phrase reduced as lines are (mark_key) */
};

struct cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bits;
	uint16_t port; /* the range counts for servers on this port only; 0: any */
	uint8_t addr[16];
};

struct app_rule {
	struct rules_app app; /* id and name point into the arena */
	struct rule_meta meta;
	struct str_list executables;
	struct str_list paths;
	struct str_list origins;
	struct str_list server_names;
	struct str_list ndpi;
	struct str_list profile_options;
	struct cidr *ranges;
	size_t n_ranges;
};

struct fingerprint_rule {
	struct rule_meta meta;
	struct str_list sha256; /* lower-case hex */
	char *ssdeep; /* of the normalised text, or NULL */
	unsigned similarity; /* threshold 0..100 */
	enum rules_level level;
	bool official;
};

/* A tri-state condition: unset, or required false/true. */
#define COND_UNSET -1

/*
 * A condition on where content went (policies' when.destination, exceptions'
 * match.destination): it holds when any of its criteria matches what is known of the
 * destination. mail_domains holds only when every recipient's domain is in it.
 */
struct dest_cond {
	struct str_list apps; /* app ids */
	struct str_list app_kinds; /* "messaging", "browser"... */
	struct str_list server_names; /* shell patterns; "*.x" also matches x */
	struct str_list mail_domains; /* same patterns, on each recipient's domain */
	struct str_list urls; /* shell patterns on "host/path" */
	struct cidr *ranges;
	size_t n_ranges;
	bool is_set;
};

struct policy_rule {
	struct rule_meta meta;
	char *name;
	uint32_t events; /* bit per enum rules_event */
	int cond_sensitive, cond_official, cond_bulk, cond_fingerprint, cond_encrypted;
	enum rules_level level_at_least; /* RULES_LEVEL_NONE: unset */
	struct str_list entities_any;
	struct str_list apps_any;
	struct dest_cond dest;
	int severity;
	char confidence[8];
	bool notify; /* the employee's awareness notice */
};

struct exception_rule {
	struct rule_meta meta;
	struct str_list hosts, users, paths, apps, sha256, rules;
	uint32_t events; /* bit per enum rules_event; 0: every event */
	struct dest_cond dest;
	char *owner; /* who asked for it and answers for it */
	char *reason;
	time_t expires; /* first second it no longer applies (the day after its date, UTC); 0 never */
	char expires_text[16]; /* "2026-12-31" or "never" */
	bool record; /* the event is recorded as allowed (true), or dropped silently */
};

struct rules_settings {
	unsigned official_threshold;
	unsigned top_lines;
	unsigned bottom_lines;
	unsigned bulk_threshold;
	unsigned max_findings; /* distinct values kept per stream */
	const char *notice_guidance; /* what the awareness notice points to (arena) */
};

enum pattern_role {
	ROLE_DETECT,
	ROLE_CONTEXT,
	ROLE_NEGATIVE,
	ROLE_MARKER,
};

#define PAT_COLUMN_ONLY 0x1
#define PAT_WORD_LEFT 0x2 /* a letter or digit must not touch its start (Latin keywords) */
#define PAT_WORD_RIGHT 0x4
#define PAT_NO_SOM 0x8 /* compiled without start of match: only its end is known */
#define PAT_LITERAL 0x10 /* a literal of lit_len bytes: its start is its end minus that */

/* What a Hyperscan pattern id stands for. */
struct pattern_ref {
	uint8_t role; /* enum pattern_role */
	uint8_t flags; /* PAT_* */
	uint16_t rule; /* index in detectors[] or markers[] */
	uint16_t item; /* index of the pattern or word in its rule (for --explain) */
	uint16_t lit_len; /* PAT_LITERAL: bytes of the normalised literal */
};

struct rules {
	struct arena arena;
	struct detector *detectors;
	size_t n_detectors;
	struct marker *markers;
	size_t n_markers;
	struct app_rule *apps;
	size_t n_apps;
	struct fingerprint_rule *fingerprints;
	size_t n_fingerprints;
	struct policy_rule *policies;
	size_t n_policies;
	struct exception_rule *exceptions;
	size_t n_exceptions;
	struct rules_settings settings;

	hs_database_t *db; /* block mode, every pattern needed on every line */
	hs_database_t *zone_db; /* markers of the top and bottom zones: run on those lines only */
	hs_scratch_t *scratch; /* prototype that workers clone (serves both databases) */
	struct pattern_ref *patterns;
	size_t n_patterns;
	const char **exe_names; /* every app's executable names (arena strings) */
	size_t n_exe_names;
	bool has_ssdeep; /* a fingerprint rule needs the similarity digest of the text */
	char hash[65]; /* hex SHA-256 of the packs, in load order */

	/* Every rule, by rule_meta.index, and its counter (the only state that changes once the
	 * rules are built: atomic, see rules_count()). */
	struct rule_meta **all;
	size_t n_all;
	_Atomic uint64_t *counts;
};

/* One pack's text, as read from a file or embedded in the binary. */
struct pack_source {
	const char *name; /* file name, for errors */
	const char *text;
	size_t len;
	unsigned layer; /* 0 for the first layer */
};

struct merged_packs;

/*
 * Parses the merged rule set (pack_merge.h) into typed rules with full validation of each
 * rule. Returns 0, or a negative errno with err filled (file, line, column, reason).
 */
int pack_load(struct rules *rules, struct merged_packs *merged, struct rules_error *err);

/* Parses a CIDR range "addr/bits". Returns 0 or -EINVAL. */
int cidr_parse(const char *text, struct cidr *out);

/* True when addr (family AF_INET or AF_INET6) is in the range. */
bool cidr_contains(const struct cidr *c, int family, const uint8_t *addr);

/*
 * Checks what spans packs (duplicate ids, policies naming unknown entities or apps) and builds
 * the Hyperscan database, the pattern map and the lookup tables. Returns 0 or -errno with err.
 */
int rules_compile(struct rules *rules, struct rules_error *err);

/* Reduces a line to the key whole-line marks are compared with: decoration and punctuation
 * stripped, ASCII lower case, single spaces. Returns the key length (< out_len). */
size_t mark_key(const char *line, size_t len, char *out, size_t out_len);

/* "letterhead", "administration"... */
const char *marker_signal_name(enum marker_signal s);

/* Severity numbers (RAQIB_SEVERITY_*) of "low" ... "critical"; -1 for an unknown name. */
int severity_from_name(const char *name);

/* RULES_LEVEL_* of "SECRET"...; -1 for an unknown name. */
int level_from_name(const char *name);

/* Shell-pattern match (fnmatch) where "*.x" also matches "x" itself. */
bool host_pattern_match(const char *pattern, const char *host);

#endif /* RAQIB_RULES_ENGINE_H */
