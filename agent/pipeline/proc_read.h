/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc tells about a live process beyond what the kernel events carry: its command line,
 * executable and container. Read once per process by the host path, when it first hears of it.
 * The parsers take the file's text so they are tested without /proc.
 */
#ifndef RAQIB_AGENT_PROC_READ_H
#define RAQIB_AGENT_PROC_READ_H

#include <stddef.h>
#include <stdint.h>

/*
 * The command line of pid, arguments joined by spaces, cut to out_len - 1 bytes. Empty when the
 * process is gone. Returns 0 or -errno.
 */
int proc_read_cmdline(uint32_t pid, char *out, size_t out_len);

/* The executable of pid (/proc/PID/exe). Empty when unreadable. Returns 0 or -errno. */
int proc_read_exe(uint32_t pid, char *out, size_t out_len);

/* The container id of pid from /proc/PID/cgroup (see proc_container_id()). Returns 0 or -errno. */
int proc_read_container(uint32_t pid, char *out, size_t out_len);

/*
 * The container id in the text of a /proc/PID/cgroup file: the 64-hex-digit id in a path
 * component of Docker ("/docker/ID", "docker-ID.scope"), Podman ("libpod-ID.scope"), containerd
 * and CRI-O ("cri-containerd-ID.scope", "crio-ID.scope"). out is empty when there is none.
 */
void proc_container_id(const char *cgroup_text, char *out, size_t out_len);

/*
 * Where a sandboxed app is installed, from the systemd scope its cgroup is named after: Flatpak
 * ("app-flatpak-org.signal.Signal-1234.scope" -> "/var/lib/flatpak/app/org.signal.Signal/
 * current/active/files") and Snap ("snap.telegram-desktop.telegram-desktop-<uuid>.scope" ->
 * "/snap/telegram-desktop/current"). Inside its sandbox an app execs /app/... or a path of its
 * own mount namespace, which the catalog's install paths do not name; this path does. out is
 * empty when the process is in no such scope.
 */
void proc_sandbox_path(const char *cgroup_text, char *out, size_t out_len);

/*
 * The value of the first of options found in a command line (len bytes of NUL-separated
 * arguments, as in /proc/PID/cmdline): "OPTION=VALUE", or OPTION then VALUE as the next
 * argument. out is empty when none is given (or its value does not fit).
 */
void proc_option_value(const char *args, size_t len, const char *const *options, size_t n_options,
		       char *out, size_t out_len);

/*
 * proc_option_value() of pid's command line; a relative value is made absolute against pid's
 * working directory. Returns 0 or -errno (out empty).
 */
int proc_read_option_value(uint32_t pid, const char *const *options, size_t n_options, char *out,
			   size_t out_len);

/* proc_sandbox_path() of pid's /proc/PID/cgroup. Returns 0 or -errno. */
int proc_read_sandbox_path(uint32_t pid, char *out, size_t out_len);

#endif /* RAQIB_AGENT_PROC_READ_H */
