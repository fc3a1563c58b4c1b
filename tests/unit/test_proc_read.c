// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of what the process table reads from /proc: container ids, command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/proc_read.h"

#define ID "4f1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef"

static void test_container_ids(void **state)
{
	char out[65];

	(void)state;
	proc_container_id("0::/system.slice/docker-" ID ".scope\n", out, sizeof(out));
	assert_string_equal(out, ID);
	proc_container_id("12:pids:/docker/" ID "\n0::/\n", out, sizeof(out));
	assert_string_equal(out, ID);
	proc_container_id("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
			  ".scope/container\n",
			  out, sizeof(out));
	assert_string_equal(out, ID);
	proc_container_id("0::/kubepods.slice/cri-containerd-" ID ".scope\n", out, sizeof(out));
	assert_string_equal(out, ID);
}

static void test_no_container(void **state)
{
	char out[65] = "x";

	(void)state;
	proc_container_id("0::/user.slice/user-1000.slice/session-2.scope\n", out, sizeof(out));
	assert_string_equal(out, "");
	/* an id that is too short or not lower-case hex is not one */
	proc_container_id("0::/docker/4f1b2c3d\n", out, sizeof(out));
	assert_string_equal(out, "");
	proc_container_id("0::/docker/"
			  "4F1B2C3D4E5F60718293A4B5C6D7E8F90123456789ABCDEF0123456789ABCDEF\n",
			  out, sizeof(out));
	assert_string_equal(out, "");
	proc_container_id("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_sandbox_paths(void **state)
{
	char out[256];

	(void)state;
	proc_sandbox_path("0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.signal.Signal-2817.scope\n",
			  out, sizeof(out));
	assert_string_equal(out, "/var/lib/flatpak/app/org.signal.Signal/current/active/files");
	proc_sandbox_path("0::/user.slice/user-1000.slice/user@1000.service/app.slice/snap.telegram-desktop.telegram-desktop-2f6a1b52-0c3e-4f61-9d2b-5a1c3e7d8f90.scope\n",
			  out, sizeof(out));
	assert_string_equal(out, "/snap/telegram-desktop/current");
	proc_sandbox_path("0::/user.slice/user-1000.slice/session-2.scope\n", out, sizeof(out));
	assert_string_equal(out, "");
	proc_sandbox_path("0::/app-flatpak-\n", out, sizeof(out)); /* no id */
	assert_string_equal(out, "");
	proc_sandbox_path("0::/snap.\n", out, sizeof(out));
	assert_string_equal(out, "");
}

/* Profile options: "--opt=DIR" or "-opt DIR", the first found; cut or absent: nothing. */
static void test_option_values(void **state)
{
	static const char chromium[] = "/usr/lib/chromium/chromium\0--no-sandbox\0"
				       "--user-data-dir=/tmp/pw-profile-1\0--remote-debugging-pipe";
	static const char telegram[] = "telegram-desktop\0-many\0-workdir\0/tmp/tg work\0";
	static const char *const chrome_opts[] = { "--user-data-dir", "-profile" };
	static const char *const tg_opts[] = { "-workdir" };
	char out[64], tiny[8];

	(void)state;
	proc_option_value(chromium, sizeof(chromium), chrome_opts, 2, out, sizeof(out));
	assert_string_equal(out, "/tmp/pw-profile-1");
	proc_option_value(telegram, sizeof(telegram), tg_opts, 1, out, sizeof(out));
	assert_string_equal(out, "/tmp/tg work");
	proc_option_value(telegram, sizeof(telegram), chrome_opts, 2, out, sizeof(out));
	assert_string_equal(out, "");
	/* an option last, with no value after it */
	proc_option_value("app\0-workdir", 12, tg_opts, 1, out, sizeof(out));
	assert_string_equal(out, "");
	/* a value that does not fit is no value (never a cut directory) */
	proc_option_value(chromium, sizeof(chromium), chrome_opts, 2, tiny, sizeof(tiny));
	assert_string_equal(tiny, "");
	/* an option that only starts like one */
	proc_option_value("app\0--user-data-directory=/x", 29, chrome_opts, 2, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_own_cmdline_and_exe(void **state)
{
	char line[256], exe[256];

	(void)state;
	assert_int_equal(proc_read_cmdline((uint32_t)getpid(), line, sizeof(line)), 0);
	assert_non_null(strstr(line, "test_proc_read"));
	assert_int_equal(proc_read_exe((uint32_t)getpid(), exe, sizeof(exe)), 0);
	assert_non_null(strstr(exe, "test_proc_read"));
	/* cut, never overrun */
	assert_int_equal(proc_read_cmdline((uint32_t)getpid(), line, 5), 0);
	assert_int_equal(strlen(line), 4);
	assert_true(proc_read_cmdline(0x7ffffff0u, line, sizeof(line)) < 0);
	assert_string_equal(line, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_ids), cmocka_unit_test(test_no_container),
		cmocka_unit_test(test_sandbox_paths), cmocka_unit_test(test_own_cmdline_and_exe),
		cmocka_unit_test(test_option_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
