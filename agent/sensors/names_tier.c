// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names tier loader (see names_tier.h).
 */
#include "names_tier.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "names.skel.h"

/* Where the tier mounts a cgroup v2 hierarchy of its own when the host shows none. */
#define OWN_MOUNT_PARENT "/run/raqib"
#define OWN_MOUNT	 OWN_MOUNT_PARENT "/cgroup2"

struct names_tier {
	struct names *skel;
	struct bpf_link *egress, *ingress;
	bool mounted;
};

/*
 * The mount point of the cgroup v2 hierarchy's root, from /proc/self/mountinfo (fields: id,
 * parent, major:minor, root, mount point, options, optional fields, "-", type...). Returns 0.
 */
static int find_cgroup2(char *out, size_t out_len)
{
	char line[1024], root[512], point[512];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - cgroup2 ");

		if (!dash || sscanf(line, "%*s %*s %*s %511s %511s", root, point) != 2)
			continue;
		if (strcmp(root, "/") != 0)
			continue; /* a sub-tree (cgroup namespace): not every process */
		snprintf(out, out_len, "%s", point);
		err = 0;
	}
	fclose(f);
	return err;
}

static int reuse(struct bpf_map *map, int fd, char *err, size_t err_len)
{
	int rc = bpf_map__reuse_fd(map, fd);

	if (rc)
		snprintf(err, err_len, "cannot share map '%s' with the names object: %s",
			 bpf_map__name(map), strerror(-rc));
	return rc;
}

struct names_tier *names_tier_new(const struct names_tier_maps *maps, char *where, size_t where_len,
				  char *err, size_t err_len)
{
	struct names_tier *t = calloc(1, sizeof(*t));
	int cg = -1, rc;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (find_cgroup2(where, where_len)) {
		mkdir(OWN_MOUNT_PARENT, 0700);
		mkdir(OWN_MOUNT, 0700);
		if (mount("cgroup2", OWN_MOUNT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL)) {
			snprintf(err, err_len,
				 "no cgroup v2 hierarchy, and mounting one failed: %s",
				 strerror(errno));
			goto err_free;
		}
		t->mounted = true;
		snprintf(where, where_len, "%s", OWN_MOUNT);
	}
	t->skel = names__open();
	if (!t->skel) {
		snprintf(err, err_len, "cannot open the names BPF object: %s", strerror(errno));
		goto err_free;
	}
	if (reuse(t->skel->maps.raqib_events, maps->events, err, err_len) ||
	    reuse(t->skel->maps.raqib_watched, maps->watched, err, err_len) ||
	    reuse(t->skel->maps.raqib_tls_active, maps->tls_active, err, err_len) ||
	    reuse(t->skel->maps.raqib_drops, maps->drops, err, err_len) ||
	    reuse(t->skel->maps.raqib_dest_names, maps->dest_names, err, err_len) ||
	    reuse(t->skel->maps.raqib_dest_ranges, maps->dest_ranges, err, err_len) ||
	    reuse(t->skel->maps.raqib_dest_socks, maps->dest_socks, err, err_len) ||
	    reuse(t->skel->maps.raqib_dest_gate, maps->dest_gate, err, err_len))
		goto err_free;
	rc = names__load(t->skel);
	if (rc) {
		snprintf(err, err_len, "cannot load the cgroup_skb programs: %s", strerror(-rc));
		goto err_free;
	}
	cg = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		snprintf(err, err_len, "cannot open %s: %s", where, strerror(errno));
		goto err_free;
	}
	t->egress = bpf_program__attach_cgroup(t->skel->progs.handle_egress, cg);
	if (!t->egress) {
		snprintf(err, err_len, "cannot attach to %s (egress): %s", where, strerror(errno));
		goto err_free;
	}
	t->ingress = bpf_program__attach_cgroup(t->skel->progs.handle_ingress, cg);
	if (!t->ingress) {
		snprintf(err, err_len, "cannot attach to %s (ingress): %s", where, strerror(errno));
		goto err_free;
	}
	close(cg);
	return t;

err_free:
	if (cg >= 0)
		close(cg);
	names_tier_free(t);
	return NULL;
}

void names_tier_free(struct names_tier *t)
{
	if (!t)
		return;
	bpf_link__destroy(t->ingress);
	bpf_link__destroy(t->egress);
	names__destroy(t->skel);
	if (t->mounted)
		umount2(OWN_MOUNT, MNT_DETACH);
	free(t);
}
