/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collector's configuration: defaults, then /etc/raqib/collector.yml (or --config FILE),
 * then the command line. Every key is documented in docs/collector.yml.md and in the man page;
 * an unknown key, a bad value or a bad file is refused with the file, the line and the reason
 * (raqib-collector --check-config).
 */
#ifndef RAQIB_COLLECTOR_CONFIG_H
#define RAQIB_COLLECTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define COLLECTOR_CONFIG_DEFAULT "/etc/raqib/collector.yml"

struct collector_config {
	char redis[300]; /* HOST:PORT; "" = $RAQIB_REDIS, else the default */
	char consumer[128]; /* "" = <host>-<pid> */
	char keys_dir[4096]; /* "" = $RAQIB_KEYS, else /etc/raqib/keys */
	char metrics_listen[128]; /* ADDR:PORT of /metrics; "" = off */
	char desk_listen[128]; /* desk.listen: ADDR:PORT of the desk (API and UI); "" = off */
	char desk_tls_cert[4096]; /* desk.tls_cert: PEM certificate (chain) of the desk */
	char desk_tls_key[4096]; /* desk.tls_key: its PEM private key */

	int64_t incident_window_ms; /* incidents.window */
	unsigned spread_min_hosts; /* incidents.spread_min_hosts */

	unsigned rate_per_agent; /* ingest.rate_per_agent: entries per second */
	unsigned burst_per_agent; /* ingest.burst_per_agent */
	uint64_t backlog_max; /* ingest.backlog_max: entries waiting in one agent's stream */
	unsigned batch; /* ingest.batch: entries per read of one stream */
	int64_t claim_idle_ms; /* ingest.claim_idle: another collector's entries taken after */

	int64_t keep_alerts_ms; /* retention.alerts */
	int64_t keep_incidents_ms; /* retention.incidents */
	int64_t keep_indexes_ms; /* retention.indexes */
	int64_t keep_dead_letters_ms; /* retention.dead_letters */
	uint64_t dead_letters_max; /* retention.dead_letters_max: per site, at most */

	int notify_min_severity; /* notify.min_severity */
	char webhook_url[1024]; /* notify.webhook.url; "" = off */
	char webhook_secret_file[4096]; /* notify.webhook.secret_file */
	unsigned webhook_retries; /* notify.webhook.retries */
	char syslog_address[300]; /* notify.syslog.address HOST:PORT; "" = off */
	char syslog_transport[8]; /* notify.syslog.transport: udp or tcp */
};

struct config_error {
	char file[4096];
	unsigned line;
	char text[256];
};

/* The defaults (docs/collector.yml.md gives their reasons). */
void config_defaults(struct collector_config *cfg);

/*
 * Reads path into cfg (keys not given keep their value). Returns 0, -ENOENT when the file does
 * not exist (err filled too), or -EINVAL with err filled.
 */
int config_load(struct collector_config *cfg, const char *path, struct config_error *err);

/* Sets one key ("incidents.window") from text, as the file would. 0 or -EINVAL with err. */
int config_set(struct collector_config *cfg, const char *key, const char *text,
	       struct config_error *err);

/* Parses "500ms", "30s", "15m", "24h", "90d" into milliseconds. 0 or -EINVAL. */
int config_parse_duration(const char *text, int64_t *ms);

/* Writes the configuration in effect as YAML (--check-config prints it). */
void config_print(const struct collector_config *cfg, FILE *out);

#endif /* RAQIB_COLLECTOR_CONFIG_H */
