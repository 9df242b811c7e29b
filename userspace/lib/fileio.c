// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fileio.c - small file helpers shared by state, history, BGP and cluster files (fileio.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fileio.h"

int xlb_fsync_dir(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static void dir_of(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(dir, len, ".");
}

int xlb_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	size_t off = 0;
	bool exists;
	ssize_t n;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.xlb-tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	dir_of(path, dir, sizeof(dir));
	exists = !stat(path, &st);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, exists ? st.st_mode & 07777 : mode);
	if (fd < 0)
		return -errno;
	if (exists) { /* keep the file's owner and mode (umask may have cut the mode) */
		if (fchown(fd, st.st_uid, st.st_gid)) {
			/* not fatal: without CAP_CHOWN the file becomes ours */
		}
		if (fchmod(fd, st.st_mode & 07777)) {
			/* not fatal either */
		}
	}
	while (off < len) {
		n = write(fd, (const char *)buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += n;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return xlb_fsync_dir(dir);
}

int xlb_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n;
	int fd, err = 0;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			free(buf);
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile */
		got += n;
	}
	buf[got] = 0;
	*bufp = buf;
	*lenp = got;
out:
	close(fd);
	return err;
}

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

const char *xlb_read_file_why(const char *path, int err, size_t max, char *buf, size_t len)
{
	struct stat st;

	if (err == -EFBIG) {
		if (max >= (1u << 20) && !(max % (1u << 20)))
			snprintf(buf, len, "larger than %zu MiB", max >> 20);
		else
			snprintf(buf, len, "larger than %zu bytes", max);
	} else if (err == -EISDIR) {
		snprintf(buf, len, "a directory, not a file");
	} else if (err == -EINVAL && !stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(buf, len, "not a regular file (%s)", file_kind(st.st_mode));
	} else {
		snprintf(buf, len, "%s", strerror(-err));
	}
	return buf;
}

int xlb_mkdir_p(const char *dir, mode_t mode)
{
	char p[PATH_MAX], *s;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int xlb_mkdir_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* relative name in the cwd, or a file in / */
	*slash = 0;
	return xlb_mkdir_p(dir, mode);
}
