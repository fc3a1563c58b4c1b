// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy of the built-in rules: which events become alerts and how severe they are. A sensitive
 * verdict always alerts; the severity grows with what the content is (classification level,
 * official document, bulk personal data) and the confidence with how directly the content was
 * seen leaving. The rule packs' `policy` and `exception` kinds replace it.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "raqib/schema.h"

struct builtin_policy {
	enum rules_event event;
	const char *rule_id;
	const char *rule_name;
	const char *confidence;
};

static const struct builtin_policy builtin_policies[] = {
	{ RULES_EVENT_FILE_READ, "raqib.file.sensitive_read_by_messaging_app",
	  "Sensitive file opened by a messaging app", "medium" },
	{ RULES_EVENT_FILE_UPLOAD, "raqib.file.sensitive_upload_to_messaging_app",
	  "Sensitive file uploaded to a messaging app", "high" },
	{ RULES_EVENT_CLEARTEXT, "raqib.net.sensitive_cleartext_upload",
	  "Sensitive content sent in clear", "high" },
	{ RULES_EVENT_TLS_PLAINTEXT, "raqib.tls.sensitive_plaintext",
	  "Sensitive content sent over TLS", "high" },
	{ RULES_EVENT_DATA_AT_REST, "raqib.scan.sensitive_file", "Sensitive file at rest", "high" },
};

static int severity_of(const struct rules_verdict *v)
{
	if (v->level >= RULES_LEVEL_SECRET)
		return RAQIB_SEVERITY_CRITICAL;
	if (v->is_official || v->level != RULES_LEVEL_NONE || v->is_bulk)
		return RAQIB_SEVERITY_HIGH;
	return RAQIB_SEVERITY_MEDIUM;
}

int rules_decide(const struct rules *rules, const struct rules_verdict *verdict,
		 const struct rules_event_info *info, struct rules_decision *out)
{
	(void)rules;
	memset(out, 0, sizeof(*out));
	if (!rules_verdict_is_sensitive(verdict))
		return 0;
	for (size_t i = 0; i < sizeof(builtin_policies) / sizeof(builtin_policies[0]); i++) {
		const struct builtin_policy *p = &builtin_policies[i];

		if (p->event != info->event)
			continue;
		out->matched = true;
		out->mode = RULES_MODE_ALERT;
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", p->rule_id);
		snprintf(out->rule_name, sizeof(out->rule_name), "%s", p->rule_name);
		snprintf(out->confidence, sizeof(out->confidence), "%s", p->confidence);
		out->severity = severity_of(verdict);
		out->rule_version = 1;
		break;
	}
	return 0;
}
