// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* history.c: generations, metadata, pruning, interrupted writes, atomic writes. */
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
#include "history.h"

static char dir[64];

static int setup(void **st)
{
	snprintf(dir, sizeof(dir), "/tmp/xlb-test-history.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static __u64 add(const char *hdir, unsigned keep, const char *text, const char *source)
{
	json_t *m = json_pack("{s:s}", "source", source);
	__u64 g = 0;

	assert_int_equal(xlb_history_add(hdir, keep, text, strlen(text), m, &g), 0);
	json_decref(m);
	return g;
}

static void test_add_list_get(void **st)
{
	char hdir[128], *text;
	json_t *list, *meta;
	size_t len;
	__u64 g;

	snprintf(hdir, sizeof(hdir), "%s/a/IF.history", dir); /* created, parents too */
	assert_int_equal(xlb_history_newest(hdir, &g), -ENOENT);
	assert_int_equal(xlb_history_list(hdir, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(add(hdir, 50, "services: []\n", "start"), 1);
	assert_int_equal(add(hdir, 50, "# two\nservices: []\n", "apply"), 2);
	assert_int_equal(xlb_history_newest(hdir, &g), 0);
	assert_int_equal(g, 2);
	assert_int_equal(xlb_history_list(hdir, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "generation")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "source")),
			    "apply");
	json_decref(list);
	assert_int_equal(xlb_history_get(hdir, 2, &text, &len, &meta), 0);
	assert_string_equal(text, "# two\nservices: []\n");
	assert_int_equal(len, strlen(text));
	assert_int_equal(json_integer_value(json_object_get(meta, "bytes")), len);
	free(text);
	json_decref(meta);
	assert_int_equal(xlb_history_get(hdir, 3, &text, &len, NULL), -ENOENT);
}

static void test_prune_and_orphans(void **st)
{
	char hdir[128], path[256];
	json_t *list;
	struct stat sb;
	__u64 i;
	FILE *f;

	snprintf(hdir, sizeof(hdir), "%s/prune", dir);
	for (i = 1; i <= 7; i++)
		assert_int_equal(add(hdir, 3, "x: 1\n", "reload"), i);
	assert_int_equal(xlb_history_list(hdir, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "generation")), 5);
	json_decref(list);
	snprintf(path, sizeof(path), "%s/000004.yaml", hdir);
	assert_int_equal(stat(path, &sb), -1);
	/* an interrupted add: a .yaml without its .json is not a generation ... */
	snprintf(path, sizeof(path), "%s/000008.yaml", hdir);
	f = fopen(path, "w");
	fputs("half", f);
	fclose(f);
	assert_int_equal(xlb_history_newest(hdir, &i), 0);
	assert_int_equal(i, 7);
	/* ... its number is not reused, and the next add removes it */
	assert_int_equal(add(hdir, 3, "y: 2\n", "apply"), 9);
	assert_int_equal(stat(path, &sb), -1);
}

static void test_write_atomic(void **st)
{
	char path[128], *buf;
	struct stat sb;
	size_t len;

	snprintf(path, sizeof(path), "%s/xlb.yaml", dir);
	assert_int_equal(xlb_write_atomic(path, "a\n", 2, 0600), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(xlb_write_atomic(path, "bb\n", 3, 0600), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640); /* the file's mode is kept */
	assert_int_equal(xlb_read_file(path, 100, &buf, &len), 0);
	assert_string_equal(buf, "bb\n");
	free(buf);
	assert_int_equal(xlb_read_file(path, 2, &buf, &len), -EFBIG);
	assert_int_equal(xlb_read_file(dir, 100, &buf, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/xlb.yaml.xlb-tmp", dir);
	assert_int_equal(stat(path, &sb), -1); /* no temporary left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_list_get),
		cmocka_unit_test(test_prune_and_orphans),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
