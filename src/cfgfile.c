/* Config files on disk (see cfgfile.h). */
#include "cfgfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char *
kind_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

char *
er_cfgfile_read(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a regular file: not read", path, kind_name(st.st_mode));
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu a config file may have: not read", path,
		    (long long)st.st_size, max);
		goto fail;
	}
	/* the size is a hint: the file may change while it is read, the limit holds regardless */
	cap = (size_t)st.st_size + 1;
	buf = xcalloc(1, cap + 1);
	for (;;) {
		ssize_t n;
		if (len == cap) {
			if (cap > max) {
				snprintf(err, errlen, "%s: more than the %zu bytes a config file may have: not read", path,
				    max);
				goto fail;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		if ((n = read(fd, buf + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte: not a JSON or XML config", path);
		free(buf);
		return NULL;
	}
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

char *
er_cfgfile_target(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return xstrdup(path); /* a new file */
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		return xstrdup(path);
	if (!S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a regular file: not replaced", path, kind_name(st.st_mode));
		return NULL;
	}
	/*
	 * A link (an operator's /etc/erready/erready.json -> a file under
	 * version control, say): write the file it names, in that file's
	 * directory, so the rename is atomic there and the link stays.
	 */
	if (!(real = realpath(path, NULL))) {
		snprintf(err, errlen, "%s: a symbolic link to %s: %s: not saved", path,
		    errno == ENOENT ? "a file that does not exist" : "a path that cannot be resolved", strerror(errno));
		return NULL;
	}
	if (stat(real, &st) < 0) {
		snprintf(err, errlen, "%s: a symbolic link to %s: cannot stat: %s", path, real, strerror(errno));
		free(real);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: a symbolic link to %s, %s, not a regular file: not replaced", path, real,
		    kind_name(st.st_mode));
		free(real);
		return NULL;
	}
	return real;
}

int
er_cfgfile_clean_temp(const char *path, char *err, size_t errlen)
{
	char *target, *dcopy = NULL, *bcopy = NULL, *dir, *base;
	size_t blen;
	struct dirent *e;
	DIR *d;
	int n = 0, dfd;

	if (!(target = er_cfgfile_target(path, err, errlen)))
		return -1;
	dcopy = xstrdup(target);
	bcopy = xstrdup(target);
	dir = dirname(dcopy);
	base = basename(bcopy);
	blen = strlen(base);
	if (!(d = opendir(dir))) {
		snprintf(err, errlen, "%s: cannot read the directory: %s", dir, strerror(errno));
		n = -1;
		goto out;
	}
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		const char *s = e->d_name;
		struct stat st;
		if (strncmp(s, base, blen) || strncmp(s + blen, ER_CFGFILE_TMP, strlen(ER_CFGFILE_TMP)) ||
		    strlen(s + blen + strlen(ER_CFGFILE_TMP)) != 6)
			continue;
		/* only files a save made: regular, not a link someone planted */
		if (fstatat(dfd, s, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dfd, s, 0) == 0) {
			log_info("removed %s/%s, left by a save that did not finish", dir, s);
			n++;
		} else
			log_warn("cannot remove %s/%s", dir, s);
	}
	closedir(d);
out:
	free(target);
	free(dcopy);
	free(bcopy);
	return n;
}
