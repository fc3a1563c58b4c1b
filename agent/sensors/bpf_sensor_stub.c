// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host sensor of a build without BPF (RAQIB_WITH_BPF=OFF): every entry point reports that
 * the sensor is not available, so `raqib-agent run` fails with a clear message.
 */
#include "bpf_sensor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int bpf_sensor_preflight(char *err, size_t err_len)
{
	snprintf(err, err_len, "this raqib-agent was built without the eBPF host sensor");
	return -ENOTSUP;
}

struct bpf_sensor *bpf_sensor_new(const char *const *watch_names, size_t n_names,
				  host_event_sink_fn sink, void *ctx, char *err, size_t err_len)
{
	snprintf(err, err_len, "this raqib-agent was built without the eBPF host sensor");
	errno = ENOTSUP;
	return NULL;
}

int bpf_sensor_set_watch_names(struct bpf_sensor *sensor, const char *const *watch_names,
			       size_t n_names)
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

void bpf_sensor_get_stats(const struct bpf_sensor *sensor, struct bpf_sensor_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}
