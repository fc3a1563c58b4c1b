// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what administrators do with rules, through the public API
 * (include/raqib/rules.h): layered packs (the built-in packs, then overrides by id, disabling,
 * a pack replaced by name, named lists), where each field came from, honest shadow mode
 * (shadow rules never change what fires, their would-be decisions are counted), exceptions
 * with owner, reason and expiry, destination conditions (sanctioned channels), and the
 * explanations of test-rules. Every value here is synthetic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "raqib/rules.h"
#include "raqib/schema.h"

#define LETTER                                                                         \
	"ROYAUME DU MAROC\nMINISTERE DE L'INTERIEUR\nProvince de Demo\nN° 123/2026\n" \
	"Objet : demande\nRabat, le 12 mars 2026\nMonsieur le Gouverneur\n"

/* Builds the built-in packs with the given overlay packs (name, text pairs, NULL-ended) on top. */
static struct rules *layered(struct rules_error *err, ...)
{
	struct rules_packs *p = rules_packs_new();
	struct rules *r;
	va_list ap;

	assert_non_null(p);
	assert_int_equal(rules_packs_layer(p, "built-in"), 0);
	assert_int_equal(rules_packs_add_builtin(p), 0);
	assert_int_equal(rules_packs_layer(p, "admin"), 0);
	va_start(ap, err);
	for (const char *name; (name = va_arg(ap, const char *));) {
		const char *text = va_arg(ap, const char *);

		assert_int_equal(rules_packs_add_text(p, name, text, strlen(text)), 0);
	}
	va_end(ap);
	r = rules_build(p, err);
	rules_packs_free(p);
	return r;
}

static struct rules *layered_ok(const char *name, const char *text)
{
	struct rules_error err;
	struct rules *r = layered(&err, name, text, NULL);

	if (!r)
		fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.text);
	return r;
}

static void scan(const struct rules *r, const char *text, struct rules_verdict *v)
{
	assert_int_equal(rules_scan_buffer(r, text, strlen(text), v), 0);
}

static struct rules_decision decide(const struct rules *r, const char *text,
				    const struct rules_event_info *info)
{
	struct rules_verdict v;
	struct rules_decision d;

	scan(r, text, &v);
	assert_int_equal(rules_decide(r, &v, info, &d), 0);
	rules_verdict_release(&v);
	return d;
}

static bool has_shadow(const struct rules *r, const struct rules_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_shadow; i++)
		if (!strcmp(rules_rule_id(r, d->shadow[i]), id))
			return true;
	return false;
}

#define PACK_HEAD "pack: {name: local, version: 1, description: test}\n"

/* An override changes one field of a built-in rule; the others stay. */
static void test_override_field(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD "rules:\n"
							    "  - id: policy.read.personal_data\n"
							    "    override: true\n"
							    "    severity: high\n");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);

	(void)state;
	assert_true(d.matched);
	assert_string_equal(d.rule_id, "policy.read.personal_data");
	assert_int_equal(d.severity, RAQIB_SEVERITY_HIGH);
	assert_string_equal(d.confidence, "medium"); /* from the built-in pack */
	rules_free(r);
}

/* A rule disabled by an override no longer decides; the built-in detectors still find. */
static void test_override_disable(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD "rules:\n"
							    "  - id: policy.read.personal_data\n"
							    "    override: true\n"
							    "    enabled: false\n");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);
	struct rules_summary s;

	(void)state;
	assert_false(d.matched);
	rules_summarize(r, &s);
	assert_int_equal(s.disabled, 1);
	assert_true(s.detectors >= 10);
	rules_free(r);
}

/* Mappings such as `when` are merged field by field. */
static void test_override_merges_mappings(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD "rules:\n"
							    "  - id: policy.upload.sensitive\n"
							    "    override: true\n"
							    "    when: {official: true}\n");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_UPLOAD };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);

	(void)state;
	assert_false(d.matched); /* official now required, sensitive still */
	d = decide(r, LETTER, &info);
	assert_string_equal(d.rule_id, "policy.upload.sensitive");
	rules_free(r);
}

static void expect_refused(const char *text, const char *file, unsigned line,
			   const char *message_part)
{
	struct rules_error err;
	struct rules *r = layered(&err, "local.yml", text, NULL);

	assert_null(r);
	assert_string_equal(err.file, file);
	assert_int_equal(err.line, line);
	if (!strstr(err.text, message_part))
		fail_msg("'%s' does not say '%s'", err.text, message_part);
}

static void test_override_refusals(void **state)
{
	(void)state;
	/* redefining a built-in id without override: refused, with the way to do it */
	expect_refused(PACK_HEAD "rules:\n  - id: pii.cin\n    kind: detector\n", "local.yml", 3,
		       "duplicate id, first defined at packs/morocco-pii.yml");
	expect_refused(PACK_HEAD "rules:\n  - id: pii.cin\n    kind: detector\n", "local.yml", 3,
		       "write override: true");
	expect_refused(PACK_HEAD "rules:\n  - id: pii.nothing\n    override: true\n    score: 1\n",
		       "local.yml", 3, "no earlier pack defines");
	expect_refused(PACK_HEAD "rules:\n  - id: pii.cin\n    override: true\n    kind: policy\n",
		       "local.yml", 5, "cannot change the kind");
	/* an error in an overridden field points at the overlay, not the built-in pack */
	expect_refused(PACK_HEAD "rules:\n  - id: pii.cin\n    override: true\n    min_score: 7\n",
		       "local.yml", 5, "'min_score' must be a number from 0 to 1");
	expect_refused(PACK_HEAD "rules:\n  - id: pii.cin\n    override: true\n    colour: red\n",
		       "local.yml", 5, "unknown key 'colour' in a detector rule");
}

/* A later layer's pack of the same name replaces the built-in pack whole. */
static void test_pack_replaced_by_name(void **state)
{
	struct rules *r = layered_ok("my-policies.yml",
				     "pack: {name: policies, version: 2, description: ours}\n"
				     "rules:\n"
				     "  - id: policy.only\n    kind: policy\n    description: d\n"
				     "    tags: [t]\n    enabled: true\n    mode: alert\n"
				     "    name: Only\n    events: [file_read]\n"
				     "    when: {bulk: true}\n    severity: high\n"
				     "    confidence: high\n");
	struct rules_summary s;

	(void)state;
	rules_summarize(r, &s);
	assert_int_equal(s.policies, 1);
	assert_true(s.detectors >= 10);
	rules_free(r);
}

/* Two packs of one layer may not share a name. */
static void test_pack_name_twice_in_a_layer(void **state)
{
	struct rules_error err;
	struct rules *r = layered(&err, "a.yml", PACK_HEAD, "b.yml", PACK_HEAD, NULL);

	(void)state;
	assert_null(r);
	assert_string_equal(err.file, "b.yml");
	assert_non_null(strstr(err.text, "also the name of a.yml"));
}

#define EXCEPTION_HEAD                                                                \
	"    kind: exception\n    description: d\n    tags: [t]\n    enabled: true\n" \
	"    owner: dsi@commune.example.ma\n    reason: test\n"

/* Named lists: defined once, appended to by a later pack, used in rules with $name. */
static void test_named_lists(void **state)
{
	struct rules_error err;
	struct rules *r =
		layered(&err, "a.yml",
			"pack: {name: a, version: 1, description: t}\n"
			"lists:\n  - name: gov_mail\n    items: [interieur.gov.ma]\n",
			"b.yml",
			"pack: {name: b, version: 1, description: t}\n"
			"lists:\n  - name: gov_mail\n    append: true\n"
			"    items: [finances.gov.ma]\n"
			"rules:\n  - id: exception.mail\n" EXCEPTION_HEAD
			"    mode: alert\n    expires: never\n"
			"    match: {destination: {mail_domains: [$gov_mail, sgg.gov.ma]}}\n",
			NULL);
	struct rules_event_info info = {
		.event = RULES_EVENT_CLEARTEXT,
		.dest = { .mail_domains = { "finances.gov.ma", "sgg.gov.ma" }, .n_mail_domains = 2 }
	};
	struct rules_decision d;

	(void)state;
	if (!r)
		fail_msg("%s:%u: %s", err.file, err.line, err.text);
	d = decide(r, LETTER, &info);
	assert_true(d.allowed);
	assert_string_equal(d.exception_id, "exception.mail");
	rules_free(r);
	expect_refused(PACK_HEAD "rules:\n  - id: exception.mail\n" EXCEPTION_HEAD
				 "    mode: alert\n    expires: never\n"
				 "    match: {hosts: [$no_such_list]}\n",
		       "local.yml", 12, "'$no_such_list' names no list");
	expect_refused(PACK_HEAD "lists:\n  - name: x\n    append: true\n    items: [a]\n",
		       "local.yml", 3, "append to a list no earlier pack defines");
}

/* The effective set names the file and line of each field, the overlay's where it changed. */
static void test_print_provenance(void **state)
{
	struct rules_packs *p = rules_packs_new();
	const char *text = PACK_HEAD "rules:\n  - id: pii.cin\n    override: true\n"
				     "    min_score: 0.7\n";
	struct rules_error err;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(rules_packs_add_builtin(p), 0);
	assert_int_equal(rules_packs_layer(p, "admin"), 0);
	assert_int_equal(rules_packs_add_text(p, "local.yml", text, strlen(text)), 0);
	assert_int_equal(rules_packs_print(p, "pii.cin", f, &err), 0);
	assert_int_equal(rules_packs_print(p, "no.such.rule", f, &err), -ENOENT);
	fclose(f);
	assert_non_null(strstr(out, "- id: pii.cin"));
	assert_non_null(strstr(out, "# packs/morocco-pii.yml:"));
	assert_non_null(strstr(out, "min_score: 0.7"));
	assert_non_null(strstr(strstr(out, "min_score: 0.7"), "# local.yml:5"));
	free(out);
	rules_packs_free(p);
}

#define SHADOW_POLICY(id, severity)                                                       \
	"  - id: " id "\n    kind: policy\n    description: being tried\n    tags: [t]\n" \
	"    enabled: true\n    mode: shadow\n    name: Tried\n    events: [file_read]\n" \
	"    when: {sensitive: true}\n    severity: " severity "\n    confidence: high\n"

/*
 * A shadow policy more severe than the live one: the live one decides (today's code let the
 * shadow one win, and its callers then dropped the alert), and the shadow one is counted.
 */
static void test_shadow_never_replaces_live(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD
				     "rules:\n" SHADOW_POLICY("policy.read.tried", "critical"));
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);

	(void)state;
	assert_true(d.matched);
	assert_string_equal(d.rule_id, "policy.read.personal_data");
	assert_int_equal(d.severity, RAQIB_SEVERITY_LOW);
	assert_true(has_shadow(r, &d, "policy.read.tried"));
	assert_true(rules_decision_is_relevant(&d));
	rules_free(r);
}

struct counter_seen {
	char text[1024];
};

static void collect(void *ctx, const char *counter, const char *rule_id, uint64_t value)
{
	struct counter_seen *s = ctx;
	size_t o = strlen(s->text);

	snprintf(s->text + o, sizeof(s->text) - o, "%s.%s=%llu ", counter, rule_id,
		 (unsigned long long)value);
}

/* Would-be alerts are counted per rule; live ones too; counters survive a reload. */
static void test_shadow_counted(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD
				     "rules:\n" SHADOW_POLICY("policy.read.tried", "low"));
	struct rules *fresh = layered_ok("local.yml", PACK_HEAD
					 "rules:\n" SHADOW_POLICY("policy.read.tried", "low"));
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct counter_seen seen = { "" };
	struct rules_decision d;

	(void)state;
	for (int i = 0; i < 3; i++) {
		d = decide(r, "CIN : BK734021", &info);
		rules_count(r, &d);
	}
	d = decide(r, "rien", &info);
	rules_count(r, &d);
	rules_counters(r, collect, &seen);
	assert_non_null(strstr(seen.text, "shadow.policy.read.tried=3 "));
	assert_non_null(strstr(seen.text, "alerts.policy.read.personal_data=3 "));
	rules_carry_counters(fresh, r);
	seen.text[0] = '\0';
	rules_counters(fresh, collect, &seen);
	assert_non_null(strstr(seen.text, "shadow.policy.read.tried=3 "));
	rules_free(r);
	rules_free(fresh);
}

/* A detector in shadow mode: its finding never alerts, but what it would have done counts. */
static void test_shadow_detector(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD
				     "rules:\n"
				     "  - id: pii.plate\n    kind: detector\n"
				     "    description: plates\n    tags: [t]\n"
				     "    enabled: true\n    mode: shadow\n"
				     "    entity: PLATE\n    patterns: ['\\b[0-9]{5}-[A-Z]\\b']\n"
				     "    score: 0.9\n");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d = decide(r, "immatriculation 12345-A", &info);

	(void)state;
	assert_false(d.matched);
	assert_true(has_shadow(r, &d, "pii.plate"));
	rules_free(r);
}

#define LIVE_EXCEPTION(mode, expires, match)                                               \
	"  - id: exception.x\n" EXCEPTION_HEAD "    mode: " mode "\n    expires: " expires \
	"\n    match: " match "\n"

/* An exception in shadow mode cancels nothing and counts what it would have cancelled. */
static void test_shadow_exception(void **state)
{
	struct rules *r =
		layered_ok("local.yml", PACK_HEAD
			   "rules:\n" LIVE_EXCEPTION("shadow", "never", "{users: [\"1001\"]}"));
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ, .user = "1001" };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);

	(void)state;
	assert_true(d.matched);
	assert_true(has_shadow(r, &d, "exception.x"));
	info.user = "1002";
	d = decide(r, "CIN : BK734021", &info);
	assert_true(d.matched);
	assert_int_equal(d.n_shadow, 0);
	rules_free(r);
}

/* An exception applies through its expiry date, then stops applying. */
static void test_exception_expiry(void **state)
{
	struct rules *r =
		layered_ok("local.yml", PACK_HEAD
			   "rules:\n" LIVE_EXCEPTION("alert", "2026-01-31", "{users: [\"1001\"]}"));
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ, .user = "1001" };
	struct rules_decision d;

	(void)state;
	info.now = 1769860800; /* 2026-01-31 12:00 UTC */
	d = decide(r, "CIN : BK734021", &info);
	assert_false(d.matched);
	assert_true(d.allowed);
	info.now = 1769904000 - 1; /* the last second of 2026-01-31 */
	d = decide(r, "CIN : BK734021", &info);
	assert_false(d.matched);
	info.now = 1769904000; /* 2026-02-01 00:00 UTC */
	d = decide(r, "CIN : BK734021", &info);
	assert_true(d.matched);
	rules_free(r);
	expect_refused(PACK_HEAD "rules:\n  - id: exception.x\n    kind: exception\n"
				 "    description: d\n    tags: [t]\n    enabled: true\n"
				 "    mode: alert\n    reason: r\n    expires: never\n"
				 "    match: {users: [\"1\"]}\n",
		       "local.yml", 3, "missing 'owner'");
	expect_refused(PACK_HEAD
		       "rules:\n" LIVE_EXCEPTION("alert", "31/01/2026", "{users: [\"1\"]}"),
		       "local.yml", 11, "'expires' must be a date YYYY-MM-DD, or never");
}

#define SECURE_MAIL                                                                    \
	LIVE_EXCEPTION("alert", "never",                                               \
		       "{destination: {server_names: [\"*.interieur.gov.ma\"], "       \
		       "mail_domains: [interieur.gov.ma], ip_ranges: [10.20.0.0/16], " \
		       "urls: [\"ged.interieur.gov.ma/depot/*\"]}}")

/* Sanctioned channels: the destination decides between an allowed event and an alert. */
static void test_destination_conditions(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD "rules:\n" SECURE_MAIL);
	struct rules_event_info info = { .event = RULES_EVENT_CLEARTEXT };
	struct rules_decision d;

	(void)state;
	info.dest.server_name = "webmail.interieur.gov.ma";
	d = decide(r, LETTER, &info);
	assert_true(d.allowed);
	assert_false(d.matched);
	assert_string_equal(d.rule_id, "policy.network.official");

	info.dest = (struct rules_destination){ .server_name = "interieur.gov.ma.example.com" };
	d = decide(r, LETTER, &info);
	assert_true(d.matched);

	/* every recipient must be at a sanctioned domain */
	info.dest = (struct rules_destination){ .mail_domains = { "interieur.gov.ma" },
						.n_mail_domains = 1 };
	assert_true(decide(r, LETTER, &info).allowed);
	info.dest.mail_domains[1] = "gmail.com";
	info.dest.n_mail_domains = 2;
	assert_true(decide(r, LETTER, &info).matched);
	info.dest.mail_domains[1] = NULL; /* a domain not known */
	assert_true(decide(r, LETTER, &info).matched);

	info.dest = (struct rules_destination){ .family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, "10.20.3.4", info.dest.addr), 1);
	assert_true(decide(r, LETTER, &info).allowed);
	assert_int_equal(inet_pton(AF_INET, "10.21.3.4", info.dest.addr), 1);
	assert_true(decide(r, LETTER, &info).matched);

	info.dest = (struct rules_destination){ .url = "ged.interieur.gov.ma/depot/courrier" };
	assert_true(decide(r, LETTER, &info).allowed);
	info.dest.url = "ged.interieur.gov.ma/autre";
	assert_true(decide(r, LETTER, &info).matched);
	rules_free(r);
}

/* App and app kind conditions; WhatsApp stays alerted. */
static void test_destination_apps(void **state)
{
	struct rules *r =
		layered_ok("local.yml", PACK_HEAD
			   "rules:\n" LIVE_EXCEPTION("alert", "never",
						     "{destination: {app_kinds: [browser]}}"));
	struct rules_event_info info = { .event = RULES_EVENT_FILE_UPLOAD };

	(void)state;
	info.app = rules_app_by_id(r, "whatsapp");
	assert_non_null(info.app);
	assert_true(decide(r, LETTER, &info).matched);
	info.app = rules_app_by_exe(r, "/usr/bin/firefox");
	assert_non_null(info.app);
	assert_true(decide(r, LETTER, &info).allowed);
	rules_free(r);
	expect_refused(PACK_HEAD "rules:\n" LIVE_EXCEPTION("alert", "never",
							   "{destination: {app_kinds: [fax]}}"),
		       "local.yml", 12, "unknown app kind 'fax'");
	expect_refused(PACK_HEAD
		       "rules:\n" LIVE_EXCEPTION("alert", "never", "{destination: {apps: [fax]}}"),
		       "local.yml", 3, "destination.apps names 'fax'");
}

/* An exception that asks for no record cancels silently. */
static void test_exception_without_record(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD
				     "rules:\n  - id: exception.x\n" EXCEPTION_HEAD
				     "    mode: alert\n    expires: never\n"
				     "    record: false\n    match: {users: [\"1001\"]}\n");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ, .user = "1001" };
	struct rules_decision d = decide(r, "CIN : BK734021", &info);

	(void)state;
	assert_false(d.matched);
	assert_false(d.allowed);
	assert_string_equal(d.exception_id, "exception.x");
	rules_free(r);
}

struct explained {
	char text[8192];
};

static void explain_fn(void *ctx, const char *kind, const char *rule_id, enum rules_mode mode,
		       bool matched, const char *why)
{
	struct explained *e = ctx;
	size_t o = strlen(e->text);

	snprintf(e->text + o, sizeof(e->text) - o, "%s %s %s %s: %s\n", kind, rule_id,
		 mode == RULES_MODE_SHADOW ? "shadow" : "live", matched ? "yes" : "no",
		 why ? why : "");
}

/* Why each candidate did not match. */
static void test_explain(void **state)
{
	struct rules *r = layered_ok("local.yml", PACK_HEAD "rules:\n" SECURE_MAIL);
	struct rules_event_info info = { .event = RULES_EVENT_CLEARTEXT,
					 .dest = { .server_name = "smtp.gmail.com" } };
	struct explained e = { "" };
	struct rules_verdict v;

	(void)state;
	scan(r, LETTER, &v);
	assert_int_equal(rules_explain(r, &v, &info, explain_fn, &e), 0);
	rules_verdict_release(&v);
	assert_non_null(strstr(e.text, "policy policy.network.official live yes"));
	assert_non_null(strstr(
		e.text,
		"policy policy.read.official live no: the event cleartext is not one of file_read"));
	assert_non_null(strstr(
		e.text,
		"policy policy.network.classified live no: its level (none) is below CONFIDENTIAL"));
	assert_non_null(strstr(
		e.text,
		"exception exception.x live no: the destination (server name smtp.gmail.com) is not one it names"));
	rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_field),
		cmocka_unit_test(test_override_disable),
		cmocka_unit_test(test_override_merges_mappings),
		cmocka_unit_test(test_override_refusals),
		cmocka_unit_test(test_pack_replaced_by_name),
		cmocka_unit_test(test_pack_name_twice_in_a_layer),
		cmocka_unit_test(test_named_lists),
		cmocka_unit_test(test_print_provenance),
		cmocka_unit_test(test_shadow_never_replaces_live),
		cmocka_unit_test(test_shadow_counted),
		cmocka_unit_test(test_shadow_detector),
		cmocka_unit_test(test_shadow_exception),
		cmocka_unit_test(test_exception_expiry),
		cmocka_unit_test(test_destination_conditions),
		cmocka_unit_test(test_destination_apps),
		cmocka_unit_test(test_exception_without_record),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
