/*
 * test_ema.c - the moving average of the weights (src/train/ema.c): the
 * debiased average against values worked out by hand, a long run against
 * the formula of ema.h (m_k / (1 - D^k)) in double precision, restart,
 * store, and bad arguments.
 *
 * Usage: tp_ema (no arguments).
 */
#include <stdlib.h>

#include "train/ema.h"
#include "tp_check.h"

#define TOL 1e-6

/* An average with room for two tensors, x the first. */
static struct opr_ema *make(double decay, float *x, size_t n)
{
	struct opr_ema *e;
	struct opr_err err;

	if (opr_ema_new(decay, 2, &e, &err) != OPR_OK ||
	    opr_ema_add(e, x, n, &err) != OPR_OK) {
		printf("setup: %s\n", err.msg);
		exit(1);
	}
	return e;
}

/*
 * D = 0.5, x0 = {1, 2}:
 *   k = 1, x = {3, 4}: m = {1.5, 2}, avg = m / 0.5 = {3, 4} (x0 is gone)
 *   k = 2, x = {5, 6}: m = {3.25, 4}, avg = m / 0.75 = {13/3, 16/3}
 * restart at x = {8, 0}, 7 updates, then x = {8, 16}:
 *   avg[0] = 8; m[1] = 0.5 * 16, avg[1] = 8 / (1 - 2^-8) = 2048/255
 */
static void test_hand(void)
{
	float x[2] = { 1, 2 };
	struct opr_ema *e = make(0.5, x, 2);
	int k;

	x[0] = 3;
	x[1] = 4;
	opr_ema_update(e);
	x[0] = 5;
	x[1] = 6;
	opr_ema_update(e);
	CHECK(opr_ema_updates(e) == 2, "updates %ld", opr_ema_updates(e));
	x[0] = x[1] = 0;
	opr_ema_store(e);
	CHECK_NEAR(x[0], 13.0 / 3, TOL);
	CHECK_NEAR(x[1], 16.0 / 3, TOL);
	/* restart: the average is x again, k = 0 */
	x[0] = 8;
	x[1] = 0;
	opr_ema_restart(e);
	CHECK(opr_ema_updates(e) == 0, "restart kept %ld", opr_ema_updates(e));
	for (k = 0; k < 7; k++)
		opr_ema_update(e);
	x[1] = 16;
	opr_ema_update(e);
	x[0] = x[1] = -1;
	opr_ema_store(e);
	CHECK_NEAR(x[0], 8.0, TOL);
	CHECK_NEAR(x[1], 2048.0 / 255, TOL);
	opr_ema_free(e);
}

/* 200 updates of two tensors at D = 0.9 against the formula in double. */
static void test_long(void)
{
	float a[3] = { 0.5f, -1, 2 }, b[1] = { 3 };
	double ma[3] = { 0, 0, 0 }, mb = 0, pw = 1;
	struct opr_ema *e = make(0.9, a, 3);
	struct opr_err err;
	int k, i;

	CHECK(opr_ema_add(e, b, 1, &err) == OPR_OK, "add b");
	for (k = 1; k <= 200; k++) {
		for (i = 0; i < 3; i++) {
			a[i] = (float)(i + 1) * (float)((k * 7919) % 13) - 6.0f;
			ma[i] = 0.9 * ma[i] + 0.1 * a[i];
		}
		b[0] = (float)k;
		mb = 0.9 * mb + 0.1 * b[0];
		pw *= 0.9;
		opr_ema_update(e);
	}
	opr_ema_store(e);
	for (i = 0; i < 3; i++)
		CHECK_NEAR(a[i], ma[i] / (1 - pw), 1e-5);
	CHECK_NEAR(b[0], mb / (1 - pw), 1e-5);
	opr_ema_free(e);
}

static void test_errors(void)
{
	struct opr_ema *e = NULL;
	struct opr_err err;
	float x = 1;

	CHECK(opr_ema_new(0.0, 1, &e, &err) == OPR_EUSAGE && !e, "decay 0");
	CHECK(opr_ema_new(1.0, 1, &e, &err) == OPR_EUSAGE && !e, "decay 1");
	CHECK(opr_ema_new(NAN, 1, &e, &err) == OPR_EUSAGE && !e, "decay NaN");
	CHECK(opr_ema_new(0.9, -1, &e, &err) == OPR_EUSAGE && !e, "-1 tensors");
	CHECK(opr_ema_new(0.9, 1, &e, &err) == OPR_OK && e, "decay 0.9");
	CHECK(opr_ema_add(e, &x, 0, &err) == OPR_EUSAGE, "empty tensor");
	CHECK(opr_ema_add(e, NULL, 1, &err) == OPR_EUSAGE, "NULL tensor");
	CHECK(opr_ema_add(e, &x, 1, &err) == OPR_OK, "the one tensor");
	CHECK(opr_ema_add(e, &x, 1, &err) == OPR_EUSAGE, "a second tensor");
	opr_ema_free(e);
	opr_ema_free(NULL);
}

int main(void)
{
	test_hand();
	test_long();
	test_errors();
	return tp_done("tp_ema");
}
