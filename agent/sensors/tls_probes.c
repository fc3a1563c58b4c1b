// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext probes (see tls_probes.h). Each watched process gets a small list of the
 * library files it has hooked (by device and inode, so a library mapped twice or announced by
 * both an open and a maps scan is hooked once) and the libbpf links to destroy when it exits.
 */
#include "tls_probes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/libbpf.h>

#include "raqib/events.h"
#include "raqib/log.h"
#include "proc_maps.h"
#include "tls.skel.h"

#define HOOK_LINKS_MAX 2

struct tls_hook {
	struct tls_hook *next;
	dev_t dev;
	ino_t ino;
	struct bpf_link *links[HOOK_LINKS_MAX];
};

struct tls_pid {
	struct tls_pid *next;
	uint32_t pid;
	struct tls_hook *hooks;
};

struct tls_probes {
	struct tls *skel;
	struct tls_pid *pids;
	struct tls_probes_stats stats;
};

/* What to hook in each library: function name and program. */
struct tls_func {
	const char *name;
	struct bpf_program *prog;
};

static int reuse(struct bpf_map *map, int fd, char *err, size_t err_len)
{
	int rc = bpf_map__reuse_fd(map, fd);

	if (rc)
		snprintf(err, err_len, "cannot share map '%s' with the TLS object: %s",
			 bpf_map__name(map), strerror(-rc));
	return rc;
}

struct tls_probes *tls_probes_new(const struct tls_probes_maps *maps, uint32_t max_chunks,
				  char *err, size_t err_len)
{
	struct tls_probes *p = calloc(1, sizeof(*p));
	int rc;

	if (!p) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	p->skel = tls__open();
	if (!p->skel) {
		snprintf(err, err_len, "cannot open the TLS BPF object: %s", strerror(errno));
		goto err_free;
	}
	if (max_chunks > RAQIB_TLS_CHUNKS_MAX)
		max_chunks = RAQIB_TLS_CHUNKS_MAX;
	p->skel->rodata->tls_max_chunks = max_chunks;
	if (reuse(p->skel->maps.raqib_events, maps->events, err, err_len) ||
	    reuse(p->skel->maps.raqib_watched, maps->watched, err, err_len) ||
	    reuse(p->skel->maps.raqib_tls_active, maps->tls_active, err, err_len) ||
	    reuse(p->skel->maps.raqib_drops, maps->drops, err, err_len))
		goto err_free;
	rc = tls__load(p->skel);
	if (rc) {
		snprintf(err, err_len, "cannot load the TLS uprobe programs: %s", strerror(-rc));
		goto err_free;
	}
	return p;

err_free:
	tls_probes_free(p);
	return NULL;
}

static void free_hooks(struct tls_hook *h)
{
	while (h) {
		struct tls_hook *next = h->next;

		for (int i = 0; i < HOOK_LINKS_MAX; i++)
			bpf_link__destroy(h->links[i]);
		free(h);
		h = next;
	}
}

void tls_probes_free(struct tls_probes *p)
{
	if (!p)
		return;
	while (p->pids) {
		struct tls_pid *next = p->pids->next;

		free_hooks(p->pids->hooks);
		free(p->pids);
		p->pids = next;
	}
	tls__destroy(p->skel);
	free(p);
}

static struct tls_pid *find_pid(struct tls_probes *p, uint32_t pid, bool create)
{
	struct tls_pid *tp;

	for (tp = p->pids; tp; tp = tp->next)
		if (tp->pid == pid)
			return tp;
	if (!create)
		return NULL;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return NULL;
	tp->pid = pid;
	tp->next = p->pids;
	p->pids = tp;
	p->stats.processes++;
	return tp;
}

static size_t funcs_of(struct tls_probes *p, unsigned lib, struct tls_func *out)
{
	switch (lib) {
	case RAQIB_TLS_OPENSSL:
		out[0] = (struct tls_func){ "SSL_write", p->skel->progs.tls_openssl_write };
		out[1] = (struct tls_func){ "SSL_write_ex", p->skel->progs.tls_openssl_write_ex };
		return 2;
	case RAQIB_TLS_GNUTLS:
		out[0] = (struct tls_func){ "gnutls_record_send", p->skel->progs.tls_gnutls_send };
		return 1;
	case RAQIB_TLS_NSS:
		out[0] = (struct tls_func){ "PR_Write", p->skel->progs.tls_nspr_write };
		out[1] = (struct tls_func){ "PR_Send", p->skel->progs.tls_nspr_write };
		return 2;
	default:
		return 0;
	}
}

/* Hooks the library (path as the agent reaches it) in pid once. 1 if newly hooked, 0, -errno. */
static int hook(struct tls_probes *p, uint32_t pid, unsigned lib, const char *path)
{
	struct tls_func funcs[HOOK_LINKS_MAX];
	size_t n = funcs_of(p, lib, funcs), ok = 0;
	struct tls_pid *tp;
	struct tls_hook *h;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	tp = find_pid(p, pid, true);
	if (!tp)
		return -ENOMEM;
	for (h = tp->hooks; h; h = h->next)
		if (h->dev == st.st_dev && h->ino == st.st_ino)
			return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	for (size_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = funcs[i].name);

		h->links[i] =
			bpf_program__attach_uprobe_opts(funcs[i].prog, (pid_t)pid, path, 0, &opts);
		if (!h->links[i]) {
			/* an old library may lack SSL_write_ex: the others still count */
			p->stats.attach_failed++;
			log_debug("tls", "cannot hook %s in pid %u: %s", funcs[i].name, pid,
				  strerror(errno));
			continue;
		}
		ok++;
	}
	/* remembered even when nothing attached: the library is not tried again for this pid */
	h->next = tp->hooks;
	tp->hooks = h;
	if (!ok)
		return -ENOENT;
	p->stats.libraries++;
	log_debug("tls", "hooked %zu functions of inode %llu in pid %u", ok,
		  (unsigned long long)st.st_ino, pid);
	return 1;
}

int tls_probes_attach_path(struct tls_probes *p, uint32_t pid, const char *path)
{
	unsigned lib = proc_maps_tls_lib(path);
	char via_root[4096];

	if (!lib || path[0] != '/')
		return 0;
	if (snprintf(via_root, sizeof(via_root), "/proc/%u/root%s", pid, path) >=
	    (int)sizeof(via_root))
		return -ENAMETOOLONG;
	return hook(p, pid, lib, via_root);
}

int tls_probes_scan_pid(struct tls_probes *p, uint32_t pid)
{
	char name[64], line[4096];
	struct proc_map map;
	int hooked = 0, rc;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%u/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (proc_maps_parse_line(line, &map) || !map.path || !map.exec)
			continue;
		rc = tls_probes_attach_path(p, pid, map.path);
		if (rc > 0)
			hooked++;
	}
	fclose(f);
	return hooked;
}

void tls_probes_forget_pid(struct tls_probes *p, uint32_t pid)
{
	struct tls_pid **link = &p->pids;

	for (; *link; link = &(*link)->next) {
		struct tls_pid *tp = *link;

		if (tp->pid == pid) {
			*link = tp->next;
			free_hooks(tp->hooks);
			free(tp);
			p->stats.processes--;
			return;
		}
	}
}

void tls_probes_get_stats(const struct tls_probes *p, struct tls_probes_stats *stats)
{
	*stats = p->stats;
}
