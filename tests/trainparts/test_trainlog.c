/*
 * test_trainlog.c - the JSON-lines training log (src/train/trainlog.c) on
 * a fake clock, line by line, its hook and its errors; and the SIGINT flag
 * (src/train/interrupt.c): the first SIGINT sets the flag and the process
 * goes on, the second kills it (in a child), restore puts back the old
 * action.
 *
 * Usage: tp_trainlog WORKDIR
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "train/interrupt.h"
#include "train/trainlog.h"
#include "tp_check.h"

static double fake_t;		/* the fake clock, seconds */

static double fake_now(void)
{
	return fake_t;
}

/* What the hook saw. */
struct seen {
	int ticks, steps, epochs, ends;
	struct opr_trainlog_stat last;	/* the last stat */
};

static void hook(void *ctx, const struct opr_trainlog_stat *st)
{
	struct seen *s = ctx;

	s->ticks += st->kind == OPR_TRAINLOG_TICK;
	s->steps += st->kind == OPR_TRAINLOG_STEP;
	s->epochs += st->kind == OPR_TRAINLOG_EPOCH;
	s->ends += st->kind == OPR_TRAINLOG_END;
	s->last = *st;
}

/* The lines of the file at path, NUL-separated in a malloc'd buffer. */
static char *read_lines(const char *path, char **line, int max, int *n)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16), *p;
	size_t len;

	*n = 0;
	if (!f)
		return buf;
	len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (p = buf; *p && *n < max; ) {
		line[(*n)++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p++ = '\0';
	}
	return buf;
}

/*
 * Two epochs of 3 steps of 10 images, a step record every 2 steps, 1 s per
 * step: the expected lines, exactly.
 */
static void test_log(const char *dir)
{
	static const char *const want[] = {
		("{\"type\":\"step\",\"epoch\":1,\"step\":2,\"lr\":0.1,\"loss\":1.5,"
		"\"accuracy\":25.0000,\"images\":20,\"images_per_s\":10.0,"
		"\"elapsed\":2.000}"),
		("{\"type\":\"epoch\",\"epoch\":1,\"step\":3,\"lr\":0.09,\"loss\":1.33333,"
		"\"accuracy\":33.3333,\"images\":30,\"images_per_s\":10.0,"
		"\"elapsed\":3.000,\"val_loss\":1.25,\"val_accuracy\":60.5000}"),
		("{\"type\":\"step\",\"epoch\":2,\"step\":4,\"lr\":0.05,\"loss\":0.5,"
		"\"accuracy\":null,\"images\":10,\"images_per_s\":2.0,"
		"\"elapsed\":8.000}"),
		("{\"type\":\"step\",\"epoch\":2,\"step\":6,\"lr\":0.01,\"loss\":0.5,"
		"\"accuracy\":40.0000,\"images\":20,\"images_per_s\":10.0,"
		"\"elapsed\":10.000}"),
		("{\"type\":\"epoch\",\"epoch\":2,\"step\":6,\"lr\":0.01,\"loss\":0.5,"
		"\"accuracy\":null,\"images\":30,\"images_per_s\":4.3,"
		"\"elapsed\":10.000,\"val_loss\":null,\"val_accuracy\":null}"),
		("{\"type\":\"end\",\"epoch\":2,\"step\":6,\"images\":60,"
		"\"images_per_s\":5.5,\"elapsed\":11.000,\"interrupted\":true}"),
	};
	char path[512], *line[8], *buf;
	struct seen s = { 0 };
	struct opr_trainlog_opts o = { .path = path, .every = 2, .epochs = 2,
				       .steps_per_epoch = 3,
				       .images_per_epoch = 30, .hook = hook,
				       .hook_ctx = &s, .now = fake_now };
	struct opr_trainlog *tl;
	int n, i;

	snprintf(path, sizeof(path), "%s/log.jsonl", dir);
	fake_t = 100.0;
	CHECK(opr_trainlog_open(&o, &tl, NULL) == OPR_OK, "open");
	fake_t += 1;
	opr_trainlog_step(tl, 0.1, 2.0, 2, 10, NULL);
	fake_t += 1;
	opr_trainlog_step(tl, 0.1, 1.0, 3, 10, NULL);
	CHECK(s.last.kind == OPR_TRAINLOG_STEP && s.ticks == 2, "hook");
	fake_t += 1;
	opr_trainlog_step(tl, 0.09, 1.0, 5, 10, NULL);
	CHECK(s.last.kind == OPR_TRAINLOG_TICK && s.last.done == 30 &&
	      s.last.total == 60 && s.last.steps == 6 &&
	      fabs(s.last.acc - 100.0 / 3.0) < 1e-9, "tick");
	opr_trainlog_epoch(tl, 1.25, 60.5, NULL);
	fake_t += 5;	/* validation, then a slow step */
	opr_trainlog_step(tl, 0.05, 0.5, -1, 10, NULL);
	fake_t += 1;
	opr_trainlog_step(tl, 0.02, 0.5, 4, 10, NULL);
	fake_t += 1;
	opr_trainlog_step(tl, 0.01, 0.5, 4, 10, NULL);
	opr_trainlog_epoch(tl, NAN, NAN, NULL);
	fake_t += 1;
	CHECK(opr_trainlog_close(tl, 1, NULL) == OPR_OK, "close");
	CHECK(s.ticks == 6 && s.steps == 3 && s.epochs == 2 && s.ends == 1,
	      "hook calls %d %d %d %d", s.ticks, s.steps, s.epochs, s.ends);
	buf = read_lines(path, line, 8, &n);
	CHECK(n == 6, "%d lines", n);
	for (i = 0; i < 6 && i < n; i++)
		CHECK(!strcmp(line[i], want[i]), "line %d:\n  %s\nwant\n  %s", i,
		      line[i], want[i]);
	free(buf);
}

static void test_log_errors(const char *dir)
{
	char path[512];
	struct opr_trainlog_opts o = { .path = path, .epochs = 1,
				       .steps_per_epoch = 1,
				       .images_per_epoch = 1 };
	struct opr_trainlog *tl;
	struct opr_err err;

	snprintf(path, sizeof(path), "%s/no/such/dir/log.jsonl", dir);
	CHECK(opr_trainlog_open(&o, &tl, &err) == OPR_EIO && !tl &&
	      strstr(err.msg, path), "missing folder: %s", err.msg);
	o.epochs = 0;
	CHECK(opr_trainlog_open(&o, &tl, &err) == OPR_EUSAGE, "0 epochs");
	o.epochs = 1;
	o.path = NULL;	/* no file: only the hook */
	CHECK(opr_trainlog_open(&o, &tl, &err) == OPR_OK, "no file");
	CHECK(opr_trainlog_step(tl, 0.1, 1.0, 0, 0, &err) == OPR_EUSAGE, "n 0");
	CHECK(opr_trainlog_step(tl, 0.1, 1.0, 2, 1, &err) == OPR_EUSAGE,
	      "2 right of 1");
	CHECK(opr_trainlog_step(tl, 0.1, 1.0, 1, 1, &err) == OPR_OK, "step");
	CHECK(opr_trainlog_close(tl, 0, &err) == OPR_OK, "close");
	CHECK(opr_trainlog_close(NULL, 0, &err) == OPR_OK, "close NULL");
	/* /dev/full: every write fails. */
	o.path = "/dev/full";
	if (opr_trainlog_open(&o, &tl, &err) == OPR_OK) {
		CHECK(opr_trainlog_step(tl, 0.1, 1.0, 1, 1, &err) == OPR_OK,
		      "step record not due yet");
		CHECK(opr_trainlog_epoch(tl, NAN, NAN, &err) == OPR_EIO,
		      "write to /dev/full");
		CHECK(opr_trainlog_close(tl, 0, &err) == OPR_EIO, "close");
	}
}

static void test_interrupt(void)
{
	struct sigaction before, after;
	int status = 0;
	pid_t pid;

	sigaction(SIGINT, NULL, &before);
	CHECK(opr_interrupt_install(NULL) == OPR_OK, "install");
	CHECK(!opr_interrupted(), "flag set before a signal");
	raise(SIGINT);
	CHECK(opr_interrupted(), "flag not set by SIGINT");
	opr_interrupt_restore();
	sigaction(SIGINT, NULL, &after);
	CHECK(after.sa_handler == before.sa_handler, "old action not restored");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		opr_interrupt_install(NULL);
		raise(SIGINT);
		if (!opr_interrupted())
			_exit(3);
		raise(SIGINT);	/* the default action: the end */
		_exit(4);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
	      "second SIGINT did not kill (status %#x)", status);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tp_trainlog WORKDIR\n");
		return 2;
	}
	test_log(argv[1]);
	test_log_errors(argv[1]);
	test_interrupt();
	return tp_done("tp_trainlog");
}
