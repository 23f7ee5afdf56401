/*
 * test_progress.c - drives the CLI's training display
 * (src/cli/train_progress.c over src/cli/progress.c) through a training
 * log with no file: 2 epochs of 3 steps of 10 images on stderr.
 * progress.sh checks that a terminal gets the bar and the epoch lines, and
 * a file nothing.
 *
 * Usage: tp_progress (no arguments).
 */
#include <math.h>
#include <stdio.h>

#include "cli/train_progress.h"
#include "train/trainlog.h"

int main(void)
{
	struct cli_train_progress tp;
	struct opr_trainlog_opts o = { .epochs = 2, .steps_per_epoch = 3,
				       .images_per_epoch = 30,
				       .hook = cli_train_progress_hook,
				       .hook_ctx = &tp };
	struct opr_trainlog *tl;
	struct opr_err err;
	int e, k;

	cli_train_progress_init(&tp, stderr);
	if (opr_trainlog_open(&o, &tl, &err) != OPR_OK) {
		printf("open: %s\n", err.msg);
		return 1;
	}
	for (e = 0; e < 2; e++) {
		for (k = 0; k < 3; k++)
			opr_trainlog_step(tl, 0.1, 2.0 - e, 5 + e, 10, &err);
		opr_trainlog_epoch(tl, e ? NAN : 1.5, e ? NAN : 62.5, &err);
	}
	opr_trainlog_close(tl, 0, &err);
	printf("done\n");
	return 0;
}
