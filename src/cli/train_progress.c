/*
 * train_progress.c - the terminal display of training (train_progress.h).
 */
#include <math.h>
#include <string.h>

#include "cli/train_progress.h"

void cli_train_progress_init(struct cli_train_progress *tp, FILE *f)
{
	memset(tp, 0, sizeof(*tp));
	tp->f = f;
}

/* Appends " NAME VALUE" (VALUE as fmt, a % appended for pct) when finite. */
static size_t put(char *buf, size_t len, size_t at, const char *name,
		  double v, int pct)
{
	int n;

	if (!isfinite(v) || at >= len)
		return at;
	n = snprintf(buf + at, len - at, pct ? " %s %.2f%%" : " %s %.4f", name,
		     v);
	return n < 0 ? at : at + (size_t)n;
}

/* The epoch's line: "epoch 2/5: loss ... 1234 img/s 48s". */
static void epoch_line(struct cli_train_progress *tp,
		       const struct opr_trainlog_stat *st)
{
	char line[256];
	size_t at;
	int n;

	n = snprintf(line, sizeof(line), "epoch %d/%d:", st->epoch, st->epochs);
	at = n < 0 ? 0 : (size_t)n;
	at = put(line, sizeof(line), at, "loss", st->loss, 0);
	at = put(line, sizeof(line), at, "acc", st->acc, 1);
	at = put(line, sizeof(line), at, "val_loss", st->val_loss, 0);
	at = put(line, sizeof(line), at, "val_acc", st->val_acc, 1);
	if (at < sizeof(line))
		snprintf(line + at, sizeof(line) - at, " %.0f img/s %.0fs",
			 st->images_per_s, st->elapsed);
	cli_progress_line(&tp->bar, line);
}

void cli_train_progress_hook(void *ctx, const struct opr_trainlog_stat *st)
{
	struct cli_train_progress *tp = ctx;
	size_t at;

	if (!tp->started) {
		cli_progress_start(&tp->bar, tp->f, tp->label, st->total);
		tp->started = 1;
	}
	switch (st->kind) {
	case OPR_TRAINLOG_TICK:
		snprintf(tp->label, sizeof(tp->label), "epoch %d/%d", st->epoch,
			 st->epochs);
		at = put(tp->note, sizeof(tp->note), 0, "loss", st->loss, 0);
		put(tp->note, sizeof(tp->note), at, "acc", st->acc, 1);
		/* The note follows the rate after one space of its own. */
		if (tp->note[0] == ' ')
			memmove(tp->note, tp->note + 1, strlen(tp->note));
		tp->bar.note = tp->note[0] ? tp->note : NULL;
		cli_progress_update(&tp->bar, st->done);
		break;
	case OPR_TRAINLOG_EPOCH:
		epoch_line(tp, st);
		break;
	case OPR_TRAINLOG_END:
		cli_progress_end(&tp->bar, st->done);
		break;
	default:
		break;
	}
}
