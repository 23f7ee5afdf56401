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
	p->note = NULL;
}

/* Writes " ETA 45s", " ETA 2m05s" or " ETA 1h02m"; returns the length. */
static int put_eta(FILE *f, double s)
{
	long t = (long)(s + 0.5);

	if (t < 60)
		return fprintf(f, " ETA %lds", t);
	if (t < 3600)
		return fprintf(f, " ETA %ldm%02lds", t / 60, t % 60);
	return fprintf(f, " ETA %ldh%02ldm", t / 3600, t / 60 % 60);
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
	if (p->note)
		len += fprintf(p->f, " %s", p->note);
	if (done < p->total && rate > 0.0)
		len += put_eta(p->f, (double)(p->total - done) / rate);
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

void cli_progress_line(struct cli_progress *p, const char *text)
{
	int i;

	if (!p->f)
		return;
	fputc('\r', p->f);
	for (i = 0; i < p->drawn; i++)
		fputc(' ', p->f);
	fprintf(p->f, "\r%s\n", text);
	fflush(p->f);
	p->drawn = 0;
	p->last = -1.0;
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
