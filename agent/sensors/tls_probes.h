/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS plaintext probes (the optional tier of the host sensor): loads agent/bpf/tls.bpf.c and
 * attaches its uprobes per watched process, on the TLS library files that process maps
 * (found in /proc/PID/maps, or announced by the process opening them), reached through
 * /proc/PID/root so that Flatpak, Snap and container processes get their own copy hooked.
 * A uprobe costs ~15 us per hit on the development VMs, so nothing is attached globally.
 * Used by bpf_sensor.c only; not thread-safe.
 */
#ifndef RAQIB_AGENT_TLS_PROBES_H
#define RAQIB_AGENT_TLS_PROBES_H

#include <stddef.h>
#include <stdint.h>

struct tls_probes;

/* The maps the TLS object shares with the core object (their fds). */
struct tls_probes_maps {
	int events; /* ring buffer */
	int watched;
	int tls_active;
	int drops;
};

struct tls_probes_stats {
	uint32_t processes; /* processes with at least one library hooked */
	uint64_t libraries; /* (process, library) pairs hooked so far */
	uint64_t attach_failed; /* functions that could not be hooked */
};

/*
 * Opens and loads the TLS object on the core object's maps; max_chunks is the number of
 * RAQIB_TLS_CHUNK_MAX records copied per call at most. NULL with the reason in err (loading
 * refused by the kernel, uprobes missing): the caller runs without TLS plaintext.
 */
struct tls_probes *tls_probes_new(const struct tls_probes_maps *maps, uint32_t max_chunks,
				  char *err, size_t err_len);

/* Detaches every probe and frees; accepts NULL. */
void tls_probes_free(struct tls_probes *probes);

/* Hooks every TLS library pid maps now. Returns the libraries newly hooked, or -errno. */
int tls_probes_scan_pid(struct tls_probes *probes, uint32_t pid);

/*
 * Hooks the library at path (as pid sees it: absolute, in pid's mount namespace) when it is a
 * TLS library; nothing otherwise. Returns 1 when newly hooked, 0, or -errno.
 */
int tls_probes_attach_path(struct tls_probes *probes, uint32_t pid, const char *path);

/* Detaches the probes of pid (it exited). */
void tls_probes_forget_pid(struct tls_probes *probes, uint32_t pid);

void tls_probes_get_stats(const struct tls_probes *probes, struct tls_probes_stats *stats);

#endif /* RAQIB_AGENT_TLS_PROBES_H */
