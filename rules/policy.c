// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy (rules of kind policy and exception, rules/packs/policies.yml). Of the live policies
 * that apply to an event and a verdict, the most severe decides; a live exception that matches
 * the event cancels the alert, and records the event as allowed when it asks to (a sanctioned
 * channel). Rules in shadow mode are evaluated beside the live ones and never change the
 * decision: the decision lists them, and rules_count() counts what they would have done.
 *
 * Every condition is written once, as a function that says why it does not hold (NULL when it
 * does): rules_decide() uses the verdict of each, rules_explain() shows the reasons.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Text of one reason a rule does not apply. */
struct why {
	char text[256];
};

static const char *because(struct why *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *because(struct why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
	return w->text;
}

/* "a, b, c" of a list (cut to fit). */
static const char *joined(const struct str_list *l, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && o + 1 < len; i++) {
		int n = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", l->items[i]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
	return buf;
}

static const char *events_joined(uint32_t bits, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int e = 0; e <= RULES_EVENT_DATA_AT_REST && o + 1 < len; e++)
		if (bits & (1u << e)) {
			int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
					 rules_event_name((enum rules_event)e));

			if (n < 0)
				break;
			o += (size_t)n;
		}
	return buf;
}

/* An app named by its id (whatsapp) or its rule id (app.whatsapp). */
static bool app_is(const char *want, const struct rules_app *app)
{
	return app && (!strcmp(want, app->id) ||
		       (!strncmp(want, "app.", 4) && !strcmp(want + 4, app->id)));
}

static bool app_in(const struct str_list *l, const struct rules_app *app)
{
	for (size_t i = 0; i < l->n; i++)
		if (app_is(l->items[i], app))
			return true;
	return false;
}

/* Verdict facts, with or without the findings of detectors in shadow mode. */
static size_t count_type(const struct rules_verdict *v, const char *type, bool with_shadow)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_findings; i++)
		n += (with_shadow || !v->findings[i].shadow) && !strcmp(v->findings[i].type, type);
	return n;
}

static bool is_sensitive(const struct rules_verdict *v, bool with_shadow)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (with_shadow || !v->findings[i].shadow)
			return true;
	return v->is_official || v->level != RULES_LEVEL_NONE || v->fingerprint[0];
}

/* Destinations. */

static bool host_in(const struct str_list *l, const char *host)
{
	for (size_t i = 0; host && i < l->n; i++)
		if (host_pattern_match(l->items[i], host))
			return true;
	return false;
}

/* Every recipient's domain is in the list (a mail to one outsider is not sanctioned). */
static bool all_domains_in(const struct str_list *l, const struct rules_destination *d)
{
	if (!l->n || !d->n_mail_domains)
		return false;
	for (size_t i = 0; i < d->n_mail_domains; i++)
		if (!d->mail_domains[i] || !host_in(l, d->mail_domains[i]))
			return false;
	return true;
}

static bool url_in(const struct str_list *l, const char *url)
{
	for (size_t i = 0; url && i < l->n; i++)
		if (fnmatch(l->items[i], url, 0) == 0)
			return true;
	return false;
}

static bool ip_in(const struct dest_cond *c, const struct rules_destination *d)
{
	for (size_t i = 0; d->family && i < c->n_ranges; i++)
		if (cidr_contains(&c->ranges[i], d->family, d->addr))
			return true;
	return false;
}

static bool kind_in(const struct str_list *l, const struct rules_app *app)
{
	for (size_t i = 0; app && i < l->n; i++)
		if (!strcmp(l->items[i], rules_app_kind_name(app->kind)))
			return true;
	return false;
}

/* What is known of the destination, for a reason ("server name x, ip y"); never content. */
static const char *dest_known(const struct rules_event_info *info, char *buf, size_t len)
{
	const struct rules_destination *d = &info->dest;
	char ip[INET6_ADDRSTRLEN] = "";
	size_t o = 0;

	buf[0] = '\0';
	if (info->app)
		o += (size_t)snprintf(buf + o, len - o, "app %s (%s)", info->app->id,
				      rules_app_kind_name(info->app->kind));
	if (d->server_name && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%sserver name %s", o ? ", " : "",
				      d->server_name);
	if (d->url && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%surl %s", o ? ", " : "", d->url);
	for (size_t i = 0; i < d->n_mail_domains && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s", i ? " " : (o ? ", " : ""),
				      i ? "" : "mail to ",
				      d->mail_domains[i] ? d->mail_domains[i] : "?");
	if (d->family && inet_ntop(d->family, d->addr, ip, sizeof(ip)) && o < len)
		snprintf(buf + o, len - o, "%sip %s", o ? ", " : "", ip);
	if (!buf[0])
		snprintf(buf, len, "nothing known of it");
	return buf;
}

static const char *dest_mismatch(const struct dest_cond *c, const struct rules_event_info *info,
				 struct why *w)
{
	const struct rules_destination *d = &info->dest;
	char known[160];

	if (!c->is_set)
		return NULL;
	if (app_in(&c->apps, info->app) || kind_in(&c->app_kinds, info->app) ||
	    host_in(&c->server_names, d->server_name) || url_in(&c->urls, d->url) ||
	    all_domains_in(&c->mail_domains, d) || ip_in(c, d))
		return NULL;
	return because(w, "the destination (%s) is not one it names",
		       dest_known(info, known, sizeof(known)));
}

/* Policies. */

static const char *cond_mismatch(int cond, bool value, const char *what, struct why *w)
{
	if (cond == COND_UNSET || (bool)cond == value)
		return NULL;
	return because(w, "%s %s", value ? "it is" : "it is not", what);
}

/* Why p does not apply (NULL: it applies). with_shadow: count shadow detectors' findings. */
static const char *policy_mismatch(const struct policy_rule *p, const struct rules_verdict *v,
				   const struct rules_event_info *info, bool with_shadow,
				   struct why *w)
{
	const char *why;
	char list[160];
	bool any = false;

	if (!p->meta.enabled)
		return because(w, "disabled");
	if (!(p->events & (1u << info->event)))
		return because(w, "the event %s is not one of %s", rules_event_name(info->event),
			       events_joined(p->events, list, sizeof(list)));
	if ((why = cond_mismatch(p->cond_sensitive, is_sensitive(v, with_shadow),
				 "sensitive (no finding, official document or level)", w)) ||
	    (why = cond_mismatch(p->cond_official, v->is_official, "an official document", w)) ||
	    (why = cond_mismatch(p->cond_bulk, v->is_bulk, "bulk personal data", w)) ||
	    (why = cond_mismatch(p->cond_fingerprint, v->fingerprint[0] != '\0',
				 "a registered document", w)) ||
	    (why = cond_mismatch(p->cond_encrypted, info->is_encrypted_container,
				 "an encrypted container", w)))
		return why;
	if (p->level_at_least && v->level < p->level_at_least)
		return because(w, "its level (%s) is below %s",
			       v->level ? rules_level_name(v->level) : "none",
			       rules_level_name(p->level_at_least));
	for (size_t i = 0; i < p->entities_any.n && !any; i++)
		any = count_type(v, p->entities_any.items[i], with_shadow) > 0;
	if (p->entities_any.n && !any)
		return because(w, "none of %s was found",
			       joined(&p->entities_any, list, sizeof(list)));
	if (p->apps_any.n && !app_in(&p->apps_any, info->app))
		return because(w, "the app (%s) is not one of %s",
			       info->app ? info->app->id : "unknown",
			       joined(&p->apps_any, list, sizeof(list)));
	return dest_mismatch(&p->dest, info, w);
}

/* Exceptions. */

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

static bool is_expired(const struct exception_rule *e, time_t now)
{
	return e->expires && now >= e->expires;
}

/* Why e does not cancel policy_id for this event (NULL: it does). */
static const char *exception_mismatch(const struct exception_rule *e,
				      const struct rules_event_info *info, const char *policy_id,
				      time_t now, struct why *w)
{
	char list[160];

	if (!e->meta.enabled)
		return because(w, "disabled");
	if (is_expired(e, now))
		return because(w, "expired on %s", e->expires_text);
	if (e->events && !(e->events & (1u << info->event)))
		return because(w, "the event %s is not one of %s", rules_event_name(info->event),
			       events_joined(e->events, list, sizeof(list)));
	if (e->apps.n && !app_in(&e->apps, info->app))
		return because(w, "the app (%s) is not one of %s",
			       info->app ? info->app->id : "unknown",
			       joined(&e->apps, list, sizeof(list)));
	if (e->sha256.n) {
		bool hit = false;

		for (size_t i = 0; info->sha256 && i < e->sha256.n && !hit; i++)
			hit = strcasecmp(e->sha256.items[i], info->sha256) == 0;
		if (!hit)
			return because(w, "the file's SHA-256 is %s",
				       info->sha256 ? "not listed" : "unknown");
	}
	if (!glob_any(&e->rules, policy_id))
		return because(w, "the policy %s is not one of %s", policy_id,
			       joined(&e->rules, list, sizeof(list)));
	if (!glob_any(&e->hosts, info->host_name))
		return because(w, "the host is not one of %s",
			       joined(&e->hosts, list, sizeof(list)));
	if (!glob_any(&e->users, info->user))
		return because(w, "the user is not one of %s",
			       joined(&e->users, list, sizeof(list)));
	if (!glob_any(&e->paths, info->file_path))
		return because(w, "the file's path matches none of %s",
			       joined(&e->paths, list, sizeof(list)));
	return dest_mismatch(&e->dest, info, w);
}

/* The first exception of mode that cancels policy_id, or NULL. */
static const struct exception_rule *cancelling(const struct rules *r, enum rules_mode mode,
					       const struct rules_event_info *info,
					       const char *policy_id, time_t now)
{
	struct why w;

	for (size_t i = 0; i < r->n_exceptions; i++) {
		const struct exception_rule *e = &r->exceptions[i];

		if (e->meta.mode == mode && !exception_mismatch(e, info, policy_id, now, &w))
			return e;
	}
	return NULL;
}

/* The most severe live policy that applies (the first among equals), or NULL. */
static const struct policy_rule *best_live(const struct rules *r, const struct rules_verdict *v,
					   const struct rules_event_info *info, bool with_shadow)
{
	const struct policy_rule *best = NULL;
	struct why w;

	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy_rule *p = &r->policies[i];

		if (p->meta.mode == RULES_MODE_ALERT &&
		    !policy_mismatch(p, v, info, with_shadow, &w) &&
		    (!best || p->severity > best->severity))
			best = p;
	}
	return best;
}

static void add_shadow(struct rules_decision *d, unsigned index)
{
	for (size_t i = 0; i < d->n_shadow; i++)
		if (d->shadow[i] == index)
			return;
	if (d->n_shadow < RULES_SHADOW_MAX)
		d->shadow[d->n_shadow++] = index;
}

/* Detectors in shadow mode whose findings would have made a live policy alert where none did. */
static void shadow_detectors(const struct rules *r, const struct rules_verdict *v,
			     const struct rules_event_info *info, time_t now,
			     struct rules_decision *d)
{
	const struct policy_rule *what_if;
	bool any = false;

	for (size_t i = 0; i < v->n_findings && !any; i++)
		any = v->findings[i].shadow;
	if (!any || d->matched)
		return;
	what_if = best_live(r, v, info, true);
	if (!what_if || cancelling(r, RULES_MODE_ALERT, info, what_if->meta.id, now))
		return;
	for (size_t i = 0; i < v->n_findings; i++)
		for (size_t k = 0; v->findings[i].shadow && k < r->n_detectors; k++)
			if (!strcmp(r->detectors[k].meta.id, v->findings[i].rule_id))
				add_shadow(d, r->detectors[k].meta.index);
}

int rules_decide(const struct rules *r, const struct rules_verdict *verdict,
		 const struct rules_event_info *info, struct rules_decision *out)
{
	time_t now = info->now ? info->now : time(NULL);
	const struct policy_rule *best = best_live(r, verdict, info, false);
	const struct exception_rule *e;
	struct why w;

	memset(out, 0, sizeof(*out));
	if (best) {
		out->policy_index = best->meta.index + 1;
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", best->meta.id);
		snprintf(out->rule_name, sizeof(out->rule_name), "%s", best->name);
		snprintf(out->confidence, sizeof(out->confidence), "%s", best->confidence);
		out->severity = best->severity;
		out->rule_version = best->meta.version;
		e = cancelling(r, RULES_MODE_ALERT, info, best->meta.id, now);
		if (e) {
			out->exception_index = e->meta.index + 1;
			snprintf(out->exception_id, sizeof(out->exception_id), "%s", e->meta.id);
			out->allowed = e->record;
		} else {
			out->matched = true;
			out->notify = best->notify;
			for (size_t i = 0; i < r->n_exceptions; i++) {
				e = &r->exceptions[i];
				if (e->meta.mode == RULES_MODE_SHADOW &&
				    !exception_mismatch(e, info, best->meta.id, now, &w))
					add_shadow(out, e->meta.index);
			}
		}
	}
	/* beside the live policies, never instead of them */
	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy_rule *p = &r->policies[i];

		if (p->meta.mode == RULES_MODE_SHADOW &&
		    !policy_mismatch(p, verdict, info, false, &w) &&
		    !cancelling(r, RULES_MODE_ALERT, info, p->meta.id, now))
			add_shadow(out, p->meta.index);
	}
	shadow_detectors(r, verdict, info, now, out);
	return 0;
}

bool rules_decision_is_relevant(const struct rules_decision *d)
{
	return d->matched || d->allowed || d->n_shadow;
}

int rules_explain(const struct rules *r, const struct rules_verdict *verdict,
		  const struct rules_event_info *info, rules_explain_fn fn, void *ctx)
{
	time_t now = info->now ? info->now : time(NULL);
	const struct policy_rule *best = best_live(r, verdict, info, false);
	struct why w;

	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy_rule *p = &r->policies[i];
		const char *why = policy_mismatch(p, verdict, info, false, &w);

		if (!why && p->meta.mode == RULES_MODE_ALERT && p != best)
			why = because(&w, "applies, but %s is more severe or listed first",
				      best->meta.id);
		fn(ctx, "policy", p->meta.id, p->meta.mode, !why, why);
	}
	for (size_t i = 0; i < r->n_exceptions; i++) {
		const struct exception_rule *e = &r->exceptions[i];
		const char *why = best ? exception_mismatch(e, info, best->meta.id, now, &w) :
					 because(&w, "no live policy applies: nothing to cancel");

		fn(ctx, "exception", e->meta.id, e->meta.mode, !why, why);
	}
	return 0;
}

size_t rules_expired(const struct rules *r, time_t now, rules_expired_fn fn, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_exceptions; i++)
		if (is_expired(&r->exceptions[i], now)) {
			n++;
			if (fn)
				fn(ctx, r->exceptions[i].meta.id, r->exceptions[i].expires_text);
		}
	return n;
}

/* Counters. */

static const char *counter_name(const struct rules *r, unsigned index)
{
	size_t first_policy = r->n_detectors + r->n_markers + r->n_apps + r->n_fingerprints;
	size_t first_exception = first_policy + r->n_policies;

	if (r->all[index]->mode == RULES_MODE_SHADOW)
		return "shadow";
	if (index >= first_exception)
		return "allowed";
	if (index >= first_policy)
		return "alerts";
	return NULL;
}

const char *rules_rule_id(const struct rules *r, unsigned index)
{
	return index < r->n_all ? r->all[index]->id : NULL;
}

void rules_count(const struct rules *r, const struct rules_decision *d)
{
	if (d->matched && d->policy_index && d->policy_index <= r->n_all)
		atomic_fetch_add_explicit(&r->counts[d->policy_index - 1], 1, memory_order_relaxed);
	if (d->exception_index && d->exception_index <= r->n_all)
		atomic_fetch_add_explicit(&r->counts[d->exception_index - 1], 1,
					  memory_order_relaxed);
	for (size_t i = 0; i < d->n_shadow; i++)
		if (d->shadow[i] < r->n_all)
			atomic_fetch_add_explicit(&r->counts[d->shadow[i]], 1,
						  memory_order_relaxed);
}

void rules_counters(const struct rules *r, rules_counter_fn fn, void *ctx)
{
	for (size_t i = 0; i < r->n_all; i++) {
		uint64_t v = atomic_load_explicit(&r->counts[i], memory_order_relaxed);
		const char *name = counter_name(r, (unsigned)i);

		if (v && name)
			fn(ctx, name, r->all[i]->id, v);
	}
}

void rules_carry_counters(struct rules *fresh, const struct rules *old)
{
	for (size_t i = 0; i < old->n_all; i++) {
		uint64_t v = atomic_load_explicit(&old->counts[i], memory_order_relaxed);
		const char *name = counter_name(old, (unsigned)i);

		if (!v || !name)
			continue;
		/* the same rule counting the same thing: a rule turned from shadow to live
		 * starts its alerts from zero */
		for (size_t k = 0; k < fresh->n_all; k++) {
			const char *fname = counter_name(fresh, (unsigned)k);

			if (fname && !strcmp(fname, name) &&
			    !strcmp(fresh->all[k]->id, old->all[i]->id)) {
				atomic_fetch_add_explicit(&fresh->counts[k], v,
							  memory_order_relaxed);
				break;
			}
		}
	}
}
