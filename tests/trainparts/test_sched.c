/*
 * test_sched.c - the learning-rate schedules (src/train/schedule.c)
 * against values worked out by hand, the spec parser and the checks.
 * torch_ref.py compares whole schedules with PyTorch's.
 *
 * Usage: tp_sched (no arguments).
 */
#include <string.h>

#include "train/schedule.h"
#include "tp_check.h"

#define TOL 1e-12

/* Cosine 0.1 over 4 steps: 0.05 (1 + cos(pi t / 4)), then 0. */
static void test_cosine(void)
{
	struct opr_sched s = { .kind = OPR_SCHED_COSINE, .base = 0.1,
			       .total = 4 };
	static const double want[] = { 0.1, 0.085355339059327376,
				       0.05, 0.014644660940672624, 0.0, 0.0 };
	int t;

	CHECK(opr_sched_check(&s, NULL) == OPR_OK, "check");
	for (t = 0; t < 6; t++)
		CHECK_NEAR(opr_sched_lr(&s, t), want[t], TOL);
	/* Per epoch of 10 steps: step 15 is in epoch 1. */
	s.steps_per_epoch = 10;
	CHECK_NEAR(opr_sched_lr(&s, 9), 0.1, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 15), want[1], TOL);
	CHECK_NEAR(opr_sched_lr(&s, 39), want[3], TOL);
	/* To a floor: min + (base - min) (1 + cos) / 2. */
	s.steps_per_epoch = 0;
	s.min = 0.01;
	CHECK_NEAR(opr_sched_lr(&s, 2), 0.055, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 4), 0.01, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 100), 0.01, TOL);
}

/* Step at 2 and 4, times 0.1; a repeated milestone counts twice. */
static void test_step(void)
{
	struct opr_sched s = { .kind = OPR_SCHED_STEP, .base = 1.0,
			       .gamma = 0.1, .milestones = { 2, 4 },
			       .n_milestones = 2 };
	static const double want[] = { 1, 1, 0.1, 0.1, 0.01, 0.01 };
	int t;

	CHECK(opr_sched_check(&s, NULL) == OPR_OK, "check");
	for (t = 0; t < 6; t++)
		CHECK_NEAR(opr_sched_lr(&s, t), want[t], TOL);
	s.milestones[1] = 2;
	CHECK_NEAR(opr_sched_lr(&s, 3), 0.01, TOL);
}

/*
 * Warm-up over 4 units from 1/4 (the default) to 0.1: factors 0.25,
 * 0.4375, 0.625, 0.8125, then the schedule (cosine over the 8 - 4 left).
 */
static void test_warmup(void)
{
	struct opr_sched s = { .kind = OPR_SCHED_CONST, .base = 0.1,
			       .warmup = 4 };
	static const double want[] = { 0.025, 0.04375, 0.0625, 0.08125, 0.1 };
	int t;

	CHECK(opr_sched_check(&s, NULL) == OPR_OK, "check");
	for (t = 0; t < 5; t++)
		CHECK_NEAR(opr_sched_lr(&s, t), want[t], TOL);
	s.kind = OPR_SCHED_COSINE;
	s.total = 8;
	CHECK_NEAR(opr_sched_lr(&s, 3), 0.08125, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 4), 0.1, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 5), 0.085355339059327376, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 8), 0.0, TOL);
	s.warmup_start = 0.5;
	CHECK_NEAR(opr_sched_lr(&s, 0), 0.05, TOL);
	CHECK_NEAR(opr_sched_lr(&s, 2), 0.075, TOL);
}

static void test_parse(void)
{
	struct opr_sched s = { .base = 0.1, .total = 10 };
	struct opr_err err;
	static const char *const bad[] = {
		"", "cos", "cosine:", "cosine:x", "step:", "step:1,", "step:a",
		"step:1.5", "step:-1", "step:3@", "step:3@x", "const:1",
		"step:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	};
	size_t i;

	CHECK(opr_sched_parse(&s, "cosine", &err) == OPR_OK &&
	      s.kind == OPR_SCHED_COSINE && s.min == 0.0, "cosine");
	CHECK(opr_sched_parse(&s, "cosine:0.001", &err) == OPR_OK &&
	      s.min == 0.001, "cosine:0.001");
	CHECK(opr_sched_parse(&s, "step:30,60", &err) == OPR_OK &&
	      s.kind == OPR_SCHED_STEP && s.n_milestones == 2 &&
	      s.milestones[1] == 60 && s.gamma == 0.1, "step:30,60");
	CHECK(opr_sched_parse(&s, "step:5@0.5", &err) == OPR_OK &&
	      s.n_milestones == 1 && s.milestones[0] == 5 && s.gamma == 0.5,
	      "step:5@0.5");
	CHECK(opr_sched_parse(&s, "const", &err) == OPR_OK &&
	      s.kind == OPR_SCHED_CONST && s.base == 0.1, "const");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.kind = OPR_SCHED_CONST;
		CHECK(opr_sched_parse(&s, bad[i], &err) == OPR_EUSAGE &&
		      s.kind == OPR_SCHED_CONST, "'%s' accepted", bad[i]);
	}
}

static void test_check(void)
{
	static const struct opr_sched bad[] = {
		{ .kind = 9, .base = 0.1 },
		{ .kind = OPR_SCHED_CONST, .base = 0.0 },
		{ .kind = OPR_SCHED_CONST, .base = NAN },
		{ .kind = OPR_SCHED_CONST, .base = 0.1, .warmup = -1 },
		{ .kind = OPR_SCHED_CONST, .base = 0.1, .warmup_start = 1.5 },
		{ .kind = OPR_SCHED_CONST, .base = 0.1, .steps_per_epoch = -1 },
		{ .kind = OPR_SCHED_STEP, .base = 0.1, .gamma = 0.0 },
		{ .kind = OPR_SCHED_STEP, .base = 0.1, .gamma = 0.1,
		  .milestones = { 5, 3 }, .n_milestones = 2 },
		{ .kind = OPR_SCHED_STEP, .base = 0.1, .gamma = 0.1,
		  .n_milestones = 17 },
		{ .kind = OPR_SCHED_COSINE, .base = 0.1, .total = 0 },
		{ .kind = OPR_SCHED_COSINE, .base = 0.1, .total = 5, .warmup = 5 },
		{ .kind = OPR_SCHED_COSINE, .base = 0.1, .total = 5, .min = 0.2 },
	};
	struct opr_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(opr_sched_check(&bad[i], &err) == OPR_EUSAGE,
		      "bad schedule %zu accepted", i);
}

int main(void)
{
	test_cosine();
	test_step();
	test_warmup();
	test_parse();
	test_check();
	return tp_done("tp_sched");
}
