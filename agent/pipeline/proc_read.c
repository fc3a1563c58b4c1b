// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading /proc/PID/{cmdline,exe,cgroup} for the process table (see proc_read.h). Every read is
 * bounded; a process that exits meanwhile just yields empty fields.
 */
#include "proc_read.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads at most len - 1 bytes of a /proc file; returns the byte count or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int proc_read_cmdline(uint32_t pid, char *out, size_t out_len)
{
	char path[64];
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	n = read_small(path, out, out_len);
	if (n < 0)
		return (int)n;
	/* arguments are NUL-separated; the last NUL ends the line */
	while (n > 0 && out[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (out[i] == '\0' || out[i] == '\n')
			out[i] = ' ';
	out[n] = '\0';
	return 0;
}

int proc_read_exe(uint32_t pid, char *out, size_t out_len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, out, out_len - 1);
	out[n > 0 ? n : 0] = '\0';
	return n < 0 ? -errno : 0;
}

int proc_read_container(uint32_t pid, char *out, size_t out_len)
{
	char path[64], text[4096];
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	n = read_small(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	proc_container_id(text, out, out_len);
	return 0;
}

static bool is_id_at(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return !isxdigit((unsigned char)s[64]);
}

void proc_container_id(const char *text, char *out, size_t out_len)
{
	static const char *const prefixes[] = { "/docker/",	    "/docker-", "/libpod-",
						"/cri-containerd-", "/crio-",	"/containerd-" };

	out[0] = '\0';
	for (const char *p = text; *p; p++) {
		if (*p != '/')
			continue;
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t len = strlen(prefixes[i]);

			if (strncmp(p, prefixes[i], len) == 0 && strnlen(p + len, 65) >= 64 &&
			    is_id_at(p + len)) {
				snprintf(out, out_len, "%.64s", p + len);
				return;
			}
		}
	}
}
