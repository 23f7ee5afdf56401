/*
 * test_sgd.c - the SGD optimizer (src/train/sgd.c) against values worked
 * out by hand from PyTorch's update (torch.optim.SGD, see sgd.h): plain,
 * momentum, Nesterov, dampening (the first step's buffer is g, not
 * (1 - d) g), coupled and decoupled decay, no-decay tensors, the L1 term,
 * hard, replaced and soft masks (parameters and momentum zeroed), masks
 * applied again after an outside write, reset,
 * unbound gradients and bad options.  torch_ref.py checks longer runs
 * against PyTorch itself.
 *
 * Usage: tp_sgd (no arguments).
 */
#include <stdlib.h>
#include <string.h>

#include "train/sgd.h"
#include "tp_check.h"

#define TOL 1e-6

/* A one-tensor optimizer over p with gradient g. */
static struct opr_sgd *one(const struct opr_sgd_opts *o, float *p,
			   const float *g, size_t n, int flags)
{
	struct opr_sgd *s;
	struct opr_err err;

	if (opr_sgd_new(o, &s, &err) != OPR_OK ||
	    opr_sgd_add(s, p, g, n, flags, &err) != OPR_OK) {
		printf("setup: %s\n", err.msg);
		exit(1);
	}
	return s;
}

/* Two steps at lr 0.1 of p = 1 with a constant gradient 0.5. */
static void two_steps(const struct opr_sgd_opts *o, double want1, double want2,
		      double buf2)
{
	float p = 1.0f, g = 0.5f;
	struct opr_sgd *s = one(o, &p, &g, 1, 0);

	CHECK(opr_sgd_step(s, 0.1, NULL) == OPR_OK, "step 1");
	CHECK_NEAR(p, want1, TOL);
	CHECK(opr_sgd_step(s, 0.1, NULL) == OPR_OK, "step 2");
	CHECK_NEAR(p, want2, TOL);
	if (buf2 >= 0.0) {
		CHECK(opr_sgd_momentum(s, 0) != NULL, "no momentum buffer");
		if (opr_sgd_momentum(s, 0))
			CHECK_NEAR(opr_sgd_momentum(s, 0)[0], buf2, TOL);
	} else {
		CHECK(opr_sgd_momentum(s, 0) == NULL, "a momentum buffer");
	}
	opr_sgd_free(s);
}

/*
 * The hand-worked cases (p0 = 1, g = 0.5, lr = 0.1):
 *   plain:      p = 1 - 0.05 = 0.95, 0.90
 *   mu .9 wd .01: g1 = 0.51, b1 = 0.51, p1 = 1 - 0.051 = 0.949;
 *               g2 = 0.5 + 0.00949 = 0.50949, b2 = 0.459 + 0.50949
 *               = 0.96849, p2 = 0.949 - 0.096849 = 0.852151
 *   Nesterov:   d1 = 0.51 + 0.9 * 0.51 = 0.969, p1 = 0.9031;
 *               g2 = 0.509031, b2 = 0.459 + 0.509031 = 0.968031,
 *               d2 = 0.509031 + 0.8712279 = 1.3802589, p2 = 0.76507411
 *   mu .9 d .5: b1 = 0.5 (no dampening on the first step), p1 = 0.95;
 *               b2 = 0.45 + 0.25 = 0.7, p2 = 0.88
 *   decoupled wd .1: p1 = 1 * 0.99 - 0.05 = 0.94, p2 = 0.9306 - 0.05
 *               = 0.8806
 */
static void test_hand(void)
{
	struct opr_sgd_opts o;

	memset(&o, 0, sizeof(o));
	two_steps(&o, 0.95, 0.90, -1.0);
	o.momentum = 0.9;
	o.weight_decay = 0.01;
	two_steps(&o, 0.949, 0.852151, 0.96849);
	o.nesterov = 1;
	two_steps(&o, 0.9031, 0.76507411, 0.968031);
	memset(&o, 0, sizeof(o));
	o.momentum = 0.9;
	o.dampening = 0.5;
	two_steps(&o, 0.95, 0.88, 0.7);
	memset(&o, 0, sizeof(o));
	o.weight_decay = 0.1;
	o.wd_mode = OPR_SGD_WD_DECOUPLED;
	two_steps(&o, 0.94, 0.8806, -1.0);
}

/* No decay on a flagged tensor; L1 pulls towards 0 and leaves 0 alone. */
static void test_decay_l1(void)
{
	struct opr_sgd_opts o = { .weight_decay = 0.5 };
	float p[3] = { 1.0f, -1.0f, 0.0f }, g[3] = { 0.0f, 0.0f, 0.0f };
	float q[3] = { 1.0f, -1.0f, 0.0f };
	struct opr_sgd *s = one(&o, p, g, 3, OPR_SGD_NO_DECAY);

	CHECK(opr_sgd_add(s, q, g, 3, 0, NULL) == OPR_OK, "add");
	CHECK(opr_sgd_count(s) == 2, "count %d", opr_sgd_count(s));
	CHECK(opr_sgd_set_l1(s, 0, 0.1, NULL) == OPR_OK, "l1");
	CHECK(opr_sgd_step(s, 0.1, NULL) == OPR_OK, "step");
	/* Tensor 0: L1 only, p - 0.1 * 0.1 * sign(p). */
	CHECK_NEAR(p[0], 0.99, TOL);
	CHECK_NEAR(p[1], -0.99, TOL);
	CHECK(p[2] == 0.0f, "sign(0) moved p: %g", p[2]);
	/* Tensor 1: decay only, p * (1 - 0.1 * 0.5). */
	CHECK_NEAR(q[0], 0.95, TOL);
	CHECK_NEAR(q[1], -0.95, TOL);
	opr_sgd_free(s);
}

/* Hard masks hold after every step and can be replaced; soft ones once. */
static void test_masks(void)
{
	struct opr_sgd_opts o = { .momentum = 0.9 };
	float p[4] = { 1, 2, 3, 4 }, g[4] = { 1, 1, 1, 1 };
	unsigned char keep[4] = { 1, 0, 1, 0 }, keep2[4] = { 0, 1, 1, 1 };
	struct opr_sgd *s = one(&o, p, g, 4, 0);
	const float *b;
	int i, k;

	CHECK(opr_sgd_set_mask(s, 0, keep, OPR_SGD_MASK_HARD, NULL) == OPR_OK,
	      "set");
	CHECK(p[1] == 0.0f && p[3] == 0.0f && p[0] == 1.0f, "not zeroed now");
	keep[0] = 0;	/* the mask was copied: this must not matter */
	for (k = 0; k < 3; k++)
		opr_sgd_step(s, 0.1, NULL);
	b = opr_sgd_momentum(s, 0);
	CHECK(p[1] == 0.0f && p[3] == 0.0f, "hard mask lost: %g %g", p[1], p[3]);
	CHECK(b && b[1] == 0.0f && b[3] == 0.0f, "momentum of masked kept");
	/* Buffer 1, 1.9, 2.71: p0 = 1 - 0.1 * 5.61. */
	CHECK_NEAR(p[0], 1.0 - 0.561, TOL);
	CHECK(b && fabsf(b[0] - 2.71f) < 1e-6f, "momentum %g", b ? b[0] : -1);
	/* Replace: entry 1 trains again from rest, entry 0 goes. */
	CHECK(opr_sgd_set_mask(s, 0, keep2, OPR_SGD_MASK_HARD, NULL) == OPR_OK,
	      "replace");
	opr_sgd_step(s, 0.1, NULL);
	CHECK(p[0] == 0.0f && b[0] == 0.0f, "new mask not applied");
	CHECK_NEAR(p[1], -0.1, TOL);	/* buffer 0 -> 0.9 * 0 + 1 */
	CHECK_NEAR(b[1], 1.0, TOL);
	/* Written from outside (an average stored): apply_masks re-zeroes. */
	p[0] = 5.0f;
	p[1] = 6.0f;
	opr_sgd_apply_masks(s);
	CHECK(p[0] == 0.0f && p[1] == 6.0f, "apply_masks: %g %g", p[0], p[1]);
	/* Soft: zeroed once, then trains. */
	CHECK(opr_sgd_set_mask(s, 0, keep, OPR_SGD_MASK_SOFT, NULL) == OPR_OK,
	      "soft");
	for (i = 0; i < 4; i++)
		CHECK(keep[i] || (p[i] == 0.0f && b[i] == 0.0f), "soft: %d", i);
	opr_sgd_step(s, 0.1, NULL);
	for (i = 0; i < 4; i++)
		CHECK(p[i] != 0.0f, "soft mask held entry %d", i);
	/* Off. */
	CHECK(opr_sgd_set_mask(s, 0, NULL, OPR_SGD_MASK_OFF, NULL) == OPR_OK,
	      "off");
	opr_sgd_free(s);
}

/* reset() restarts the buffers; NULL gradients skip; bind() moves. */
static void test_reset_bind(void)
{
	struct opr_sgd_opts o = { .momentum = 0.5 };
	float p = 0.0f, p2 = 0.0f, g = 1.0f;
	struct opr_sgd *s = one(&o, &p, &g, 1, 0);

	opr_sgd_step(s, 1.0, NULL);		/* b 1, p -1 */
	opr_sgd_step(s, 1.0, NULL);		/* b 1.5, p -2.5 */
	CHECK_NEAR(p, -2.5, TOL);
	opr_sgd_reset(s);
	CHECK(opr_sgd_momentum(s, 0) == NULL, "buffer after reset");
	opr_sgd_step(s, 1.0, NULL);		/* b 1 again, p -3.5 */
	CHECK_NEAR(p, -3.5, TOL);
	CHECK(opr_sgd_bind(s, 0, &p2, NULL, NULL) == OPR_OK, "bind");
	opr_sgd_step(s, 1.0, NULL);
	CHECK(p2 == 0.0f && p == -3.5f, "unbound gradient used");
	CHECK(opr_sgd_bind(s, 0, &p2, &g, NULL) == OPR_OK, "bind");
	opr_sgd_step(s, 1.0, NULL);		/* b 1.5 (kept), p2 -1.5 */
	CHECK_NEAR(p2, -1.5, TOL);
	opr_sgd_free(s);
}

/* Options and arguments PyTorch refuses, refused here too. */
static void test_errors(void)
{
	static const struct opr_sgd_opts bad[] = {
		{ .momentum = -0.1 },
		{ .nesterov = 1 },
		{ .momentum = 0.9, .nesterov = 1, .dampening = 0.1 },
		{ .dampening = 1.5 },
		{ .weight_decay = -1 },
		{ .momentum = NAN },
		{ .wd_mode = 7 },
	};
	struct opr_sgd_opts o = { .momentum = 0.9 };
	struct opr_sgd *s;
	struct opr_err err;
	unsigned char keep = 1;
	float p = 1.0f, g = 1.0f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = (struct opr_sgd *)&err;
		CHECK(opr_sgd_new(&bad[i], &s, &err) == OPR_EUSAGE && !s,
		      "bad options %zu accepted", i);
	}
	s = one(&o, &p, &g, 1, 0);
	CHECK(opr_sgd_step(s, -1.0, &err) == OPR_EUSAGE, "lr -1");
	CHECK(opr_sgd_step(s, INFINITY, &err) == OPR_EUSAGE, "lr inf");
	CHECK(p == 1.0f, "bad step changed p");
	CHECK(opr_sgd_add(s, &p, &g, 0, 0, &err) == OPR_EUSAGE, "n 0");
	CHECK(opr_sgd_add(s, NULL, &g, 1, 0, &err) == OPR_EUSAGE, "NULL p");
	CHECK(opr_sgd_add(s, &p, &g, 1, 8, &err) == OPR_EUSAGE, "flags");
	CHECK(opr_sgd_set_l1(s, 1, 0.1, &err) == OPR_EUSAGE, "tensor 1");
	CHECK(opr_sgd_set_l1(s, 0, -0.1, &err) == OPR_EUSAGE, "l1 < 0");
	CHECK(opr_sgd_set_mask(s, 0, &keep, OPR_SGD_MASK_OFF, &err) ==
	      OPR_EUSAGE, "mask without mode");
	CHECK(opr_sgd_set_mask(s, 0, NULL, OPR_SGD_MASK_HARD, &err) ==
	      OPR_EUSAGE, "mode without mask");
	CHECK(opr_sgd_set_mask(s, 0, &keep, 9, &err) == OPR_EUSAGE, "mode 9");
	CHECK(opr_sgd_bind(s, 0, NULL, &g, &err) == OPR_EUSAGE, "bind NULL");
	opr_sgd_free(s);
	opr_sgd_free(NULL);
}

int main(void)
{
	test_hand();
	test_decay_l1();
	test_masks();
	test_reset_bind();
	test_errors();
	return tp_done("tp_sgd");
}
