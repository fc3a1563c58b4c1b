// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host sensor of a build without BPF (RAQIB_WITH_BPF=OFF): every entry point reports that
 * the sensor is not available, so `raqib-agent run` fails with a clear message.
 */
#include "bpf_sensor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NO_BPF "this raqib-agent was built without the eBPF host sensor"

void bpf_sensor_config_default(struct bpf_sensor_config *config)
{
	memset(config, 0, sizeof(*config));
}

int bpf_sensor_preflight(char *err, size_t err_len)
{
	snprintf(err, err_len, NO_BPF);
	return -ENOTSUP;
}

struct bpf_sensor *bpf_sensor_new(const struct bpf_sensor_config *config, char *err, size_t err_len)
{
	snprintf(err, err_len, NO_BPF);
	errno = ENOTSUP;
	return NULL;
}

int bpf_sensor_set_watch_names(struct bpf_sensor *sensor, const char *const *watch_names,
			       size_t n_names)
{
	return -ENOTSUP;
}

int bpf_sensor_set_destinations(struct bpf_sensor *sensor, const struct bpf_sensor_dests *dests,
				size_t *skipped)
{
	return -ENOTSUP;
}

void bpf_sensor_free(struct bpf_sensor *sensor)
{
}

int bpf_sensor_fd(const struct bpf_sensor *sensor)
{
	return -ENOTSUP;
}

int bpf_sensor_poll(struct bpf_sensor *sensor, int timeout_ms)
{
	return -ENOTSUP;
}

int bpf_sensor_scan_flows(struct bpf_sensor *sensor)
{
	return -ENOTSUP;
}

void bpf_sensor_get_stats(const struct bpf_sensor *sensor, struct bpf_sensor_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}

void bpf_sensor_get_status(const struct bpf_sensor *sensor, struct bpf_sensor_status *status)
{
	memset(status, 0, sizeof(*status));
}

const char *bpf_part_state_name(enum bpf_part_state state)
{
	return "unavailable";
}

void bpf_sensor_report(const struct bpf_sensor *sensor, bpf_sensor_put_fn put, void *ctx)
{
	put(ctx, "sensor.bpf", "unavailable: built without eBPF");
}

int bpf_sensor_drop_privileges(struct bpf_sensor *sensor, char *err, size_t err_len)
{
	snprintf(err, err_len, NO_BPF);
	return -ENOTSUP;
}
