/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Retention by age (collector.yml "retention", docs/storage.md for the defaults and their
 * reasons): stored alerts, incidents, indexes and timelines, dead letters and gap records older
 * than their period are removed, on every shard. Ages are measured on the collector's clock
 * (collector_now_ms(), which tests move with --clock-offset) against receive times.
 *
 * The agents' streams are not trimmed here: the loop trims them only past what every consumer
 * group acknowledged (store_trim_streams()).
 */
#ifndef RAQIB_COLLECTOR_RETENTION_H
#define RAQIB_COLLECTOR_RETENTION_H

struct collector;

/* Applies every retention period once. Returns the keys and members removed, or -EIO. */
long long retention_run(struct collector *c);

#endif /* RAQIB_COLLECTOR_RETENTION_H */
