// SPDX-License-Identifier: GPL-2.0-only
/*
 * File inspection for the host path of the pipeline. The kernel event names the file by path
 * and by (device, inode); the path may have changed since, so the file opened here is checked
 * against the inode before its content is trusted, and /proc/PID/fd/N, which reopens exactly
 * the file the app holds, is the fallback.
 */
#include "file_inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path read-only without following it into a device or FIFO and without touching atime. */
static int open_regular(const char *path, struct stat *st)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd = open(path, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = open(path, flags); /* O_NOATIME needs ownership or CAP_FOWNER */
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static bool same_file(const struct file_inspect_request *req, const struct stat *st)
{
	return !req->has_identity || (st->st_dev == req->dev && st->st_ino == req->ino);
}

static int open_checked(const struct file_inspect_request *req, struct stat *st,
			const char **opened)
{
	int err = -ENOENT;

	for (int i = 0; i < FILE_INSPECT_MAX_PATHS; i++) {
		int fd;

		if (!req->paths[i])
			continue;
		fd = open_regular(req->paths[i], st);
		if (fd < 0) {
			if (err == -ENOENT)
				err = fd;
			continue;
		}
		if (same_file(req, st)) {
			*opened = req->paths[i];
			return fd;
		}
		close(fd);
		err = -ESTALE;
	}
	return err;
}

static int64_t mtime_ns_of(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Caches the verdict when the file did not change while it was read and is old enough. */
static void cache_store(const struct file_inspect_request *req, int fd,
			const struct verdict_cache_key *key, int64_t started_ns,
			const struct file_inspect_result *out)
{
	struct stat after;

	if (fstat(fd, &after) == 0 && after.st_size == key->size &&
	    mtime_ns_of(&after) == key->mtime_ns &&
	    verdict_cache_is_settled(key->mtime_ns, started_ns))
		verdict_cache_store(req->cache, key, &out->verdict, &out->extract);
}

int file_inspect(struct rules_scan *scan, const struct file_inspect_request *req,
		 struct file_inspect_result *out)
{
	struct rules_verdict discard;
	struct verdict_cache_key key;
	int64_t started_ns = verdict_cache_now_ns();
	struct stat st;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = open_checked(req, &st, &out->opened_path);
	if (fd < 0)
		return fd;
	out->size = st.st_size;
	out->mtime_ns = mtime_ns_of(&st);
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	key = (struct verdict_cache_key){ st.st_dev, st.st_ino, st.st_size, out->mtime_ns };
	if (req->cache && verdict_cache_lookup(req->cache, &key, &out->verdict, &out->extract)) {
		close(fd);
		out->from_cache = true;
		return 0;
	}
	err = extract_fd(fd, req->limits, scan, &out->extract);
	/* Finishing also resets the context after a failure, so it can serve the next file. */
	if (err) {
		close(fd);
		if (rules_scan_finish(scan, &discard) == 0)
			rules_verdict_release(&discard);
		return err;
	}
	err = rules_scan_finish(scan, &out->verdict);
	if (err) {
		close(fd);
		return err;
	}
	if (out->extract.status != EXTRACT_COMPLETE)
		out->verdict.is_truncated = true;
	if (req->cache)
		cache_store(req, fd, &key, started_ns, out);
	close(fd);
	return 0;
}
