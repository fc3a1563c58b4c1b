// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the desk's tokens and roles (collector/desk_auth.c): what each role may do, a
 * token made by token-add opens the desk as its user and role, only its digest is written, a
 * wrong or malformed token opens nothing, a revoked token stops at once (the file is read again
 * when it changes), investigators of the investigators file are investigators.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "desk_auth.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/raqib-desk-auth.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_rights(void **state)
{
	(void)state;
	/* everyone reads; nobody without a role */
	for (int r = DESK_ROLE_VIEWER; r <= DESK_ROLE_ADMINISTRATOR; r++)
		assert_true(desk_role_may((enum desk_role)r, DESK_READ));
	assert_false(desk_role_may(DESK_ROLE_NONE, DESK_READ));
	/* only investigators search by value: not administrators, not analysts */
	assert_true(desk_role_may(DESK_ROLE_INVESTIGATOR, DESK_SEARCH_VALUE));
	assert_false(desk_role_may(DESK_ROLE_ADMINISTRATOR, DESK_SEARCH_VALUE));
	assert_false(desk_role_may(DESK_ROLE_ANALYST, DESK_SEARCH_VALUE));
	assert_false(desk_role_may(DESK_ROLE_VIEWER, DESK_SEARCH_VALUE));
	/* cases are worked by analysts and investigators */
	assert_true(desk_role_may(DESK_ROLE_ANALYST, DESK_CHANGE_INCIDENT));
	assert_true(desk_role_may(DESK_ROLE_INVESTIGATOR, DESK_EXPORT));
	assert_false(desk_role_may(DESK_ROLE_VIEWER, DESK_CHANGE_INCIDENT));
	assert_false(desk_role_may(DESK_ROLE_ADMINISTRATOR, DESK_CHANGE_INCIDENT));
	assert_false(desk_role_may(DESK_ROLE_VIEWER, DESK_EXPORT));
	/* the whole audit log is the administrator's */
	assert_true(desk_role_may(DESK_ROLE_ADMINISTRATOR, DESK_READ_AUDIT));
	assert_false(desk_role_may(DESK_ROLE_INVESTIGATOR, DESK_READ_AUDIT));
	assert_true(desk_role_may(DESK_ROLE_INVESTIGATOR, DESK_READ_INCIDENT_AUDIT));
	assert_false(desk_role_may(DESK_ROLE_ANALYST, DESK_READ_INCIDENT_AUDIT));
	assert_int_equal(desk_role_parse("analyst"), DESK_ROLE_ANALYST);
	assert_int_equal(desk_role_parse("root"), DESK_ROLE_NONE);
	assert_string_equal(desk_role_name(DESK_ROLE_ADMINISTRATOR), "administrator");
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_tokens(void **state)
{
	char amina[DESK_TOKEN_HEX + 1], omar[DESK_TOKEN_HEX + 1], header[128], err[256], path[128];
	struct desk_auth *a;
	struct desk_user u;
	struct stat st;

	(void)state;
	assert_int_equal(desk_auth_add(dir, "amina", DESK_ROLE_ANALYST, amina, err, sizeof(err)), 0);
	assert_int_equal(strlen(amina), 64);
	assert_int_equal(desk_auth_add(dir, "omar", DESK_ROLE_VIEWER, omar, err, sizeof(err)), 0);
	assert_int_equal(desk_auth_add(dir, "bad name", DESK_ROLE_VIEWER, omar, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/tokens", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the digest is kept, never the token */
	assert_null(strstr(read_file(path), amina));
	assert_non_null(strstr(read_file(path), "amina analyst "));

	a = desk_auth_new(dir);
	assert_non_null(a);
	snprintf(header, sizeof(header), "Bearer %s", amina);
	assert_true(desk_auth_check(a, header, &u));
	assert_string_equal(u.name, "amina");
	assert_int_equal(u.role, DESK_ROLE_ANALYST);
	snprintf(header, sizeof(header), "bearer %s", omar);
	assert_true(desk_auth_check(a, header, &u));
	assert_int_equal(u.role, DESK_ROLE_VIEWER);
	/* wrong, cut, empty, another scheme */
	amina[10] ^= 1;
	snprintf(header, sizeof(header), "Bearer %s", amina);
	assert_false(desk_auth_check(a, header, &u));
	amina[10] ^= 1;
	snprintf(header, sizeof(header), "Bearer %.63s", amina);
	assert_false(desk_auth_check(a, header, &u));
	assert_false(desk_auth_check(a, "Bearer ", &u));
	assert_false(desk_auth_check(a, NULL, &u));
	snprintf(header, sizeof(header), "Basic %s", amina);
	assert_false(desk_auth_check(a, header, &u));

	/* revoked: refused at once, by the same running desk */
	usleep(10000);
	assert_int_equal(desk_auth_revoke(dir, "amina", err, sizeof(err)), 1);
	snprintf(header, sizeof(header), "Bearer %s", amina);
	assert_false(desk_auth_check(a, header, &u));
	snprintf(header, sizeof(header), "Bearer %s", omar);
	assert_true(desk_auth_check(a, header, &u));
	assert_int_equal(desk_auth_revoke(dir, "amina", err, sizeof(err)), 0);

	desk_auth_free(a);
}

static void test_investigators_file(void **state)
{
	char path[128], token[DESK_TOKEN_HEX + 1], err[256], header[128], line[256];
	struct desk_auth *a;
	struct desk_user u;
	FILE *f, *p;
	char cmd[256], digest[80];

	(void)state;
	/* a token made the way investigator-add makes it */
	assert_int_equal(desk_auth_add(dir, "tmp", DESK_ROLE_VIEWER, token, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "printf %%s %s | sha256sum", token);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", digest), 1);
	pclose(p);
	assert_int_equal(desk_auth_revoke(dir, "tmp", err, sizeof(err)), 1);
	snprintf(path, sizeof(path), "%s/investigators", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	snprintf(line, sizeof(line), "inv1 %s\n", digest);
	fputs(line, f);
	fclose(f);
	a = desk_auth_new(dir);
	snprintf(header, sizeof(header), "Bearer %s", token);
	assert_true(desk_auth_check(a, header, &u));
	assert_string_equal(u.name, "inv1");
	assert_int_equal(u.role, DESK_ROLE_INVESTIGATOR);
	desk_auth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rights),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_investigators_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
