/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a policy decision becomes what the agent sends: the one step every path (host files,
 * TLS plaintext, cleartext network objects) takes between rules_decide() and the alert sink.
 * An alert carries the policy; an allowed event (a sanctioned channel) carries the policy and
 * the exception that allowed it, at the lowest severity; rules in shadow mode are counted on
 * the rules' counters and change nothing.
 */
#ifndef RAQIB_AGENT_DECISION_H
#define RAQIB_AGENT_DECISION_H

#include <stdbool.h>

#include "raqib/rules.h"
#include "outbox/alert.h"

/*
 * Decides for the event (verdict and info) and counts the decision (rules_count()). When there
 * is something to send, fills alert's rule fields (and, for an allowed event, allowed_by, why
 * and severity) from *d and returns true; otherwise returns false. alert's pointers then point
 * into *d, which must outlive the alert.
 */
bool decision_make(const struct rules *rules, const struct rules_verdict *verdict,
		   const struct rules_event_info *info, struct alert *alert,
		   struct rules_decision *d);

#endif /* RAQIB_AGENT_DECISION_H */
