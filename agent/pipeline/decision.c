// SPDX-License-Identifier: GPL-2.0-only
/*
 * From a policy decision to the alert or allowed event the agent sends (see decision.h).
 */
#include "decision.h"

#include "raqib/schema.h"

bool decision_make(const struct rules *rules, const struct rules_verdict *verdict,
		   const struct rules_event_info *info, struct alert *alert,
		   struct rules_decision *d)
{
	if (rules_decide(rules, verdict, info, d))
		return false;
	rules_count(rules, d);
	if (!d->matched && !d->allowed)
		return false;
	alert->rule_id = d->rule_id;
	alert->rule_name = d->rule_name;
	alert->rule_version = d->rule_version;
	alert->severity = d->severity;
	alert->confidence = d->confidence;
	alert->notify = d->notify;
	if (d->allowed) {
		/* a record on the timeline, not an alert: the first dropped when the spool fills */
		alert->allowed_by = d->exception_id;
		alert->severity = RAQIB_SEVERITY_LOW;
		alert->why =
			"sent through a channel an exception allows (a sanctioned channel): recorded, not alerted";
	}
	return true;
}
