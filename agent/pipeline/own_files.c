// SPDX-License-Identifier: GPL-2.0-only
/*
 * An app's own files (see own_files.h). The path tests are string comparisons; dpkg's lists are
 * kept as a sorted array of 64-bit path hashes (8 bytes per file: about 1.2 MiB for a desktop's
 * 150 000 files), searched by bisection.
 */
#include "own_files.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DPKG_INFO_DIR "/var/lib/dpkg/info"

struct own_files {
	char *dpkg_dir;
	uint64_t *hashes; /* sorted */
	size_t n_hashes, cap;
	bool loaded;
	struct timespec loaded_mtime; /* of dpkg_dir when read */
	struct own_files_stats stats;
};

/* Trees the system or a package manager installs, never a person's documents. */
static const char *const system_dirs[] = {
	"/usr",	 "/etc",  "/opt",  "/lib",	 "/lib32",     "/lib64",   "/libx32",
	"/bin",	 "/sbin", "/boot", "/snap",	 "/app",       "/var/lib", "/var/cache",
	"/proc", "/sys",  "/dev",  "/nix/store", "/gnu/store",
};

/* Under /run, where people's files can be: shell patterns. */
static const char *const run_user_files[] = {
	"/run/user/*/doc/*", /* the document portal: files picked for a sandboxed app */
	"/run/user/*/gvfs/*", /* network shares mounted by GVFS */
	"/run/media/*", /* removable media */
};

struct own_files *own_files_new(const char *dpkg_info_dir)
{
	struct own_files *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->dpkg_dir = strdup(dpkg_info_dir ? dpkg_info_dir : DPKG_INFO_DIR);
	if (!o->dpkg_dir) {
		free(o);
		return NULL;
	}
	return o;
}

void own_files_free(struct own_files *o)
{
	if (!o)
		return;
	free(o->hashes);
	free(o->dpkg_dir);
	free(o);
}

/* path is dir itself or below it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool is_system(const char *path)
{
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (under(path, system_dirs[i]))
			return true;
	if (!under(path, "/run"))
		return false;
	for (size_t i = 0; i < sizeof(run_user_files) / sizeof(run_user_files[0]); i++)
		if (fnmatch(run_user_files[i], path, 0) == 0)
			return false;
	return true;
}

/*
 * A name starting with a dot (a hidden directory, or a dotfile such as ~/.gitconfig), or a
 * snap's per-app home (/home/u/snap/APP).
 */
static bool is_hidden(const char *path)
{
	for (const char *p = path; p; p = strchr(p + 1, '/'))
		if (p[1] == '.')
			return true;
	return fnmatch("/home/*/snap/*", path, FNM_PATHNAME | FNM_LEADING_DIR) == 0 ||
	       under(path, "/root/snap");
}

/* FNV-1a: spread enough for a set of paths, and no dependency for 20 lines. */
static uint64_t path_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int add_hash(struct own_files *o, uint64_t h)
{
	if (o->n_hashes == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 65536;
		uint64_t *grown = realloc(o->hashes, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		o->hashes = grown;
		o->cap = cap;
	}
	o->hashes[o->n_hashes++] = h;
	return 0;
}

static int read_list(struct own_files *o, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return 0; /* removed meanwhile */
	while (!err && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (len && line[0] == '/')
			err = add_hash(o, path_hash(line, len));
	}
	fclose(f);
	return err;
}

/* Reads every *.list of dpkg's info directory (again when it changed since the last read). */
static void load_packages(struct own_files *o)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(o->dpkg_dir, &st) != 0) {
		o->loaded = true; /* no dpkg here: nothing to know */
		return;
	}
	if (o->loaded && st.st_mtim.tv_sec == o->loaded_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == o->loaded_mtime.tv_nsec)
		return;
	d = opendir(o->dpkg_dir);
	if (!d)
		return;
	o->n_hashes = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".list") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->dpkg_dir, de->d_name);
		if (read_list(o, path))
			break; /* out of memory: what was read still counts */
	}
	closedir(d);
	qsort(o->hashes, o->n_hashes, sizeof(*o->hashes), cmp_u64);
	o->loaded = true;
	o->loaded_mtime = st.st_mtim;
	o->stats.package_loads++;
	o->stats.package_files = o->n_hashes;
}

static bool is_package_file(struct own_files *o, const char *path)
{
	uint64_t h = path_hash(path, strlen(path));

	load_packages(o);
	return o->n_hashes &&
	       bsearch(&h, o->hashes, o->n_hashes, sizeof(*o->hashes), cmp_u64) != NULL;
}

enum own_file own_files_check(struct own_files *o, const char *path, const char *install_dir,
			      const char *profile_dir)
{
	if (path[0] != '/')
		return OWN_FILE_NO; /* a cut path: the tests below cannot be made */
	if (path[1] == '\0')
		return OWN_FILE_SYSTEM; /* no name: a file of an internal mount (memfd, shared memory) */
	if (is_system(path))
		return OWN_FILE_SYSTEM;
	if (is_hidden(path))
		return OWN_FILE_HIDDEN;
	if (install_dir && install_dir[0] && under(path, install_dir))
		return OWN_FILE_INSTALL_DIR;
	if (profile_dir && profile_dir[0] && under(path, profile_dir))
		return OWN_FILE_PROFILE;
	if (is_package_file(o, path))
		return OWN_FILE_PACKAGE;
	return OWN_FILE_NO;
}

void own_files_install_dir(const char *exe, char *out, size_t out_len)
{
	static const char *const too_broad[] = { "/",
						 "/tmp",
						 "/var/tmp",
						 "/root",
						 "/home/*",
						 "/home/*/Desktop",
						 "/home/*/Documents",
						 "/home/*/Downloads" };
	const char *slash = strrchr(exe, '/');
	size_t len = slash ? (size_t)(slash - exe) : 0;

	out[0] = '\0';
	if (exe[0] != '/' || len + 1 > out_len)
		return;
	memcpy(out, exe, len);
	out[len] = '\0';
	if (len == 0)
		snprintf(out, out_len, "/");
	for (size_t i = 0; i < sizeof(too_broad) / sizeof(too_broad[0]); i++) {
		if (fnmatch(too_broad[i], out, FNM_PATHNAME) == 0) {
			out[0] = '\0';
			return;
		}
	}
}

const char *own_file_name(enum own_file reason)
{
	static const char *const names[OWN_FILE_MAX] = {
		[OWN_FILE_SYSTEM] = "system",		[OWN_FILE_HIDDEN] = "hidden",
		[OWN_FILE_INSTALL_DIR] = "install_dir", [OWN_FILE_PROFILE] = "profile",
		[OWN_FILE_PACKAGE] = "package",
	};

	return reason > OWN_FILE_NO && reason < OWN_FILE_MAX ? names[reason] : NULL;
}

void own_files_get_stats(const struct own_files *o, struct own_files_stats *stats)
{
	*stats = o->stats;
}
