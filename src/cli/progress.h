/*
 * progress.h - a one-line progress bar on stderr for long CLI commands
 * (eval, fine-tuning through train_progress.h):
 *
 *	eval [#####.....] 4096/10000 1234 img/s ETA 5s
 *	epoch 2/5 [###.......] 18432/60000 1234 img/s loss 0.41 acc 87.1% ETA 2m05s
 *
 * Drawn only when the stream is a terminal, redrawn at most ten times a
 * second, so that logs and pipes get nothing but the final results.
 */
#ifndef OPR_CLI_PROGRESS_H
#define OPR_CLI_PROGRESS_H

#include <stdio.h>

/* State of one bar. */
struct cli_progress {
	FILE *f;		/* where it is drawn; NULL when off */
	const char *label;	/* first word, e.g. "eval" */
	long total;		/* items to do (> 0) */
	double t0;		/* start, cli_now() seconds */
	double last;		/* when it was last drawn; < 0: never */
	int drawn;		/* characters of the last line drawn */
	const char *note;	/* drawn after the rate when non-NULL; the
				   caller's, may change between updates */
};

/* Seconds on a monotonic clock. */
double cli_now(void);

/*
 * Starts a bar over total items on f, which is turned off (p->f = NULL)
 * unless f is a terminal.  label is kept, not copied.
 */
void cli_progress_start(struct cli_progress *p, FILE *f, const char *label,
			long total);

/* Reports done items; redraws when 0.1 s or more passed since the last. */
void cli_progress_update(struct cli_progress *p, long done);

/*
 * Prints text and a newline on a line of its own above the bar (the bar's
 * line is cleared first and drawn again at the next update).  Nothing when
 * the bar is off.
 */
void cli_progress_line(struct cli_progress *p, const char *text);

/*
 * Draws the final state (done items) and ends the line, so that what is
 * printed next starts on a line of its own.  The bar is off afterwards.
 */
void cli_progress_end(struct cli_progress *p, long done);

#endif
