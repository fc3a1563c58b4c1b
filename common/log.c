// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging to stderr for every raqib binary (see include/raqib/log.h). The program name and the
 * threshold are the only process-wide state: they are set once by main() before any thread
 * starts, and a single fprintf() per line keeps lines whole when threads log together.
 */
#include "raqib/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_program = "raqib";
static enum raqib_log_level log_threshold = RAQIB_LOG_INFO;

static const char *const level_names[] = {
	[RAQIB_LOG_ERROR] = "error",
	[RAQIB_LOG_WARN] = "warning",
	[RAQIB_LOG_INFO] = "info",
	[RAQIB_LOG_DEBUG] = "debug",
	[RAQIB_LOG_TRACE] = "trace",
};

void log_init(const char *program, enum raqib_log_level threshold)
{
	log_program = program;
	log_threshold = threshold;
}

void log_set_level(enum raqib_log_level threshold)
{
	log_threshold = threshold;
}

bool log_is_enabled(enum raqib_log_level level)
{
	return level <= log_threshold;
}

void log_msg(enum raqib_log_level level, const char *component, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!log_is_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s: %s\n", log_program, level_names[level], component, text);
}
