/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How raqibctl shows stored alerts as a table: one row per alert, reduced from the alert
 * document to what an analyst scans first (when, how bad, where, who, what, which findings).
 */
#ifndef RAQIB_COLLECTOR_ALERT_VIEW_H
#define RAQIB_COLLECTOR_ALERT_VIEW_H

#include <stddef.h>
#include <stdio.h>

struct alert_row {
	char time[24]; /* "2026-11-22 11:05:10" (UTC) */
	char severity[12]; /* "low", "medium", "high", "critical" */
	char host[64];
	char who[64]; /* app and pid, or source address */
	char what[160]; /* file path, or protocol and destination */
	char findings[160]; /* "CIN:1 RIB:2 official SECRET" */
	char rule[96];
};

/* Fills row from an alert document. Returns 0, or -EINVAL when json is not an alert. */
int alert_view_row(const char *json, size_t len, struct alert_row *row);

void alert_view_print_header(FILE *out);
void alert_view_print_row(FILE *out, const struct alert_row *row);

#endif /* RAQIB_COLLECTOR_ALERT_VIEW_H */
