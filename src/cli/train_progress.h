/*
 * train_progress.h - the terminal progress line of training: a
 * trainlog.h hook that drives the progress bar of progress.h over all the
 * images of the run,
 *
 *	epoch 2/5 [######........................] 78000/300000 1234 img/s
 *	    loss 0.4123 acc 87.10% ETA 3m00s
 *
 * (one line), with a line of its own at the end of every epoch:
 *
 *	epoch 2/5: loss 0.4123 acc 87.10% val_loss 0.3871 val_acc 88.40%
 *	    1234 img/s 48s
 *
 * (one line too).  Nothing is drawn unless the stream is a terminal; the
 * JSON log (trainlog.h) is the record for files and pipes.
 */
#ifndef OPR_CLI_TRAIN_PROGRESS_H
#define OPR_CLI_TRAIN_PROGRESS_H

#include <stdio.h>

#include "cli/progress.h"
#include "train/trainlog.h"

/* State of the display; hook context of cli_train_progress_hook(). */
struct cli_train_progress {
	FILE *f;		/* the stream (usually stderr) */
	int started;		/* 1 once the bar was started */
	struct cli_progress bar; /* the bar, over all images of the run */
	char label[32];		/* "epoch 2/5", the bar's label */
	char note[64];		/* "loss 0.4123 acc 87.10%", the bar's note */
};

/* Prepares tp to draw on f (the bar itself starts with the first step). */
void cli_train_progress_init(struct cli_train_progress *tp, FILE *f);

/*
 * The trainlog hook (opr_trainlog_opts.hook, with tp as hook_ctx): ticks
 * update the bar, epoch records print their line, the end record draws the
 * final bar and ends the line.
 */
void cli_train_progress_hook(void *tp, const struct opr_trainlog_stat *st);

#endif
