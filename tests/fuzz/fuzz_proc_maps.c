// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: /proc/PID/maps lines (proc_maps_parse_line). The kernel writes the format, but
 * the path is any name a process gave a file it maps. The input is one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensors/proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct proc_map m;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (proc_maps_parse_line(line, &m) == 0 && m.path) {
		/* the path points into the line and is terminated within it */
		if (m.path < line || m.path + strlen(m.path) > line + size)
			__builtin_trap();
		proc_maps_tls_lib(m.path);
	}
	free(line);
	return 0;
}
