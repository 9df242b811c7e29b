// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* log.c: levels, their tags and the filter. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Run the pr_* calls of fn with stderr in a temporary file; its text in buf. */
static void capture(void (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
}

static void each_level(void)
{
	pr_err("E1");
	pr_warn("W1");
	pr_info("I1");
	pr_debug("D1");
}

static void test_error_level(void **st)
{
	char out[1024];

	assert_int_equal(xlb_log_set_level("debug"), 0);
	capture(each_level, out, sizeof(out));
	assert_non_null(strstr(out, "Z error: E1\n"));
	assert_non_null(strstr(out, "Z warn: W1\n"));
	assert_non_null(strstr(out, "Z info: I1\n"));
	assert_non_null(strstr(out, "Z debug: D1\n"));

	/* --log-level error: only what stops lbd */
	assert_int_equal(xlb_log_set_level("error"), 0);
	capture(each_level, out, sizeof(out));
	assert_non_null(strstr(out, "error: E1"));
	assert_null(strstr(out, "W1"));
	assert_null(strstr(out, "I1"));

	/* --log-level warn still shows errors */
	assert_int_equal(xlb_log_set_level("warn"), 0);
	capture(each_level, out, sizeof(out));
	assert_non_null(strstr(out, "error: E1"));
	assert_non_null(strstr(out, "warn: W1"));
	assert_null(strstr(out, "I1"));

	assert_int_equal(xlb_log_set_level("fatal"), -EINVAL);
	assert_int_equal(xlb_log_set_level("info"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
