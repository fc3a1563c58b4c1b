/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for every raqib binary: one line per message on stderr, "<program>: <level>:
 * <component>: <message>". Messages start lower-case, name what failed first and the cause
 * last, and never carry personal data (document text, matched values): log identifiers, sizes,
 * pids and rule ids instead.
 *
 * The program name and the threshold are process-wide settings made once by main().
 */
#ifndef RAQIB_LOG_H
#define RAQIB_LOG_H

#include <stdbool.h>

enum raqib_log_level {
	RAQIB_LOG_ERROR,
	RAQIB_LOG_WARN,
	RAQIB_LOG_INFO,
	RAQIB_LOG_DEBUG,
	RAQIB_LOG_TRACE, /* library internals (libbpf relocations...) */
};

/* Sets the program name shown in front of every line (not copied: pass a string literal). */
void log_init(const char *program, enum raqib_log_level threshold);

/* Changes the threshold: messages above it are dropped. */
void log_set_level(enum raqib_log_level threshold);

/* True when messages at level would be printed. */
bool log_is_enabled(enum raqib_log_level level);

void log_msg(enum raqib_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(component, ...) log_msg(RAQIB_LOG_ERROR, component, __VA_ARGS__)
#define log_warn(component, ...) log_msg(RAQIB_LOG_WARN, component, __VA_ARGS__)
#define log_info(component, ...) log_msg(RAQIB_LOG_INFO, component, __VA_ARGS__)
#define log_debug(component, ...) log_msg(RAQIB_LOG_DEBUG, component, __VA_ARGS__)

#endif /* RAQIB_LOG_H */
