/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fileio - write a file atomically, read one whole, create directories. */
#ifndef XLB_FILEIO_H
#define XLB_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write buf[0..len) to path atomically: PATH.xlb-tmp in the same directory,
 * fsync, rename, fsync of the directory. mode: of a new file; an existing
 * file's mode and owner are kept (best effort). 0 or -errno (path unchanged).
 */
int xlb_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);
/* Read a whole regular file of at most max bytes (malloc'd, NUL-terminated). 0 or -errno. */
int xlb_read_file(const char *path, size_t max, char **buf, size_t *len);
/*
 * Why xlb_read_file(path, max, ...) returned err, for a person, in buf:
 * "not a regular file (a character device)", "a directory", "larger than
 * 16 MiB", else strerror. Returns buf.
 */
const char *xlb_read_file_why(const char *path, int err, size_t max, char *buf, size_t len);
/* Create dir and its missing parents with mode. 0 or -errno. */
int xlb_mkdir_p(const char *dir, mode_t mode);
/* Create the directory that holds path (and its parents) with mode. 0 or -errno. */
int xlb_mkdir_parent(const char *path, mode_t mode);
/* fsync a directory, so that a rename in it reaches the disk. 0 or -errno. */
int xlb_fsync_dir(const char *dir);

#endif
