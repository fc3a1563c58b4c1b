/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading /proc/PID/maps for the TLS sensor: which TLS libraries (OpenSSL, GnuTLS, NSPR) a
 * process has mapped, and where. Pure parsing, so it is unit tested and fuzzed on its own; the
 * file itself is read by the caller.
 */
#ifndef RAQIB_AGENT_PROC_MAPS_H
#define RAQIB_AGENT_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One mapping of a file. */
struct proc_map {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t inode;
	bool exec; /* mapped executable */
	const char *path; /* points into the parsed line; NULL for anonymous mappings */
};

/*
 * Parses one line of /proc/PID/maps (without its newline; line is modified: the path is
 * NUL-terminated in place, " (deleted)" cut). Returns 0, or -EINVAL for a malformed line.
 */
int proc_maps_parse_line(char *line, struct proc_map *out);

/*
 * The TLS library a path names, by its file name: RAQIB_TLS_OPENSSL for libssl.so*,
 * RAQIB_TLS_GNUTLS for libgnutls.so*, RAQIB_TLS_NSS for libnspr4.so; 0 for anything else.
 */
unsigned proc_maps_tls_lib(const char *path);

#endif /* RAQIB_AGENT_PROC_MAPS_H */
