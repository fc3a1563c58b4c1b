/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The case report of an incident (raqibctl export, GET /api/export): one self-contained HTML
 * file for a disciplinary or judicial file, with nothing loaded from anywhere (styles inline, no
 * script, no image), laid out for A4 so that a browser's "print to PDF" gives the PDF. In
 * Arabic (right to left), French or English. It holds:
 *
 *   - the incident (kind, state, severity, assignee, first and last alert, hosts, document);
 *   - what happened, in order: the app, the document opened, inspected with its findings
 *     (masked), the bytes sent and where, the alert; and the coverage gaps of the host then;
 *   - the document's provenance across hosts and people;
 *   - the notes;
 *   - the audit trail of the incident (who read it, changed it, exported it, from where) and
 *     the state of the audit log's chain when the report was made.
 *
 * Times are UTC. Only what the store holds is shown: masked values and hashes, never a value.
 */
#ifndef RAQIB_COLLECTOR_CASE_REPORT_H
#define RAQIB_COLLECTOR_CASE_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct case_report_opts {
	const char *incident; /* its id */
	const char *who; /* who exports */
	const char *lang; /* "ar", "fr" or "en" (else English) */
	int64_t now_ms;
	const char *via; /* "desk", "raqibctl" */
};

/*
 * Builds the report into *out (malloc'ed, NUL-terminated; *len its length). Returns 0,
 * -ENOENT (no such incident), -EINVAL (bad id), -ENOMEM or -EIO.
 */
int case_report_html(struct store *s, const struct case_report_opts *o, char **out, size_t *len);

/* The report's file name: "raqib-case-<id with ':' as '-'>.html", cut to fit len. */
void case_report_file_name(const char *incident, char *out, size_t len);

#endif /* RAQIB_COLLECTOR_CASE_REPORT_H */
