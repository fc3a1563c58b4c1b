// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy (rules of kind policy and exception, rules/packs/policies.yml): of the policies that
 * apply to an event and a verdict, the most severe decides; an exception that matches the event
 * cancels the alert.
 */
#include "engine.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool cond_ok(int cond, bool value)
{
	return cond == COND_UNSET || (bool)cond == value;
}

static bool list_has(const struct str_list *l, const char *v)
{
	for (size_t i = 0; v && i < l->n; i++)
		if (strcmp(l->items[i], v) == 0)
			return true;
	return false;
}

static bool applies(const struct policy_rule *p, const struct rules_verdict *v,
		    const struct rules_event_info *info)
{
	bool any = false;

	if (!p->meta.enabled || !(p->events & (1u << info->event)))
		return false;
	if (!cond_ok(p->cond_sensitive, rules_verdict_is_sensitive(v)) ||
	    !cond_ok(p->cond_official, v->is_official) || !cond_ok(p->cond_bulk, v->is_bulk) ||
	    !cond_ok(p->cond_fingerprint, v->fingerprint[0] != '\0') ||
	    !cond_ok(p->cond_encrypted, info->is_encrypted_container))
		return false;
	if (p->level_at_least && v->level < p->level_at_least)
		return false;
	for (size_t i = 0; i < p->entities_any.n && !any; i++)
		any = rules_verdict_count(v, p->entities_any.items[i]) > 0;
	if (p->entities_any.n && !any)
		return false;
	if (p->apps_any.n) {
		if (!info->app)
			return false;
		for (size_t i = 0, hit = 0; i < p->apps_any.n && !hit; i++) {
			hit = !strcmp(p->apps_any.items[i], info->app->id);
			if (i + 1 == p->apps_any.n && !hit)
				return false;
		}
	}
	return true;
}

/* A list criterion holds when it is empty or one of its shell patterns matches value. */
static bool glob_any(const struct str_list *l, const char *value)
{
	if (!l->n)
		return true;
	for (size_t i = 0; value && i < l->n; i++)
		if (fnmatch(l->items[i], value, 0) == 0)
			return true;
	return false;
}

static bool excepted(const struct exception_rule *e, const struct rules_event_info *info,
		     const char *rule_id)
{
	if (!e->meta.enabled)
		return false;
	if (e->apps.n && !(info->app && list_has(&e->apps, info->app->id)))
		return false;
	if (e->sha256.n) {
		bool hit = false;

		for (size_t i = 0; info->sha256 && i < e->sha256.n && !hit; i++)
			hit = strcasecmp(e->sha256.items[i], info->sha256) == 0;
		if (!hit)
			return false;
	}
	return glob_any(&e->hosts, info->host_name) && glob_any(&e->users, info->user) &&
	       glob_any(&e->paths, info->file_path) && glob_any(&e->rules, rule_id);
}

int rules_decide(const struct rules *r, const struct rules_verdict *verdict,
		 const struct rules_event_info *info, struct rules_decision *out)
{
	const struct policy_rule *best = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy_rule *p = &r->policies[i];

		if (applies(p, verdict, info) && (!best || p->severity > best->severity))
			best = p;
	}
	if (!best)
		return 0;
	for (size_t i = 0; i < r->n_exceptions; i++)
		if (excepted(&r->exceptions[i], info, best->meta.id))
			return 0;
	out->matched = true;
	out->mode = best->meta.mode;
	snprintf(out->rule_id, sizeof(out->rule_id), "%s", best->meta.id);
	snprintf(out->rule_name, sizeof(out->rule_name), "%s", best->name);
	snprintf(out->confidence, sizeof(out->confidence), "%s", best->confidence);
	out->severity = best->severity;
	out->rule_version = best->meta.version;
	return 0;
}
