/*
 * op_act.c - element-wise activations for training: Relu, Clip (min/max
 * as attributes or constant inputs), LeakyRelu, Sigmoid, Tanh,
 * HardSigmoid, HardSwish.  The backward reads the output where that
 * suffices (Relu, Clip, Sigmoid, Tanh: TR_F_KEEP_OUT), else the input;
 * so a Relu or Clip can be fused into the BatchNormalization before it
 * (tgraph.c), which then writes its output.  The
 * derivative at a kink is the one torch uses: 0 at Relu's 0 and at
 * Clip's bounds.
 */
#include <math.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

enum act_kind { A_RELU, A_CLIP, A_LEAKY, A_SIGMOID, A_TANH, A_HSIG, A_HSWISH };

struct tact {
	int kind;		/* enum act_kind */
	float lo, hi;		/* Clip bounds (Relu: 0, inf) */
	float alpha, beta;	/* LeakyRelu alpha; HardSigmoid alpha, beta */
};

static int setup_kind(struct opr_train *t, struct tr_node *tn, int kind,
		      struct opr_err *err)
{
	struct tact *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int rc;

	if (!x)
		return err->code;
	p->kind = kind;
	p->lo = kind == A_RELU ? 0.0f : -INFINITY;
	p->hi = INFINITY;
	if (kind == A_CLIP) {
		p->lo = opr_node_attr_float(tn->n, "min", -INFINITY);
		p->hi = opr_node_attr_float(tn->n, "max", INFINITY);
		if ((rc = tr_const_float(t, tn, 1, &p->lo, err)) > 1 ||
		    (rc = tr_const_float(t, tn, 2, &p->hi, err)) > 1)
			return rc;
	}
	tn->lo = p->lo;
	tn->hi = p->hi;
	p->alpha = opr_node_attr_float(tn->n, "alpha",
				       kind == A_LEAKY ? 0.01f : 0.2f);
	p->beta = opr_node_attr_float(tn->n, "beta", 0.5f);
	return tr_set_out(t, tn, 0, x->rank, x->dims, err);
}

static int relu_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_RELU, err);
}

static int clip_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_CLIP, err);
}

static int leaky_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_LEAKY, err);
}

static int sigmoid_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_SIGMOID, err);
}

static int tanh_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_TANH, err);
}

static int hsig_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_HSIG, err);
}

static int hswish_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, A_HSWISH, err);
}

struct act_job {
	const struct tact *p;
	const float *x, *y, *dy;
	float *out;		/* y (forward) or dx (backward) */
	int acc;		/* backward: add to dx */
};

static float hsig(const struct tact *p, float x)
{
	float v = p->alpha * x + p->beta;

	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void fwd_range(void *arg, int64_t b, int64_t e, int tid)
{
	const struct act_job *j = arg;
	const struct tact *p = j->p;
	const float *x = j->x;
	float *y = j->out;
	int64_t i;

	(void)tid;
	if (p->kind == A_RELU || p->kind == A_CLIP) {
		tk_clamp(x + b, y + b, e - b, p->lo, p->hi);
		return;
	}
	for (i = b; i < e; i++)
		switch (p->kind) {
		case A_LEAKY:
			y[i] = x[i] >= 0 ? x[i] : p->alpha * x[i];
			break;
		case A_SIGMOID:
			y[i] = 1.0f / (1.0f + expf(-x[i]));
			break;
		case A_TANH:
			y[i] = tanhf(x[i]);
			break;
		case A_HSIG:
			y[i] = hsig(p, x[i]);
			break;
		default:	/* A_HSWISH: x * hardsigmoid(x), 1/6, 1/2 */
			y[i] = x[i] * fminf(fmaxf(x[i] / 6.0f + 0.5f, 0), 1);
			break;
		}
}

/* dL/dx of one element from dy, the input x and the output y. */
static float dact(const struct tact *p, float x, float y, float dy)
{
	switch (p->kind) {
	case A_LEAKY:
		return x >= 0 ? dy : p->alpha * dy;
	case A_SIGMOID:
		return dy * y * (1 - y);
	case A_TANH:
		return dy * (1 - y * y);
	case A_HSIG: {
		float v = p->alpha * x + p->beta;

		return v > 0 && v < 1 ? dy * p->alpha : 0;
	}
	default:	/* A_HSWISH */
		return x < -3 ? 0 : x > 3 ? dy : dy * (x / 3.0f + 0.5f);
	}
}

static void bwd_range(void *arg, int64_t b, int64_t e, int tid)
{
	const struct act_job *j = arg;
	const struct tact *p = j->p;
	int64_t i;

	(void)tid;
	if (p->kind == A_RELU) {
		tk_clamp_bwd(j->y + b, j->dy + b, j->out + b, e - b, 0, INFINITY,
			     j->acc);
		return;
	}
	if (p->kind == A_CLIP) {	/* lo < y < hi iff lo < x < hi */
		tk_clamp_bwd(j->y + b, j->dy + b, j->out + b, e - b, p->lo, p->hi,
			     j->acc);
		return;
	}
	for (i = b; i < e; i++) {
		float d = dact(p, j->x ? j->x[i] : 0, j->y ? j->y[i] : 0, j->dy[i]);

		j->out[i] = j->acc ? j->out[i] + d : d;
	}
}

static void act_fwd(struct opr_train *t, struct tr_node *tn)
{
	struct tr_val *x = tr_in(t, tn, 0);
	struct act_job j = { tn->p, x->data, NULL, NULL, tr_out(t, tn, 0)->data, 0 };

	tr_range(t, x->numel, 16384, fwd_range, &j);
}

static void act_bwd(struct opr_train *t, struct tr_node *tn)
{
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);
	struct act_job j;

	if (!y->grad)
		return;
	j.p = tn->p;
	j.x = (tn->op->flags & TR_F_KEEP_IN0) ? x->data : NULL;
	j.y = (tn->op->flags & TR_F_KEEP_OUT) ? y->data : NULL;
	j.dy = y->grad;
	j.out = x->grad;
	j.acc = tn->acc[0];
	tr_range(t, x->numel, 16384, bwd_range, &j);
}

#define ACT(name, fn, keep)						\
	const struct tr_op name = {					\
		.param_size = sizeof(struct tact), .flags = keep,	\
		.setup = fn, .fwd = act_fwd, .bwd = act_bwd		\
	}

ACT(tr_op_relu, relu_setup, TR_F_KEEP_OUT);
ACT(tr_op_clip, clip_setup, TR_F_KEEP_OUT);
ACT(tr_op_leakyrelu, leaky_setup, TR_F_KEEP_IN0);
ACT(tr_op_sigmoid, sigmoid_setup, TR_F_KEEP_OUT);
ACT(tr_op_tanh, tanh_setup, TR_F_KEEP_OUT);
ACT(tr_op_hardsigmoid, hsig_setup, TR_F_KEEP_IN0);
ACT(tr_op_hardswish, hswish_setup, TR_F_KEEP_IN0);
