// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* num.c: strict number parsers; fileio.c: why a file could not be read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fileio.h"
#include "num.h"

static void test_uint_plain(void **st)
{
	unsigned long long v = 7;

	assert_int_equal(xlb_parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(xlb_parse_uint("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(xlb_parse_uint("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(xlb_parse_uint("18446744073709551615", 0, ~0ULL, &v), 0);
	assert_true(v == ~0ULL);
}

static void test_uint_refused(void **st)
{
	static const char *const bad[] = { "", " 5", "5 ", "\t5", "\n5", "+5", "-5", "-0",
					   "0x10", "5a", "1e3", "5.0", "1,000", "five" };
	unsigned long long v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xlb_parse_uint(bad[i], 0, 100000, &v), -EINVAL);
		assert_int_equal(v, 42); /* untouched */
	}
	assert_int_equal(xlb_parse_uint(NULL, 0, 1, &v), -EINVAL);
}

static void test_uint_range(void **st)
{
	unsigned long long v = 42;

	assert_int_equal(xlb_parse_uint("0", 1, 65535, &v), -ERANGE);
	assert_int_equal(xlb_parse_uint("65536", 1, 65535, &v), -ERANGE);
	assert_int_equal(xlb_parse_uint("18446744073709551616", 0, ~0ULL, &v), -ERANGE);
	assert_int_equal(xlb_parse_uint("99999999999999999999999", 0, ~0ULL, &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void test_decimal(void **st)
{
	static const char *const bad[] = { "", ".", " 1", "1 ", "+1", "-1", "1e3", "0x10",
					   "inf", "nan", "1..2", "1.2.3", "1,5" };
	double d = -1;
	size_t i;

	assert_int_equal(xlb_parse_decimal("0.5", 0.1, 10, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(xlb_parse_decimal(".25", 0, 1, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(xlb_parse_decimal("3", 0, 3, &d), 0);
	assert_true(d == 3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(xlb_parse_decimal(bad[i], 0, 1e18, &d), -EINVAL);
	assert_int_equal(xlb_parse_decimal("0.05", 0.1, 10, &d), -ERANGE);
	assert_int_equal(xlb_parse_decimal("11", 0.1, 10, &d), -ERANGE);
	assert_true(d == 3);
}

static void test_read_file_why(void **st)
{
	char dir[] = "/tmp/xlb-test-num.XXXXXX", path[64], fifo[64], why[128], *buf;
	size_t len;
	FILE *f;
	int err;

	assert_non_null(mkdtemp(dir));
	/* a character device: says so, not "Invalid argument" */
	err = xlb_read_file("/dev/zero", 16u << 20, &buf, &len);
	assert_int_not_equal(err, 0);
	assert_string_equal(xlb_read_file_why("/dev/zero", err, 16u << 20, why, sizeof(why)),
			    "not a regular file (a character device)");
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* O_RDONLY on a FIFO would block without a writer: stat is enough to describe it */
	assert_string_equal(xlb_read_file_why(fifo, -EINVAL, 100, why, sizeof(why)),
			    "not a regular file (a FIFO)");
	err = xlb_read_file(dir, 100, &buf, &len);
	assert_string_equal(xlb_read_file_why(dir, err, 100, why, sizeof(why)),
			    "a directory, not a file");
	snprintf(path, sizeof(path), "%s/big", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("0123456789", f);
	fclose(f);
	err = xlb_read_file(path, 4, &buf, &len);
	assert_string_equal(xlb_read_file_why(path, err, 4, why, sizeof(why)),
			    "larger than 4 bytes");
	assert_string_equal(xlb_read_file_why(path, -EFBIG, 16u << 20, why, sizeof(why)),
			    "larger than 16 MiB");
	snprintf(path, sizeof(path), "%s/none", dir);
	err = xlb_read_file(path, 4, &buf, &len);
	assert_string_equal(xlb_read_file_why(path, err, 4, why, sizeof(why)),
			    "No such file or directory");
	unlink(fifo);
	snprintf(path, sizeof(path), "%s/big", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_plain),
		cmocka_unit_test(test_uint_refused),
		cmocka_unit_test(test_uint_range),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_read_file_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
