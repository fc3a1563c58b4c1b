// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading /proc/PID/{cmdline,exe,cgroup} for the process table (see proc_read.h). Every read is
 * bounded; a process that exits meanwhile just yields empty fields.
 */
#include "proc_read.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

void proc_option_value(const char *args, size_t len, const char *const *options, size_t n_options,
		       char *out, size_t out_len)
{
	const char *end = args + len;

	out[0] = '\0';
	for (const char *a = args; a < end; a += strnlen(a, (size_t)(end - a)) + 1) {
		size_t alen = strnlen(a, (size_t)(end - a));

		for (size_t i = 0; i < n_options; i++) {
			size_t olen = strlen(options[i]);
			const char *value = NULL;

			if (alen > olen && strncmp(a, options[i], olen) == 0 && a[olen] == '=')
				value = a + olen + 1;
			else if (alen == olen && strncmp(a, options[i], olen) == 0 &&
				 a + alen + 1 < end)
				value = a + alen + 1;
			if (!value)
				continue;
			if (strnlen(value, (size_t)(end - value)) < out_len)
				snprintf(out, out_len, "%.*s",
					 (int)strnlen(value, (size_t)(end - value)), value);
			return;
		}
	}
}

int proc_read_option_value(uint32_t pid, const char *const *options, size_t n_options, char *out,
			   size_t out_len)
{
	char path[64], args[16384], cwd[PATH_MAX], abs[2 * PATH_MAX], canon[PATH_MAX];
	const char *result = canon;
	ssize_t n;

	out[0] = '\0';
	if (!n_options)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	n = read_small(path, args, sizeof(args));
	if (n < 0)
		return (int)n;
	proc_option_value(args, (size_t)n, options, n_options, out, out_len);
	if (!out[0] || out[0] == '/')
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/cwd", pid);
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n <= 0) {
		out[0] = '\0';
		return n < 0 ? -errno : -ENOENT;
	}
	cwd[n] = '\0';
	snprintf(abs, sizeof(abs), "%s/%s", cwd, out);
	/* canonical, as the kernel's paths are ("../x" resolved); as given when it does not exist */
	if (!realpath(abs, canon))
		result = abs;
	if (strlen(result) >= out_len) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(out, result, strlen(result) + 1);
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

/* Reads /proc/PID/cgroup and hands its text to parse. */
static int read_cgroup(uint32_t pid, void (*parse)(const char *, char *, size_t), char *out,
		       size_t out_len)
{
	char path[64], text[4096];
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	n = read_small(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	parse(text, out, out_len);
	return 0;
}

int proc_read_container(uint32_t pid, char *out, size_t out_len)
{
	return read_cgroup(pid, proc_container_id, out, out_len);
}

int proc_read_sandbox_path(uint32_t pid, char *out, size_t out_len)
{
	return read_cgroup(pid, proc_sandbox_path, out, out_len);
}

/* Copies the characters of an app or snap name ([A-Za-z0-9._-]) starting at s; their count. */
static size_t name_span(const char *s, char *out, size_t out_len)
{
	size_t n = 0;

	while ((isalnum((unsigned char)s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-') &&
	       n + 1 < out_len) {
		out[n] = s[n];
		n++;
	}
	out[n] = '\0';
	return n;
}

void proc_sandbox_path(const char *text, char *out, size_t out_len)
{
	const char *p;
	char name[256];
	char *dash;
	size_t n;

	out[0] = '\0';
	p = strstr(text, "/app-flatpak-");
	if (p) {
		/* app-flatpak-<app id>-<instance number>.scope */
		n = name_span(p + strlen("/app-flatpak-"), name, sizeof(name));
		dash = n ? strrchr(name, '-') : NULL;
		if (dash && dash != name) {
			*dash = '\0';
			snprintf(out, out_len, "/var/lib/flatpak/app/%s/current/active/files", name);
		}
		return;
	}
	p = strstr(text, "/snap.");
	if (p) {
		/* snap.<snap name>.<app>-<uuid>.scope */
		n = name_span(p + strlen("/snap."), name, sizeof(name));
		dash = n ? strchr(name, '.') : NULL;
		if (dash && dash != name) {
			*dash = '\0';
			snprintf(out, out_len, "/snap/%s/current", name);
		}
	}
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
