/*
 * tp_dump.c - runs the optimizer and the schedules on fixed cases and
 * prints everything as JSON on stdout, for torch_ref.py to replay in
 * PyTorch and compare:
 *
 *   tp_dump sgd    cases of {"name", "opts", "tensors": [{"p0", "no_decay",
 *                  "l1"}], "steps": [{"lr", "grads", "masks" (set before
 *                  the step: {"tensor", "mode", "keep"}), "params",
 *                  "bufs"}]}
 *   tp_dump sched  cases of {"name", "torch" (how to build it in PyTorch),
 *                  "steps_per_epoch", "lr": [rate of step 0, 1, ...]}
 *
 * Floats are printed with 9 significant digits, which round-trips float32.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/rng.h"
#include "train/schedule.h"
#include "train/sgd.h"

#define N0 37			/* elements of tensor 0 (odd: loop tails) */
#define N1 5			/* elements of tensor 1 */
#define STEPS 12

/* A float in [-1, 1) from *s; every 7th one exactly 0. */
static float draw(uint64_t *s)
{
	uint64_t r = opr_rng_next(s);

	if (r % 7 == 0)
		return 0.0f;
	return (float)((double)(r >> 11) * 0x1p-52 - 1.0);
}

static void put_floats(const char *key, const float *v, size_t n)
{
	size_t i;

	printf("\"%s\":[", key);
	for (i = 0; i < n; i++)
		printf("%s%.9g", i ? "," : "", (double)v[i]);
	printf("]");
}

/* One SGD case. */
struct sgd_case {
	const char *name;
	struct opr_sgd_opts o;
	double l1;		/* L1 of tensor 1 */
	int no_decay1;		/* tensor 1 without decay */
	int masks;		/* 1: hard mask at 0, replaced at 4, soft at 8 */
	int cosine;		/* 1: lr from a cosine schedule, else 0.05 */
};

static const struct sgd_case sgd_cases[] = {
	{ "plain", { .momentum = 0 }, 0, 0, 0, 0 },
	{ "momentum_wd", { .momentum = 0.9, .weight_decay = 5e-4 }, 0, 0, 0, 0 },
	{ "nesterov_wd_cosine", { .momentum = 0.9, .nesterov = 1,
	  .weight_decay = 5e-4 }, 0, 0, 0, 1 },
	{ "dampening", { .momentum = 0.8, .dampening = 0.3,
	  .weight_decay = 1e-3 }, 0, 0, 0, 0 },
	{ "decoupled", { .momentum = 0.9, .nesterov = 1, .weight_decay = 0.05,
	  .wd_mode = OPR_SGD_WD_DECOUPLED }, 0, 1, 0, 1 },
	{ "l1_nodecay", { .momentum = 0.9, .weight_decay = 1e-2 }, 0.02, 1, 0,
	  0 },
	{ "masks", { .momentum = 0.9, .nesterov = 1, .weight_decay = 5e-4 },
	  1e-3, 0, 1, 0 },
};

/* Sets this step's mask of tensor 0 and prints it. */
static int put_mask(struct opr_sgd *s, int step, uint64_t *rng)
{
	unsigned char keep[N0];
	int mode, i;

	if (step != 0 && step != 4 && step != 8)
		return 0;
	mode = step == 8 ? OPR_SGD_MASK_SOFT : OPR_SGD_MASK_HARD;
	printf("\"masks\":[{\"tensor\":0,\"mode\":\"%s\",\"keep\":[",
	       mode == OPR_SGD_MASK_SOFT ? "soft" : "hard");
	for (i = 0; i < N0; i++) {
		keep[i] = opr_rng_next(rng) % 3 != 0;
		printf("%s%d", i ? "," : "", keep[i]);
	}
	printf("]}],");
	return opr_sgd_set_mask(s, 0, keep, mode, NULL);
}

static int dump_sgd_case(const struct sgd_case *c)
{
	struct opr_sched sc = { .kind = OPR_SCHED_COSINE, .base = 0.1,
				.total = STEPS };
	float p0[N0], p1[N1], g0[N0], g1[N1], z[N0] = { 0 };
	uint64_t rng = opr_rng_key(42, OPR_RNG_USER, 0, 0);
	struct opr_sgd *s;
	const float *b;
	double lr;
	int k, i;

	for (i = 0; i < N0; i++)
		p0[i] = draw(&rng);
	for (i = 0; i < N1; i++)
		p1[i] = 1.0f + draw(&rng);
	if (opr_sgd_new(&c->o, &s, NULL) || opr_sgd_add(s, p0, g0, N0, 0, NULL) ||
	    opr_sgd_add(s, p1, g1, N1, c->no_decay1 ? OPR_SGD_NO_DECAY : 0, NULL) ||
	    opr_sgd_set_l1(s, 1, c->l1, NULL))
		return 1;
	printf("{\"name\":\"%s\",\"opts\":{\"momentum\":%.17g,\"dampening\":%.17g,"
	       "\"nesterov\":%d,\"weight_decay\":%.17g,\"decoupled\":%d},"
	       "\"tensors\":[{", c->name, c->o.momentum, c->o.dampening,
	       c->o.nesterov, c->o.weight_decay, c->o.wd_mode);
	put_floats("p0", p0, N0);
	printf(",\"no_decay\":0,\"l1\":0},{");
	put_floats("p0", p1, N1);
	printf(",\"no_decay\":%d,\"l1\":%.17g}],\"steps\":[", c->no_decay1, c->l1);
	for (k = 0; k < STEPS; k++) {
		lr = c->cosine ? opr_sched_lr(&sc, k) : 0.05;
		for (i = 0; i < N0; i++)
			g0[i] = draw(&rng);
		for (i = 0; i < N1; i++)
			g1[i] = draw(&rng);
		printf("%s{\"lr\":%.17g,", k ? "," : "", lr);
		if (c->masks && put_mask(s, k, &rng))
			return 1;
		printf("\"grads\":[[");
		for (i = 0; i < N0; i++)
			printf("%s%.9g", i ? "," : "", (double)g0[i]);
		printf("],[");
		for (i = 0; i < N1; i++)
			printf("%s%.9g", i ? "," : "", (double)g1[i]);
		printf("]],");
		if (opr_sgd_step(s, lr, NULL))
			return 1;
		printf("\"params\":[[");
		for (i = 0; i < N0; i++)
			printf("%s%.9g", i ? "," : "", (double)p0[i]);
		printf("],[");
		for (i = 0; i < N1; i++)
			printf("%s%.9g", i ? "," : "", (double)p1[i]);
		printf("]],\"bufs\":[[");
		b = opr_sgd_momentum(s, 0);
		for (i = 0; i < N0; i++)
			printf("%s%.9g", i ? "," : "", (double)(b ? b : z)[i]);
		printf("],[");
		b = opr_sgd_momentum(s, 1);
		for (i = 0; i < N1; i++)
			printf("%s%.9g", i ? "," : "", (double)(b ? b : z)[i]);
		printf("]]}");
	}
	printf("]}");
	opr_sgd_free(s);
	return 0;
}

/* One schedule case and the PyTorch scheduler that should match it. */
struct sched_case {
	const char *name;
	const char *torch;	/* see torch_ref.py */
	struct opr_sched s;
	long steps;		/* steps to print */
};

static const struct sched_case sched_cases[] = {
	{ "const", "const", { .kind = OPR_SCHED_CONST, .base = 0.05 }, 20 },
	{ "cosine", "cosine", { .kind = OPR_SCHED_COSINE, .base = 0.1,
	  .total = 100 }, 101 },
	{ "cosine_min", "cosine", { .kind = OPR_SCHED_COSINE, .base = 0.01,
	  .min = 1e-4, .total = 50 }, 51 },
	{ "step", "step", { .kind = OPR_SCHED_STEP, .base = 0.1, .gamma = 0.1,
	  .milestones = { 30, 60, 80 }, .n_milestones = 3 }, 100 },
	{ "step_repeat", "step", { .kind = OPR_SCHED_STEP, .base = 0.1,
	  .gamma = 0.5, .milestones = { 3, 3, 7 }, .n_milestones = 3 }, 12 },
	{ "warmup_cosine", "warmup_cosine", { .kind = OPR_SCHED_COSINE,
	  .base = 0.1, .total = 100, .warmup = 5, .warmup_start = 0.1 }, 101 },
	{ "warmup_default_cosine", "warmup_cosine", { .kind = OPR_SCHED_COSINE,
	  .base = 0.1, .min = 0.001, .total = 60, .warmup = 8 }, 61 },
	{ "warmup_step", "warmup_step", { .kind = OPR_SCHED_STEP, .base = 0.2,
	  .gamma = 0.2, .milestones = { 40, 70 }, .n_milestones = 2,
	  .warmup = 10, .warmup_start = 0.25 }, 100 },
	{ "epoch_cosine", "cosine", { .kind = OPR_SCHED_COSINE, .base = 0.01,
	  .total = 5, .steps_per_epoch = 7 }, 36 },
};

static void put_sched(const struct sched_case *c)
{
	const struct opr_sched *s = &c->s;
	long k;
	int i;

	printf("{\"name\":\"%s\",\"torch\":\"%s\",\"base\":%.17g,\"min\":%.17g,"
	       "\"gamma\":%.17g,\"total\":%ld,\"warmup\":%ld,"
	       "\"warmup_start\":%.17g,\"steps_per_epoch\":%ld,\"milestones\":[",
	       c->name, c->torch, s->base, s->min, s->gamma, s->total, s->warmup,
	       s->warmup_start ? s->warmup_start :
	       s->warmup ? 1.0 / (double)s->warmup : 0.0, s->steps_per_epoch);
	for (i = 0; i < s->n_milestones; i++)
		printf("%s%ld", i ? "," : "", s->milestones[i]);
	printf("],\"lr\":[");
	for (k = 0; k < c->steps; k++)
		printf("%s%.17g", k ? "," : "", opr_sched_lr(s, k));
	printf("]}");
}

int main(int argc, char **argv)
{
	size_t i, n;

	if (argc == 2 && !strcmp(argv[1], "sgd")) {
		n = sizeof(sgd_cases) / sizeof(sgd_cases[0]);
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s", i ? ",\n" : "");
			if (dump_sgd_case(&sgd_cases[i]))
				return 1;
		}
		printf("]\n");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "sched")) {
		n = sizeof(sched_cases) / sizeof(sched_cases[0]);
		printf("[");
		for (i = 0; i < n; i++) {
			if (opr_sched_check(&sched_cases[i].s, NULL))
				return 1;
			printf("%s", i ? ",\n" : "");
			put_sched(&sched_cases[i]);
		}
		printf("]\n");
		return 0;
	}
	fprintf(stderr, "usage: tp_dump sgd|sched\n");
	return 2;
}
