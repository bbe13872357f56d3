/*
 * Config files on disk: a FIFO, a device, a directory or an oversized file
 * at the config path is refused at once with a message naming it; a save
 * through a symbolic link replaces the link's target and keeps the link;
 * temporary files of an interrupted save are removed, and only those.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgfile.h"
#include "fixture.h"
#include "log.h"
#include "util.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/erready-cfgfile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *
at(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_read_regular(void **state)
{
	char err[512], *s;

	(void)state;
	put(at("a.json"), "{}\n");
	assert_non_null(s = er_cfgfile_read(at("a.json"), 100, err, sizeof(err)));
	assert_string_equal(s, "{}\n");
	free(s);
	/* exactly the limit is read, one byte more is not */
	put(at("b.json"), "0123456789");
	assert_non_null(s = er_cfgfile_read(at("b.json"), 10, err, sizeof(err)));
	assert_string_equal(s, "0123456789");
	free(s);
	assert_null(er_cfgfile_read(at("b.json"), 9, err, sizeof(err)));
	char want[512];
	snprintf(want, sizeof(want), "%s: 10 bytes, more than the 9 a config file may have: not read", at("b.json"));
	assert_string_equal(err, want);
	put(at("c.json"), "");
	assert_non_null(s = er_cfgfile_read(at("c.json"), 10, err, sizeof(err)));
	assert_string_equal(s, "");
	free(s);
}

/* None of these may block or be read: each answer comes at once. */
static void
test_read_refused(void **state)
{
	char err[512], want[512];
	struct er_ds *ds;
	struct timespec t0, t1;
	int fd;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mkfifo(at("fifo.json"), 0600), 0);
	assert_null(er_cfgfile_read(at("fifo.json"), ER_CFGFILE_MAX, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a FIFO, not a regular file: not read", at("fifo.json"));
	assert_string_equal(err, want);

	assert_int_equal(symlink("/dev/zero", at("zero.json")), 0);
	assert_null(er_cfgfile_read(at("zero.json"), ER_CFGFILE_MAX, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a character device, not a regular file: not read", at("zero.json"));
	assert_string_equal(err, want);

	assert_int_equal(mkdir(at("dir.json"), 0700), 0);
	assert_null(er_cfgfile_read(at("dir.json"), ER_CFGFILE_MAX, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a directory, not a regular file: not read", at("dir.json"));
	assert_string_equal(err, want);

	/* 64 MiB + 1 (sparse): refused from its size, before reading a byte */
	assert_true((fd = open(at("huge.json"), O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, (off_t)ER_CFGFILE_MAX + 1), 0);
	close(fd);
	assert_non_null(ds = er_ds_new(err, sizeof(err)));
	assert_int_equal(er_ds_load_file(ds, at("huge.json"), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: 67108865 bytes, more than the 67108864 a config file may have: not read",
	    at("huge.json"));
	assert_string_equal(err, want);
	/* the datastore's loader goes the same way */
	assert_int_equal(er_ds_load_file(ds, at("fifo.json"), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: a FIFO, not a regular file: not read", at("fifo.json"));
	assert_string_equal(err, want);
	er_ds_free(ds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
}

static void
test_target(void **state)
{
	char err[512], want[512], *t, real[256];

	(void)state;
	assert_non_null(t = er_cfgfile_target(at("new.json"), err, sizeof(err)));
	assert_string_equal(t, at("new.json"));
	free(t);
	put(at("plain.json"), "{}");
	assert_non_null(t = er_cfgfile_target(at("plain.json"), err, sizeof(err)));
	assert_string_equal(t, at("plain.json"));
	free(t);
	/* a link, and a link to a link: the file at the end */
	assert_non_null(realpath(dir, real));
	strcat(real, "/plain.json");
	assert_int_equal(symlink("plain.json", at("link.json")), 0);
	assert_int_equal(symlink(at("link.json"), at("link2.json")), 0);
	assert_non_null(t = er_cfgfile_target(at("link2.json"), err, sizeof(err)));
	assert_string_equal(t, real);
	free(t);
	assert_int_equal(symlink("missing.json", at("dangling.json")), 0);
	assert_null(er_cfgfile_target(at("dangling.json"), err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s: a symbolic link to a file that does not exist: No such file or directory: not saved",
	    at("dangling.json"));
	assert_string_equal(err, want);
	assert_int_equal(symlink("/dev/null", at("null.json")), 0);
	assert_null(er_cfgfile_target(at("null.json"), err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a symbolic link to /dev/null, a character device, not a regular file: not replaced",
	    at("null.json"));
	assert_string_equal(err, want);
	assert_int_equal(mkfifo(at("fifo.json"), 0600), 0);
	assert_null(er_cfgfile_target(at("fifo.json"), err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a FIFO, not a regular file: not replaced", at("fifo.json"));
	assert_string_equal(err, want);
}

/* A save through a link writes the target (0600) and leaves the link as it was. */
static void
test_save_through_link(void **state)
{
	char err[ER_ERRLEN], lnk[256], *cfg = fx_read_data(FX_CONFIG), *s;
	struct er_ds *ds;
	struct er_ds_txn *txn;
	struct stat st;
	ssize_t n;

	(void)state;
	assert_int_equal(mkdir(at("real"), 0700), 0);
	put(at("real/erready.json"), cfg);
	assert_int_equal(chmod(at("real/erready.json"), 0644), 0);
	assert_int_equal(symlink("real/erready.json", at("erready.json")), 0);
	assert_non_null(ds = er_ds_new(err, sizeof(err)));
	assert_int_equal(er_ds_load_file(ds, at("erready.json"), err, sizeof(err)), 0);
	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_set(txn, "/expressroute-readiness:expressroute/agent/poll-interval", "300", err,
	    sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), 0);
	assert_int_equal(er_ds_save(ds, at("erready.json"), err, sizeof(err)), 0);
	assert_int_equal(lstat(at("erready.json"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(at("erready.json"), lnk, sizeof(lnk) - 1);
	assert_true(n > 0);
	lnk[n] = '\0';
	assert_string_equal(lnk, "real/erready.json");
	assert_int_equal(stat(at("real/erready.json"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	s = fx_read_data(at("real/erready.json"));
	assert_non_null(strstr(s, "\"poll-interval\": 300"));
	free(s);
	/* a link to something that is no file: refused, nothing written */
	assert_int_equal(symlink("/dev/null", at("null.json")), 0);
	assert_int_equal(er_ds_save(ds, at("null.json"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "null.json: a symbolic link to /dev/null, a character device"));
	er_ds_free(ds);
	free(cfg);
}

static void
test_clean_temp(void **state)
{
	char err[512];
	struct stat st;

	(void)state;
	put(at("erready.json"), "{}");
	put(at("erready.json.tmp.Ab12Cd"), "{\"secret\": 1}");   /* left by a killed save */
	put(at("erready.json.tmp.zz"), "keep: not mkstemp's name");
	put(at("other.json.tmp.Ab12Cd"), "keep: another file's");
	put(at("outside"), "keep: a link's target");
	assert_int_equal(symlink("outside", at("erready.json.tmp.Zz9999")), 0);
	assert_int_equal(er_cfgfile_clean_temp(at("erready.json"), err, sizeof(err)), 1);
	assert_int_equal(stat(at("erready.json.tmp.Ab12Cd"), &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(at("erready.json.tmp.zz"), &st), 0);
	assert_int_equal(stat(at("other.json.tmp.Ab12Cd"), &st), 0);
	assert_int_equal(lstat(at("erready.json.tmp.Zz9999"), &st), 0);
	assert_int_equal(stat(at("outside"), &st), 0);
	/* through a link: the temporary files sit next to the target */
	assert_int_equal(mkdir(at("sub"), 0700), 0);
	put(at("sub/real.json"), "{}");
	put(at("sub/real.json.tmp.q1w2e3"), "{}");
	assert_int_equal(symlink("sub/real.json", at("link.json")), 0);
	assert_int_equal(er_cfgfile_clean_temp(at("link.json"), err, sizeof(err)), 1);
	assert_int_equal(stat(at("sub/real.json.tmp.q1w2e3"), &st), -1);
	/* no config file yet: nothing to do */
	assert_int_equal(er_cfgfile_clean_temp(at("none.json"), err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_through_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_temp, setup, teardown),
	};

	log_init("test", 1, ER_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
