/*
 * trainlog.c - the JSON-lines training log and its progress hook
 * (trainlog.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train/trainlog.h"

/* Sums over a window of steps (since a record, or an epoch). */
struct window {
	double t0;		/* when it began */
	double loss;		/* sum of loss * images */
	long n;			/* images */
	long correct;		/* images classified right */
	int uncounted;		/* 1 when a step did not count accuracy */
};

/* A log. */
struct opr_trainlog {
	struct opr_trainlog_opts o;	/* options; path points to ours */
	FILE *f;		/* the file; NULL: none */
	char *path;		/* its name, for messages */
	int failed;		/* 1 once a write failed */
	double t0;		/* when the log was opened */
	int epoch;		/* current epoch, 1-based */
	int last_epoch;		/* epoch of the last step (0: none yet) */
	long step;		/* steps done */
	long done;		/* images done */
	double lr;		/* rate of the last step */
	struct window rec;	/* since the last step record */
	struct window ep;	/* since the start of the epoch */
	double test_loss, test_acc;	/* for the next epoch record */
	double stop;		/* when the epoch's steps ended; NAN: not yet */
};

/* CLOCK_MONOTONIC in seconds. */
static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Starts an empty window at time t. */
static void win_reset(struct window *w, double t)
{
	memset(w, 0, sizeof(*w));
	w->t0 = t;
}

/* Adds a step to w. */
static void win_add(struct window *w, double loss, long correct, long n)
{
	w->loss += loss * (double)n;
	w->n += n;
	if (correct < 0)
		w->uncounted = 1;
	else
		w->correct += correct;
}

int opr_trainlog_open(const struct opr_trainlog_opts *o,
		      struct opr_trainlog **out, struct opr_err *err)
{
	struct opr_trainlog *tl;

	*out = NULL;
	if (o->every < 0 || o->epochs < 1 || o->steps_per_epoch < 1 ||
	    o->images_per_epoch < 1)
		return opr_errf(err, OPR_EUSAGE,
				"training log: bad options (every %d, %d epochs, "
				"%ld steps, %ld images)", o->every, o->epochs,
				o->steps_per_epoch, o->images_per_epoch);
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return opr_errf(err, OPR_ENOMEM, "training log: out of memory");
	tl->o = *o;
	if (!tl->o.now)
		tl->o.now = mono_now;
	if (o->path) {
		tl->path = strdup(o->path);
		if (!tl->path) {
			free(tl);
			return opr_errf(err, OPR_ENOMEM, "training log: out of memory");
		}
		tl->o.path = tl->path;
		tl->f = strcmp(o->path, "-") ? fopen(o->path, "w") : stdout;
		if (!tl->f) {
			opr_errf(err, OPR_EIO, "%s: cannot create the training log",
				 o->path);
			free(tl->path);
			free(tl);
			return OPR_EIO;
		}
	}
	tl->t0 = tl->o.now();
	tl->epoch = 1;
	tl->test_loss = tl->test_acc = NAN;
	tl->stop = NAN;
	win_reset(&tl->rec, tl->t0);
	win_reset(&tl->ep, tl->t0);
	*out = tl;
	return OPR_OK;
}

/* Fills st with what tl knows, and the window w (NULL: none) at time now. */
static void stat_of(const struct opr_trainlog *tl, const struct window *w,
		    int kind, double now, struct opr_trainlog_stat *st)
{
	double dt;

	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->epoch = kind == OPR_TRAINLOG_END && tl->last_epoch ?
		    tl->last_epoch : tl->epoch;
	st->epochs = tl->o.epochs;
	st->step = tl->step;
	st->steps = (long)tl->o.epochs * tl->o.steps_per_epoch;
	st->done = tl->done;
	st->total = (long)tl->o.epochs * tl->o.images_per_epoch;
	st->lr = tl->lr;
	st->loss = st->acc = st->val_loss = st->val_acc = NAN;
	st->test_loss = st->test_acc = NAN;
	st->elapsed = now - tl->t0;
	if (!w)
		return;
	st->images = w->n;
	dt = now - w->t0;
	st->images_per_s = dt > 0.0 ? (double)w->n / dt : 0.0;
	if (w->n > 0) {
		st->loss = w->loss / (double)w->n;
		if (!w->uncounted)
			st->acc = 100.0 * (double)w->correct / (double)w->n;
	}
}

/* Writes ,"key":v with v in format fmt, or null when v is not finite. */
static void put_num(FILE *f, const char *key, const char *fmt, double v)
{
	fprintf(f, ",\"%s\":", key);
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs("null", f);
}

/* Writes the record st as one line, flushed. */
static void put_record(struct opr_trainlog *tl,
		       const struct opr_trainlog_stat *st)
{
	static const char *const type[] = { "tick", "step", "epoch", "end" };
	FILE *f = tl->f;

	if (!f)
		return;
	fprintf(f, "{\"type\":\"%s\",\"epoch\":%d,\"step\":%ld", type[st->kind],
		st->epoch, st->step);
	if (st->kind != OPR_TRAINLOG_END) {
		put_num(f, "lr", "%.9g", st->lr);
		put_num(f, "loss", "%.6g", st->loss);
		put_num(f, "accuracy", "%.4f", st->acc);
	}
	fprintf(f, ",\"images\":%ld", st->images);
	put_num(f, "images_per_s", "%.1f", st->images_per_s);
	put_num(f, "elapsed", "%.3f", st->elapsed);
	if (st->kind == OPR_TRAINLOG_EPOCH) {
		put_num(f, "val_loss", "%.6g", st->val_loss);
		put_num(f, "val_accuracy", "%.4f", st->val_acc);
		if (isfinite(st->test_loss) || isfinite(st->test_acc)) {
			put_num(f, "test_loss", "%.6g", st->test_loss);
			put_num(f, "test_accuracy", "%.4f", st->test_acc);
		}
	}
	if (st->kind == OPR_TRAINLOG_END)
		fprintf(f, ",\"interrupted\":%s", st->interrupted ? "true" : "false");
	fputs("}\n", f);
	if (fflush(f) || ferror(f))
		tl->failed = 1;
}

/* Writes st, passes it to the hook, and says whether writing failed. */
static int emit(struct opr_trainlog *tl, const struct opr_trainlog_stat *st,
		struct opr_err *err)
{
	if (st->kind != OPR_TRAINLOG_TICK)
		put_record(tl, st);
	if (tl->o.hook)
		tl->o.hook(tl->o.hook_ctx, st);
	if (tl->failed)
		return opr_errf(err, OPR_EIO, "%s: cannot write the training log",
				tl->path);
	return OPR_OK;
}

int opr_trainlog_step(struct opr_trainlog *tl, double lr, double loss,
		      long correct, long n, struct opr_err *err)
{
	struct opr_trainlog_stat st;
	double now;
	int rc;

	if (n < 1 || correct > n)
		return opr_errf(err, OPR_EUSAGE,
				"training log: step of %ld images, %ld right", n,
				correct);
	now = tl->o.now();
	tl->step++;
	tl->done += n;
	tl->lr = lr;
	tl->last_epoch = tl->epoch;
	win_add(&tl->rec, loss, correct, n);
	win_add(&tl->ep, loss, correct, n);
	stat_of(tl, &tl->ep, OPR_TRAINLOG_TICK, now, &st);
	rc = emit(tl, &st, err);
	if (rc != OPR_OK || !tl->o.every || tl->step % tl->o.every)
		return rc;
	stat_of(tl, &tl->rec, OPR_TRAINLOG_STEP, now, &st);
	win_reset(&tl->rec, now);
	return emit(tl, &st, err);
}

int opr_trainlog_epoch(struct opr_trainlog *tl, double val_loss,
		       double val_acc, struct opr_err *err)
{
	struct opr_trainlog_stat st;
	double now = tl->o.now();

	stat_of(tl, &tl->ep, OPR_TRAINLOG_EPOCH, isnan(tl->stop) ? now :
		tl->stop, &st);
	st.elapsed = now - tl->t0;
	tl->stop = NAN;
	st.val_loss = val_loss;
	st.val_acc = val_acc;
	st.test_loss = tl->test_loss;
	st.test_acc = tl->test_acc;
	tl->test_loss = tl->test_acc = NAN;
	win_reset(&tl->ep, now);
	win_reset(&tl->rec, now);
	tl->epoch++;
	return emit(tl, &st, err);
}

void opr_trainlog_epoch_stop(struct opr_trainlog *tl)
{
	if (tl)
		tl->stop = tl->o.now();
}

void opr_trainlog_set_test(struct opr_trainlog *tl, double loss, double acc)
{
	if (!tl)
		return;
	tl->test_loss = loss;
	tl->test_acc = acc;
}

int opr_trainlog_close(struct opr_trainlog *tl, int interrupted,
		       struct opr_err *err)
{
	struct opr_trainlog_stat st;
	struct window run;
	int rc;

	if (!tl)
		return OPR_OK;
	win_reset(&run, tl->t0);
	run.n = tl->done;
	stat_of(tl, &run, OPR_TRAINLOG_END, tl->o.now(), &st);
	st.loss = st.acc = NAN;
	st.interrupted = !!interrupted;
	rc = emit(tl, &st, err);
	if (tl->f && tl->f != stdout && fclose(tl->f) && rc == OPR_OK)
		rc = opr_errf(err, OPR_EIO, "%s: cannot write the training log",
			      tl->path);
	free(tl->path);
	free(tl);
	return rc;
}
