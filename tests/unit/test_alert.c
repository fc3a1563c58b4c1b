// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the alert builder: ECS field names, raqib.* findings, and redaction (no raw
 * value ever reaches the document).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raqib/keys.h"
#include "raqib/rules.h"
#include "raqib/schema.h"
#include "outbox/alert.h"

static const char *str_at(json_t *doc, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(doc, a), b));
}

static json_int_t int_at(json_t *doc, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(doc, a), b));
}

/* A verdict with one CIN and one RIB, values and masks as the engine would give them. */
static void make_verdict(struct rules_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->findings = calloc(2, sizeof(*v->findings));
	assert_non_null(v->findings);
	v->n_findings = 2;
	strcpy(v->findings[0].type, "CIN");
	strcpy(v->findings[0].rule_id, "builtin.cin");
	strcpy(v->findings[0].value, "BK734021");
	strcpy(v->findings[0].masked, "BK73****");
	v->findings[0].occurrences = 2;
	v->findings[0].score = 0.8f;
	strcpy(v->findings[1].type, "RIB");
	strcpy(v->findings[1].rule_id, "builtin.rib");
	strcpy(v->findings[1].value, "007780000123456789012396");
	strcpy(v->findings[1].masked, "0077********************");
	v->findings[1].occurrences = 1;
	v->findings[1].score = 1.0f;
	v->is_official = true;
	v->level = RULES_LEVEL_SECRET;
}

static const struct alert_identity identity = {
	.agent_id = "ws-42",
	.agent_version = "0.1.0",
	.host_name = "ws-42.example",
	.sequence = 7,
	.event_id = "1b4e28ba-2fa1-4d3b-8f3e-3c8e2a1f0b9d",
};

static void test_file_alert_fields(void **state)
{
	struct rules_verdict v;
	struct alert a = {
		.kind = ALERT_KIND_FILE,
		.ts_ms = 1795345513123,
		.rule_id = "raqib.file.sensitive_read_by_messaging_app",
		.rule_name = "Sensitive file opened by a messaging app",
		.severity = RAQIB_SEVERITY_HIGH,
		.confidence = "medium",
		.why = "test",
		.pid = 4242,
		.ppid = 1,
		.uid = 1000,
		.process_name = "telegram-deskto",
		.process_executable = "/usr/bin/telegram-desktop",
		.app = "Telegram",
		.file_path = "/home/u/Documents/liste.txt",
		.file_size = 1234,
		.verdict = &v,
	};
	json_t *doc, *findings;

	(void)state;
	make_verdict(&v);
	doc = alert_to_json(&a, &identity);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "@timestamp")),
			    "2026-11-22T11:05:13.123Z");
	assert_string_equal(str_at(doc, "event", "id"), identity.event_id);
	assert_string_equal(str_at(doc, "event", "kind"), "alert");
	assert_int_equal(int_at(doc, "event", "severity"), RAQIB_SEVERITY_HIGH);
	assert_string_equal(str_at(doc, "host", "name"), "ws-42.example");
	assert_string_equal(str_at(doc, "agent", "id"), "ws-42");
	assert_int_equal(int_at(doc, "process", "pid"), 4242);
	assert_string_equal(str_at(doc, "process", "name"), "telegram-deskto");
	assert_string_equal(str_at(doc, "process", "executable"), "/usr/bin/telegram-desktop");
	assert_string_equal(str_at(doc, "user", "id"), "1000");
	assert_string_equal(str_at(doc, "file", "path"), "/home/u/Documents/liste.txt");
	assert_int_equal(int_at(doc, "file", "size"), 1234);
	assert_string_equal(str_at(doc, "rule", "id"), "raqib.file.sensitive_read_by_messaging_app");
	assert_null(json_object_get(doc, "destination"));
	assert_string_equal(str_at(doc, "raqib", "app"), "Telegram");
	assert_int_equal(int_at(doc, "raqib", "sequence"), 7);
	findings = json_object_get(json_object_get(doc, "raqib"), "findings");
	assert_int_equal(json_array_size(findings), 2);
	assert_string_equal(str_at(json_object_get(doc, "raqib"), "document", "level"), "SECRET");
	assert_string_equal(json_string_value(json_object_get(json_array_get(findings, 0), "masked")),
			    "BK73****");
	assert_null(json_object_get(json_array_get(findings, 0), "value"));
	json_decref(doc);
	rules_verdict_release(&v);
}

/* A browser's upload: the channel, the app instance, and why this file (raqib.upload.choice). */
static void test_upload_channel_instance_choice(void **state)
{
	struct rules_verdict v;
	struct alert_upload up = {
		.bytes = 178538,
		.expected = 178522,
		.flows = 1,
		.delay_ms = 900,
		.sender_pid = 4300,
		.candidates = 2,
		.in_range = 2,
		.match_error = 0.000089,
		.runner_up_size = 175000,
		.runner_up_error = 0.02012,
	};
	struct alert a = {
		.kind = ALERT_KIND_FILE,
		.ts_ms = 1795345513123,
		.rule_id = "policy.upload.classified",
		.rule_name = "Classified document uploaded",
		.severity = RAQIB_SEVERITY_CRITICAL,
		.confidence = "high",
		.why = "test",
		.pid = 4242,
		.process_name = "chromium",
		.app = "Web browser",
		.app_instance_pid = 4200,
		.app_instance_name = "chromium",
		.app_instance_executable = "/usr/lib/chromium/chromium",
		.channel_id = "whatsapp",
		.channel_name = "WhatsApp",
		.channel_kind = "messaging",
		.upload = &up,
		.file_path = "/home/u/Documents/lettre.pdf",
		.file_size = 178496,
		.verdict = &v,
	};
	json_t *doc, *raqib, *choice;

	(void)state;
	make_verdict(&v);
	doc = alert_to_json(&a, &identity);
	assert_non_null(doc);
	raqib = json_object_get(doc, "raqib");
	assert_string_equal(str_at(raqib, "channel", "id"), "whatsapp");
	assert_string_equal(str_at(raqib, "channel", "name"), "WhatsApp");
	assert_string_equal(str_at(raqib, "channel", "kind"), "messaging");
	assert_int_equal(int_at(raqib, "app_instance", "pid"), 4200);
	assert_string_equal(str_at(raqib, "app_instance", "executable"), "/usr/lib/chromium/chromium");
	choice = json_object_get(json_object_get(raqib, "upload"), "choice");
	assert_non_null(choice);
	assert_int_equal(json_integer_value(json_object_get(choice, "candidates")), 2);
	assert_true(json_real_value(json_object_get(choice, "error")) == 0.0001);
	assert_int_equal(int_at(choice, "runner_up", "size"), 175000);
	json_decref(doc);
	/* no instance, no channel, a single candidate: none of these objects */
	a.app_instance_pid = 0;
	a.channel_id = NULL;
	up.candidates = 0;
	doc = alert_to_json(&a, &identity);
	raqib = json_object_get(doc, "raqib");
	assert_null(json_object_get(raqib, "channel"));
	assert_null(json_object_get(raqib, "app_instance"));
	assert_null(json_object_get(json_object_get(raqib, "upload"), "choice"));
	json_decref(doc);
	rules_verdict_release(&v);
}

static void test_no_raw_value_in_document(void **state)
{
	struct rules_verdict v;
	struct alert a = {
		.kind = ALERT_KIND_NETWORK,
		.ts_ms = 0,
		.rule_id = "raqib.net.sensitive_cleartext_upload",
		.rule_name = "n",
		.severity = RAQIB_SEVERITY_MEDIUM,
		.uid = -1,
		.file_size = -1,
		.source_ip = "10.0.0.1",
		.source_port = 40000,
		.destination_ip = "10.0.0.2",
		.destination_port = 80,
		.transport = "tcp",
		.protocol = "http",
		.verdict = &v,
	};
	json_t *doc;
	char *text;

	(void)state;
	make_verdict(&v);
	doc = alert_to_json(&a, &identity);
	assert_non_null(doc);
	text = json_dumps(doc, JSON_COMPACT);
	assert_non_null(text);
	assert_null(strstr(text, "BK734021"));
	assert_null(strstr(text, "007780000123456789012396"));
	assert_null(strstr(text, "\"user\""));
	assert_null(strstr(text, "\"process\""));
	assert_non_null(strstr(text, "\"destination\":{\"ip\":\"10.0.0.2\",\"port\":80}"));
	assert_non_null(strstr(text, "\"network\":{\"transport\":\"tcp\",\"protocol\":\"http\"}"));
	free(text);
	json_decref(doc);
	rules_verdict_release(&v);
}

/* The evidence and identity fields of the durable outbox: keyed hashes, never the value. */
static void test_hashes_and_evidence(void **state)
{
	struct raqib_key key;
	struct rules_verdict v;
	struct alert_identity id = identity;
	struct alert a = {
		.kind = ALERT_KIND_NETWORK,
		.ts_ms = 1795345513123,
		.rule_id = "policy.network.personal_data",
		.rule_name = "n",
		.rule_version = 3,
		.rules_hash = "6c3c74c99edd1dfebe9228b288f4857b60ecf6a06118b17304b991ca26568f55",
		.severity = RAQIB_SEVERITY_MEDIUM,
		.uid = -1,
		.file_path = "/home/u/Documents/liste.txt",
		.file_size = 10,
		.source_ip = "10.0.0.1",
		.source_port = 40000,
		.bytes_sent = 123456,
		.verdict = &v,
	};
	char hash[RAQIB_MAC_HEX_BYTES];
	json_t *doc, *f0;
	char *text;

	(void)state;
	for (int i = 0; i < RAQIB_KEY_BYTES; i++)
		key.bytes[i] = (uint8_t)i;
	id.value_key = &key;
	id.value_key_id = "9aedb6baf55ad57a";
	id.created_ms = 1795345514000;
	make_verdict(&v);
	doc = alert_to_json(&a, &id);
	assert_non_null(doc);
	f0 = json_array_get(json_object_get(json_object_get(doc, "raqib"), "findings"), 0);
	/* printf 'raqib-value-v1\nCIN\nBK734021' | openssl dgst -sha256 -mac HMAC -macopt hexkey:00..1f */
	assert_string_equal(json_string_value(json_object_get(f0, "hash")),
			    "bc2c3dcff1b730e95649bcea4a317cd5e1d95290148a2d0c990b2f7a08a85dab");
	assert_int_equal(raqib_value_hash(&key, "RIB", "007780000123456789012396", hash), 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(json_object_get(doc, "raqib"), "findings"),
				       1),
			"hash")),
		hash);
	assert_string_equal(str_at(doc, "rule", "version"), "3");
	assert_string_equal(str_at(doc, "raqib", "rules_hash"), a.rules_hash);
	assert_string_equal(str_at(doc, "raqib", "value_key_id"), "9aedb6baf55ad57a");
	assert_string_equal(str_at(doc, "file", "name"), "liste.txt");
	assert_int_equal(int_at(doc, "source", "bytes"), 123456);
	assert_string_equal(str_at(doc, "event", "created"), "2026-11-22T11:05:14.000Z");
	text = json_dumps(doc, JSON_COMPACT);
	assert_non_null(text);
	assert_null(strstr(text, "BK734021"));
	assert_null(strstr(text, "007780000123456789012396"));
	free(text);
	json_decref(doc);
	/* without a rules hash of its own, the alert takes the outbox's */
	a.rules_hash = NULL;
	id.rules_hash = "abc";
	doc = alert_to_json(&a, &id);
	assert_non_null(doc);
	assert_string_equal(str_at(doc, "raqib", "rules_hash"), "abc");
	json_decref(doc);
	rules_verdict_release(&v);
}

static void test_time_format(void **state)
{
	char buf[40];

	(void)state;
	alert_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	alert_format_time(951782400007, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T00:00:00.007Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_alert_fields),
		cmocka_unit_test(test_upload_channel_instance_choice),
		cmocka_unit_test(test_no_raw_value_in_document),
		cmocka_unit_test(test_hashes_and_evidence),
		cmocka_unit_test(test_time_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
