/*
 * progress.c - the terminal progress bar of progress.h.
 */
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define BAR_WIDTH 30		/* characters between the brackets */
#define REDRAW_S 0.1		/* least time between two draws */

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_start(struct cli_progress *p, FILE *f, const char *label,
			long total)
{
	p->f = f && isatty(fileno(f)) && total > 0 ? f : NULL;
	p->label = label;
	p->total = total;
	p->t0 = cli_now();
	p->last = -1.0;
	p->drawn = 0;
}

/* Draws the line for done items at time now. */
static void draw(struct cli_progress *p, long done, double now)
{
	char bar[BAR_WIDTH + 1];
	double dt = now - p->t0, rate = dt > 0.0 ? (double)done / dt : 0.0;
	long fill = (long)((double)done / (double)p->total * BAR_WIDTH);
	int i, len;

	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	len = fprintf(p->f, "\r%s [%s] %ld/%ld %.0f img/s", p->label, bar, done,
		      p->total, rate);
	if (done < p->total && rate > 0.0)
		len += fprintf(p->f, " ETA %.0fs",
			       (double)(p->total - done) / rate);
	/* Blank out what is left of a longer previous line. */
	for (i = len; i < p->drawn; i++)
		fputc(' ', p->f);
	p->drawn = len;
	fflush(p->f);
	p->last = now;
}

void cli_progress_update(struct cli_progress *p, long done)
{
	double now;

	if (!p->f)
		return;
	now = cli_now();
	if (p->last < 0.0 || now - p->last >= REDRAW_S)
		draw(p, done, now);
}

void cli_progress_end(struct cli_progress *p, long done)
{
	if (!p->f)
		return;
	draw(p, done, cli_now());
	fputc('\n', p->f);
	fflush(p->f);
	p->f = NULL;
}
