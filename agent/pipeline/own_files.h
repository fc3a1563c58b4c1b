/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An app's own files: what a watched app opens on its own account, as opposed to the documents
 * a person gives it. A real browser opens several hundred files when it starts (its launcher
 * script, libraries, fonts, fontconfig, its profile and caches), and so does a messaging app;
 * some of them hold e-mail addresses (copyright lines, a maintainer's address). Such files are
 * never candidates for an upload and never alerts, and are not even inspected.
 *
 * A file is the app's own when its path (as the app sees it) is:
 *   - under a system directory: /usr, /etc, /opt, /lib*, /bin, /sbin, /boot, /snap, /app (a
 *     Flatpak's own tree), /var/lib, /var/cache, /nix/store, /gnu/store, /proc, /sys, /dev, and
 *     /run except the document portal (/run/user/UID/doc: files a person picked for a sandboxed
 *     app), GVFS mounts (/run/user/UID/gvfs: network shares) and removable media (/run/media);
 *   - under a hidden directory (a name starting with a dot: ~/.config, ~/.cache, ~/.local,
 *     ~/.fonts, ~/.mozilla, /tmp/.mount_* of an AppImage), or a snap's per-app home (~/snap);
 *   - in the directory of the app's executable (an app unpacked in a home directory);
 *   - under the profile or data directory named on the app's command line by one of the
 *     catalog's profile_options (Chromium's --user-data-dir, Telegram's -workdir);
 *   - a file the package manager installed: dpkg's file lists (the .list files of /var/lib/dpkg/info),
 *     read once, the first time a path passes every other test, and again when they change.
 *
 * A document a person deliberately hides in such a place escapes; docs/host-sensor.md says so.
 * Not thread-safe.
 */
#ifndef RAQIB_AGENT_OWN_FILES_H
#define RAQIB_AGENT_OWN_FILES_H

#include <stddef.h>
#include <stdint.h>

enum own_file {
	OWN_FILE_NO, /* a file of the user's: a candidate */
	OWN_FILE_SYSTEM,
	OWN_FILE_HIDDEN,
	OWN_FILE_INSTALL_DIR,
	OWN_FILE_PROFILE,
	OWN_FILE_PACKAGE,
	OWN_FILE_MAX,
};

struct own_files;

/* dpkg_info_dir: where dpkg keeps its *.list files (NULL: /var/lib/dpkg/info). NULL + errno. */
struct own_files *own_files_new(const char *dpkg_info_dir);
void own_files_free(struct own_files *own);

/*
 * Whether path (absolute, canonical) is the app's own. install_dir and profile_dir (absolute
 * directories, or NULL/"") are the app instance's; see own_files_install_dir().
 */
enum own_file own_files_check(struct own_files *own, const char *path, const char *install_dir,
			      const char *profile_dir);

/*
 * The directory of an executable that counts as the app's install directory: exe's directory,
 * unless that is too broad to be an app's own ("/", /tmp, /var/tmp, a home directory or a
 * user's Desktop, Documents or Downloads). Writes "" then.
 */
void own_files_install_dir(const char *exe, char *out, size_t out_len);

/* "system", "hidden", "install_dir", "profile", "package"; NULL for OWN_FILE_NO. */
const char *own_file_name(enum own_file reason);

struct own_files_stats {
	size_t package_files; /* paths in dpkg's lists, once read */
	uint64_t package_loads; /* times the lists were read */
};

void own_files_get_stats(const struct own_files *own, struct own_files_stats *stats);

#endif /* RAQIB_AGENT_OWN_FILES_H */
