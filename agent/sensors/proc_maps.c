// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/PID/maps parsing (see proc_maps.h). The line format is proc(5)'s:
 * "start-end perms offset dev inode   path", addresses and offset in hex.
 */
#include "proc_maps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raqib/events.h"

static int parse_hex(const char **p, char stop, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	for (; *s && *s != stop; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return -EINVAL;
		if (digits >= 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0 || *s != stop)
		return -EINVAL;
	*out = v;
	*p = s + 1;
	return 0;
}

/* Skips one space-separated field and the spaces after it. */
static const char *skip_field(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

int proc_maps_parse_line(char *line, struct proc_map *out)
{
	const char *p = line;
	static const char deleted[] = " (deleted)";
	char *path;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (parse_hex(&p, '-', &out->start) || parse_hex(&p, ' ', &out->end))
		return -EINVAL;
	if (strlen(p) < 5 || p[4] != ' ')
		return -EINVAL;
	out->exec = p[2] == 'x';
	p += 5;
	if (parse_hex(&p, ' ', &out->offset))
		return -EINVAL;
	p = skip_field(p); /* device */
	if (*p < '0' || *p > '9')
		return -EINVAL;
	out->inode = strtoull(p, (char **)&p, 10);
	while (*p == ' ')
		p++;
	if (*p != '/')
		return 0; /* anonymous, [heap], [stack], [vdso]... */
	path = line + (p - line);
	len = strlen(path);
	if (len > sizeof(deleted) - 1 && strcmp(path + len - (sizeof(deleted) - 1), deleted) == 0)
		path[len - (sizeof(deleted) - 1)] = '\0';
	out->path = path;
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

unsigned proc_maps_tls_lib(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	if (has_prefix(name, "libssl.so"))
		return RAQIB_TLS_OPENSSL;
	if (has_prefix(name, "libgnutls.so"))
		return RAQIB_TLS_GNUTLS;
	if (has_prefix(name, "libnspr4.so"))
		return RAQIB_TLS_NSS;
	return 0;
}
