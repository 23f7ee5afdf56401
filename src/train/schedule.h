/*
 * schedule.h - learning-rate schedules: constant, step (milestones and
 * gamma) and cosine (to 0 or to a floor), each with an optional linear
 * warm-up, as a pure function of the step number.
 *
 * Units.  A schedule counts in units: iterations (steps_per_epoch = 0, the
 * default; the learning rate changes every step) or epochs (steps_per_epoch
 * = S > 0: step k is in unit k / S, so the rate is constant within an epoch,
 * as when PyTorch's scheduler.step() is called once per epoch).  total,
 * warmup and the milestones are all in units.
 *
 * For unit t, with base the base rate, W the warm-up length and s its start
 * factor:
 *
 *	t < W:	lr = base * (s + (1 - s) * t / W)
 *	else	constant: lr = base
 *		step:	  lr = base * gamma^k, k = the milestones <= t
 *		cosine:	  lr = min + (base - min) * (1 + cos(pi * u / T)) / 2,
 *			  u = t - W, T = total - W; lr = min for u >= T
 *
 * The same numbers as PyTorch's schedulers, stepped once per unit:
 *   constant          no scheduler (or ConstantLR(factor=1));
 *   step, W = 0       MultiStepLR(milestones, gamma);
 *   cosine, W = 0     CosineAnnealingLR(T_max=total, eta_min=min), for
 *                     t <= total (PyTorch's rate climbs again after T_max;
 *                     ours stays at min);
 *   with warm-up      SequentialLR([LinearLR(start_factor=s, end_factor=1,
 *                     total_iters=W), MAIN], milestones=[W]), MAIN being
 *                     the schedule above with its milestones shifted by -W
 *                     and T_max = total - W (milestones here count from the
 *                     start of training, warm-up included).
 * PyTorch computes these recursively from the previous rate; we use the
 * closed forms, which differ from it by rounding only (tests/trainparts
 * compares to 1e-12 relative).
 */
#ifndef OPR_TRAIN_SCHEDULE_H
#define OPR_TRAIN_SCHEDULE_H

#include "onnx_prune.h"

#define OPR_SCHED_MAX_MILESTONES 16

/* Schedule kinds. */
enum opr_sched_kind {
	OPR_SCHED_CONST = 0,	/* base rate throughout */
	OPR_SCHED_STEP,		/* times gamma at each milestone */
	OPR_SCHED_COSINE	/* half a cosine from base to min */
};

/* A schedule; set the fields, check it with opr_sched_check(). */
struct opr_sched {
	int kind;		/* enum opr_sched_kind */
	double base;		/* base learning rate, > 0 */
	double min;		/* cosine: final rate (eta_min), in [0, base] */
	double gamma;		/* step: factor at each milestone, > 0 */
	long milestones[OPR_SCHED_MAX_MILESTONES]; /* step: units, ascending */
	int n_milestones;	/* step: milestones in use */
	long total;		/* cosine: length in units, warm-up included */
	long warmup;		/* units of linear warm-up, >= 0 (0: none) */
	double warmup_start;	/* warm-up start factor s in (0, 1]; 0 means
				   1 / warmup */
	long steps_per_epoch;	/* > 0: units are epochs of this many steps;
				   0: units are steps */
};

/*
 * Checks s: a known kind, base > 0 and finite, 0 <= min <= base, gamma > 0,
 * milestones non-decreasing and >= 0 (repeats multiply twice, as in
 * PyTorch), cosine total > warmup, warmup >= 0, warmup_start in [0, 1],
 * steps_per_epoch >= 0.  OPR_OK or OPR_EUSAGE naming the field.
 */
int opr_sched_check(const struct opr_sched *s, struct opr_err *err);

/* Learning rate of step (0-based) under the checked schedule s. */
double opr_sched_lr(const struct opr_sched *s, long step);

/*
 * Parses a schedule spec for the command line into s (base, warm-up and
 * units are left as they are; set them before or after):
 *   "const"                 constant;
 *   "cosine" | "cosine:MIN" cosine to 0 or to MIN over s->total units;
 *   "step:M1,M2,...[@G]"    step at those units, times G (default 0.1).
 * OPR_EUSAGE with the spec in the message when it does not parse.
 */
int opr_sched_parse(struct opr_sched *s, const char *spec,
		    struct opr_err *err);

#endif
