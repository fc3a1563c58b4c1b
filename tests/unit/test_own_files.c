// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of an app's own files (agent/pipeline/own_files.c): system directories (with the
 * document portal, network shares and removable media left to people), hidden directories, the
 * install and profile directories of an instance, dpkg's file lists (a fake info directory),
 * and which executable directories are too broad to be an app's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/own_files.h"

static void test_system_and_hidden(void **state)
{
	struct own_files *o = own_files_new("/nonexistent/dpkg/info");
	static const struct {
		const char *path;
		enum own_file want;
	} cases[] = {
		{ "/usr/bin/chromium", OWN_FILE_SYSTEM },
		{ "/usr/share/fontconfig/conf.avail/65-fonts-persian.conf", OWN_FILE_SYSTEM },
		{ "/etc/fonts/fonts.conf", OWN_FILE_SYSTEM },
		{ "/opt/WhatsApp/resources/app.asar", OWN_FILE_SYSTEM },
		{ "/snap/telegram-desktop/current/usr/lib/libx.so", OWN_FILE_SYSTEM },
		{ "/app/lib/libsignal.so", OWN_FILE_SYSTEM },
		{ "/var/lib/flatpak/app/org.signal.Signal/x", OWN_FILE_SYSTEM },
		{ "/proc/self/status", OWN_FILE_SYSTEM },
		{ "/run/user/1000/pulse/native", OWN_FILE_SYSTEM },
		{ "/", OWN_FILE_SYSTEM }, /* a memfd or shared memory file: no name */
		/* where people's files are, under /run */
		{ "/run/user/1000/doc/4f2a/Lettre.pdf", OWN_FILE_NO },
		{ "/run/user/1000/gvfs/smb-share:server=srv,share=dossiers/x.docx", OWN_FILE_NO },
		{ "/run/media/amina/USB/liste.xlsx", OWN_FILE_NO },
		{ "/usrx/doc.pdf", OWN_FILE_NO }, /* a prefix is a directory, not a string */
		{ "/home/amina/.config/chromium/Default/Preferences", OWN_FILE_HIDDEN },
		{ "/home/amina/.local/share/fonts/Amiri.ttf", OWN_FILE_HIDDEN },
		{ "/home/amina/.gitconfig", OWN_FILE_HIDDEN },
		{ "/tmp/.mount_WhatsAxyz/resources/x", OWN_FILE_HIDDEN },
		{ "/home/amina/snap/telegram-desktop/common/x", OWN_FILE_HIDDEN },
		{ "/home/amina/Documents/lettre.pdf", OWN_FILE_NO },
		{ "/home/amina/Documents/v1.2/lettre.pdf", OWN_FILE_NO },
		{ "/tmp/liste.csv", OWN_FILE_NO },
		{ "relative/cut/path.pdf", OWN_FILE_NO },
	};

	(void)state;
	assert_non_null(o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (own_files_check(o, cases[i].path, NULL, NULL) != cases[i].want)
			fail_msg("%s: %d, expected %d", cases[i].path,
				 own_files_check(o, cases[i].path, NULL, NULL), cases[i].want);
	own_files_free(o);
}

static void test_instance_dirs(void **state)
{
	struct own_files *o = own_files_new("/nonexistent/dpkg/info");
	char dir[256];

	(void)state;
	assert_int_equal(own_files_check(o, "/home/u/Apps/Telegram/Updater",
					 "/home/u/Apps/Telegram", NULL),
			 OWN_FILE_INSTALL_DIR);
	assert_int_equal(own_files_check(o, "/home/u/Apps/Telegramx/doc.pdf",
					 "/home/u/Apps/Telegram", NULL),
			 OWN_FILE_NO);
	assert_int_equal(own_files_check(o, "/tmp/pw-profile-1/Default/Web Data", NULL,
					 "/tmp/pw-profile-1"),
			 OWN_FILE_PROFILE);
	assert_int_equal(own_files_check(o, "/tmp/doc.pdf", "", "/tmp/pw-profile-1"), OWN_FILE_NO);

	own_files_install_dir("/home/u/Apps/Telegram/Telegram", dir, sizeof(dir));
	assert_string_equal(dir, "/home/u/Apps/Telegram");
	/* directories too broad to be an app's own */
	own_files_install_dir("/home/u/telegram", dir, sizeof(dir));
	assert_string_equal(dir, "");
	own_files_install_dir("/home/u/Downloads/telegram", dir, sizeof(dir));
	assert_string_equal(dir, "");
	own_files_install_dir("/tmp/uploader", dir, sizeof(dir));
	assert_string_equal(dir, "");
	own_files_install_dir("/chromium", dir, sizeof(dir));
	assert_string_equal(dir, "");
	own_files_install_dir("relative", dir, sizeof(dir));
	assert_string_equal(dir, "");
	own_files_free(o);
}

/* dpkg's lists: read the first time a path passes the other tests, again when they change. */
static void test_package_files(void **state)
{
	char dir[] = "/tmp/raqib-own-XXXXXX", list[128], cmd[160];
	struct own_files_stats st;
	struct own_files *o;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(list, sizeof(list), "%s/demo.list", dir);
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("/.\n/srv\n/srv/demo\n/srv/demo/README.txt\n", f);
	fclose(f);
	o = own_files_new(dir);
	assert_non_null(o);
	own_files_get_stats(o, &st);
	assert_int_equal(st.package_loads, 0); /* not read before it is needed */
	assert_int_equal(own_files_check(o, "/usr/share/doc/x", NULL, NULL), OWN_FILE_SYSTEM);
	own_files_get_stats(o, &st);
	assert_int_equal(st.package_loads, 0); /* a system path needs no list */
	assert_int_equal(own_files_check(o, "/srv/demo/README.txt", NULL, NULL), OWN_FILE_PACKAGE);
	assert_int_equal(own_files_check(o, "/srv/demo/README.txt.bak", NULL, NULL), OWN_FILE_NO);
	own_files_get_stats(o, &st);
	assert_int_equal(st.package_loads, 1);
	assert_int_equal(st.package_files, 4);
	/* a package installed later: its files are known at the next check */
	snprintf(list, sizeof(list), "%s/other.list", dir);
	sleep(1); /* a new directory mtime, even on second-granular file systems */
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("/srv/other.conf\n", f);
	fclose(f);
	assert_int_equal(own_files_check(o, "/srv/other.conf", NULL, NULL), OWN_FILE_PACKAGE);
	own_files_get_stats(o, &st);
	assert_int_equal(st.package_loads, 2);
	own_files_free(o);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_and_hidden),
		cmocka_unit_test(test_instance_dirs),
		cmocka_unit_test(test_package_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
