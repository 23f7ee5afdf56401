/*
 * trainlog.h - the record of a training run: a JSON-lines log (one object
 * per line, flushed as it is written, so that it can be followed while the
 * run goes on and survives an interrupt) and a hook for a progress display.
 *
 * The loop calls opr_trainlog_step() after every step, opr_trainlog_epoch()
 * at the end of every epoch and opr_trainlog_close() at the end.  Lines:
 *
 *   {"type":"step","epoch":1,"step":50,"lr":0.00998,"loss":0.6931,
 *    "accuracy":75.25,"images":6400,"images_per_s":1234.5,"elapsed":5.18}
 *	every `every` steps (counted from the start of the run); loss,
 *	accuracy and images_per_s over the steps since the last step record
 *	or the start of the epoch, whichever is later;
 *   {"type":"epoch", ... as above ..., "val_loss":0.51,"val_accuracy":83.2}
 *	at the end of each epoch, over the whole epoch; val_* are null
 *	without validation; "test_loss" and "test_accuracy" follow when
 *	opr_trainlog_set_test() gave them for the epoch;
 *   {"type":"end","epoch":3,"step":1407,"images":180000,"images_per_s":...,
 *    "elapsed":...,"interrupted":false}
 *	once, at the close, over the whole run.
 * epoch is 1-based (the epoch the step belongs to), step the number of
 * steps done since the start, lr the rate of the last step, loss the mean
 * per-image loss, accuracy top-1 in percent (null when the loop does not
 * count it), elapsed seconds since the log was opened.  A number that is
 * not finite is written as null.
 *
 * The hook (e.g. the CLI's terminal progress line, src/cli/train_progress.h)
 * gets a struct opr_trainlog_stat after every step (OPR_TRAINLOG_TICK:
 * the epoch so far) and for every record above.
 */
#ifndef OPR_TRAIN_TRAINLOG_H
#define OPR_TRAIN_TRAINLOG_H

#include "onnx_prune.h"

/* What a struct opr_trainlog_stat describes. */
enum opr_trainlog_kind {
	OPR_TRAINLOG_TICK = 0,	/* a step, hook only: the epoch so far */
	OPR_TRAINLOG_STEP,	/* a "step" record */
	OPR_TRAINLOG_EPOCH,	/* an "epoch" record */
	OPR_TRAINLOG_END	/* the "end" record */
};

/* The numbers of a record (and of a tick). */
struct opr_trainlog_stat {
	int kind;		/* enum opr_trainlog_kind */
	int epoch;		/* 1-based epoch */
	int epochs;		/* epochs planned */
	long step;		/* steps done since the start */
	long steps;		/* steps planned in all */
	long done;		/* images done since the start */
	long total;		/* images planned in all */
	double lr;		/* rate of the last step */
	long images;		/* images in the record's window */
	double loss;		/* mean loss over the window; NAN: none */
	double acc;		/* top-1 % over the window; NAN: not counted */
	double images_per_s;	/* over the window */
	double elapsed;		/* seconds since the log was opened */
	double val_loss;	/* epoch: validation loss; else NAN */
	double val_acc;		/* epoch: validation top-1 %; else NAN */
	double test_loss;	/* epoch: test loss when given; else NAN */
	double test_acc;	/* epoch: test top-1 % when given; else NAN */
	int interrupted;	/* end: 1 when the run was interrupted */
};

/* Called with every tick and record; ctx is opr_trainlog_opts.hook_ctx. */
typedef void (*opr_trainlog_hook)(void *ctx,
				  const struct opr_trainlog_stat *st);

/* Options of a log. */
struct opr_trainlog_opts {
	const char *path;	/* JSON-lines file (truncated); "-": stdout;
				   NULL: no file */
	int every;		/* a step record every this many steps; 0:
				   epoch and end records only */
	int epochs;		/* epochs planned, >= 1 */
	long steps_per_epoch;	/* steps per epoch, >= 1 */
	long images_per_epoch;	/* images per epoch, >= 1 */
	opr_trainlog_hook hook;	/* progress display; NULL: none */
	void *hook_ctx;		/* passed to hook */
	double (*now)(void);	/* clock in seconds; NULL: CLOCK_MONOTONIC */
};

struct opr_trainlog;

/*
 * Opens a log (and its file, when o->path is set).  On success *out owns
 * it: end it with opr_trainlog_close().  On failure *out is NULL:
 * OPR_EUSAGE for bad options, OPR_EIO when the file cannot be created
 * (naming it), OPR_ENOMEM.
 */
int opr_trainlog_open(const struct opr_trainlog_opts *o,
		      struct opr_trainlog **out, struct opr_err *err);

/*
 * Records one step of n >= 1 images at rate lr: loss is the batch's mean
 * loss, correct the images classified right (< 0: not counted).  Writes a
 * step record when it is due.  OPR_EIO when the file cannot be written.
 */
int opr_trainlog_step(struct opr_trainlog *tl, double lr, double loss,
		      long correct, long n, struct opr_err *err);

/*
 * Ends the current epoch: writes its record with the validation loss and
 * top-1 % (NAN: none) and moves on to the next epoch.  OPR_EIO as above.
 */
int opr_trainlog_epoch(struct opr_trainlog *tl, double val_loss,
		       double val_acc, struct opr_err *err);

/*
 * Marks the end of the current epoch's steps: the epoch record's
 * images_per_s counts until here, so that validation and test runs
 * between this call and opr_trainlog_epoch() do not slow it down.
 */
void opr_trainlog_epoch_stop(struct opr_trainlog *tl);

/*
 * Test loss and top-1 % (NAN: not measured) for the record of the current
 * epoch, written by the next opr_trainlog_epoch() and then forgotten.
 */
void opr_trainlog_set_test(struct opr_trainlog *tl, double loss, double acc);

/*
 * Writes the end record (interrupted: 1 after Ctrl-C), closes the file and
 * frees tl.  Returns OPR_EIO when any write failed or the file could not be
 * closed (the log is freed anyway).  NULL is a no-op.
 */
int opr_trainlog_close(struct opr_trainlog *tl, int interrupted,
		       struct opr_err *err);

#endif
