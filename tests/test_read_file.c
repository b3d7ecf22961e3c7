/* The one capped file reader (core/util/read_file.c), which the loader and the saved-plan
 * reader share, and the fake's state file written through core's atomic write. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pdhooks/alloc.h"
#include "pdhooks/desired.h"
#include "pdhooks/planfile.h"
#include "pdhooks/read_file.h"
#include "testutil.h"

Test(read_file, reads_a_file_whole_and_nul_terminated)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/f", dir), *data;
	size_t len;
	bool too_big = true;
	pdh_error err;

	pdh_t_write_file(path, "hello\n");
	cr_assert_eq(pdh_read_file_capped(path, 6, &data, &len, &too_big, &err), PDH_OK);
	cr_expect_eq(len, 6);
	cr_expect_str_eq(data, "hello\n");
	cr_expect_not(too_big);
	free(data);
	free(path);
	free(dir);
}

Test(read_file, a_regular_file_past_the_cap_is_refused_unread)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/f", dir), *data = (char *)"x";
	size_t len = 1;
	bool too_big = false;
	pdh_error err;

	pdh_t_write_file(path, "1234567");
	cr_assert_eq(pdh_read_file_capped(path, 6, &data, &len, &too_big, &err), PDH_EIO);
	cr_expect(too_big);
	cr_expect_null(data);
	cr_expect_eq(len, 0);
	cr_expect_not_null(strstr(err.message, "is larger than 6 bytes"), "%s", err.message);
	free(path);
	free(dir);
}

static void *S_writer(void *arg)
{
	int fd = *(int *)arg;
	char block[4096];

	memset(block, 'a', sizeof(block));
	for (int i = 0; i < 64; i++)
		if (write(fd, block, sizeof(block)) < 0)
			break;
	close(fd);
	return NULL;
}

Test(read_file, a_pipe_past_the_cap_is_refused)
{
	int fds[2];
	pthread_t t;
	char *path, *data;
	size_t len;
	bool too_big = false;
	pdh_error err;

	signal(SIGPIPE, SIG_IGN);   /* the writer sees EPIPE once the reader stops */
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(pthread_create(&t, NULL, S_writer, &fds[1]), 0);
	path = pdh_xasprintf("/dev/fd/%d", fds[0]);
	cr_expect_eq(pdh_read_file_capped(path, 10000, &data, &len, &too_big, &err), PDH_EIO);
	cr_expect(too_big);
	cr_expect_null(data);
	close(fds[0]);
	pthread_join(t, NULL);
	free(path);
}

Test(read_file, a_directory_or_a_missing_file_cannot_be_read)
{
	char *dir = pdh_t_tmpdir(), *missing = pdh_xasprintf("%s/none", dir), *data;
	size_t len;
	bool too_big = true;
	pdh_error err;

	cr_expect_eq(pdh_read_file_capped(dir, 100, &data, &len, &too_big, &err), PDH_EIO);
	cr_expect_not(too_big);
	cr_expect_not_null(strstr(err.message, "it is a directory"), "%s", err.message);
	cr_expect_eq(pdh_read_file_capped(missing, 100, &data, &len, NULL, &err), PDH_EIO);
	cr_expect_not_null(strstr(err.message, "No such file"), "%s", err.message);
	free(missing);
	free(dir);
}

/* The saved-plan reader goes through the same reader: its own cap, the same messages. */
Test(read_file, saved_plan_reader_refuses_a_directory_and_a_file_over_its_cap)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/plan.json", dir), *want;
	pdh_planfile *pf = (pdh_planfile *)1;
	pdh_error err;
	int fd;

	cr_expect_eq(pdh_planfile_load(&pf, dir, &err), PDH_EIO);
	cr_expect_null(pf);
	cr_expect_not_null(strstr(err.message, "it is a directory"), "%s", err.message);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)PDH_PLANFILE_MAX_BYTES + 1), 0);
	close(fd);
	cr_expect_eq(pdh_planfile_load(&pf, path, &err), PDH_EIO);
	want = pdh_xasprintf("is larger than %u bytes", PDH_PLANFILE_MAX_BYTES);
	cr_expect_not_null(strstr(err.message, want), "%s", err.message);
	unlink(path);
	free(want);
	free(path);
	free(dir);
}

/* The loader turns "too big" into its diagnostic, and a directory into an error. */
Test(read_file, loader_reports_too_big_as_a_diagnostic)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/pdhooks.yaml", dir), *data;
	size_t len;
	pdh_diags diags;
	pdh_error err;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)PDH_DESIRED_MAX_BYTES + 1), 0);
	close(fd);
	pdh_diags_init(&diags, path);
	cr_expect_eq(pdh_desired_read_file(&data, &len, path, &diags, &err), PDH_EFILE);
	cr_assert_eq(diags.len, 1);
	cr_expect_not_null(strstr(diags.items[0].message, "larger than 10 MiB"));
	cr_expect_not_null(strstr(err.message, "does not load"), "%s", err.message);
	pdh_diags_dispose(&diags);
	unlink(path);
	free(path);
	free(dir);
}

/* pdhooks-fake --state: each change is written through core's atomic write, so the directory
 * holds the state file and nothing else (no temporary file left behind). */
Test(read_file, fake_state_is_written_atomically_without_leftovers)
{
	char *dir = pdh_t_tmpdir(), *path = pdh_xasprintf("%s/state.json", dir), *text;
	char *args[] = { "--state", path, NULL };
	pdh_t_fake *f = pdh_t_fake_start(args);
	char *auth = pdh_xasprintf("x-api-token: %s", pdh_t_fake_token(f));
	pdh_t_http r;
	struct dirent *e;
	DIR *d;
	int entries = 0;

	pdh_t_fake_api(&r, f, auth, "POST", "/webhooks",
	               "{\"name\":\"x\",\"event_action\":\"create\",\"event_object\":\"deal\","
	               "\"subscription_url\":\"https://a.example/x\"}");
	cr_expect_eq(r.status, 201, "%s", r.body);
	pdh_t_http_dispose(&r);
	text = pdh_t_read_file(path, NULL);
	cr_assert_not_null(text);
	cr_expect_not_null(strstr(text, "https://a.example/x"), "%s", text);
	free(text);
	d = opendir(dir);
	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			entries++;
			cr_expect_str_eq(e->d_name, "state.json");
		}
	closedir(d);
	cr_expect_eq(entries, 1);
	pdh_t_fake_stop(f);
	free(auth);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}
