/*
 * op_bn.c - BatchNormalization for training, per channel c (axis 1):
 *
 *   training forward   mean and (biased) variance over the batch and the
 *                      spatial dims, y = (x - mean) / sqrt(var + eps) *
 *                      scale + B; the running statistics follow
 *                      opr_train_set_bn(): momentum (ONNX's: running =
 *                      running * momentum + batch * (1 - momentum)), a
 *                      cumulative average, or untouched.  The variance
 *                      that goes into the running one is the unbiased
 *                      one (M / (M - 1)), as torch does.
 *   inference forward  and OPR_TRAIN_BN_FROZEN: the running statistics.
 *   backward           dscale = sum dy * xhat, dB = sum dy, and
 *                      dx = scale * invstd * (dy - mean(dy) - xhat *
 *                      mean(dy * xhat)) with batch statistics, or
 *                      scale * invstd * dy with fixed ones.
 *
 * Sums are taken per channel by one task (shifted by the channel's first
 * element, float lanes then double: tkern.h), so they do not depend on the
 * thread count.  mean and 1/sqrt(var + eps) are saved for the backward.
 * Fused with a Relu or Clip (tn->act), the forward writes that node's
 * output, clamped, and its own output is never made.
 */
#include <math.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

struct tbn {
	int64_t n, c, inner;	/* images, channels, elements per plane */
	float eps;		/* epsilon */
	float momentum;		/* ONNX momentum (weight of the old value) */
};

static int bn_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	struct tbn *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int k;

	if (!x)
		return err->code;
	if (x->rank < 2)
		return tr_errf(t, tn, err, OPR_ESHAPE, "rank %d < 2", x->rank);
	for (k = 1; k < tn->n->n_out; k++)
		if (tn->n->out[k] >= 0)
			return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "training "
				       "outputs (mean, var) are not computed");
	for (k = 1; k <= 4; k++) {
		struct tr_val *v = tr_need_in(t, tn, k, err);

		if (!v)
			return err->code;
		if (v->numel != x->dims[1] || !v->data)
			return tr_errf(t, tn, err, OPR_ESHAPE, "input %d has %lld "
				       "values for %lld channels", k,
				       (long long)v->numel, (long long)x->dims[1]);
	}
	p->n = x->dims[0];
	p->c = x->dims[1];
	p->inner = tr_prod(x->dims, 2, x->rank);
	p->eps = opr_node_attr_float(tn->n, "epsilon", 1e-5f);
	p->momentum = opr_node_attr_float(tn->n, "momentum", 0.9f);
	tn->save = (size_t)(2 * p->c);
	return tr_set_out(t, tn, 0, x->rank, x->dims, err);
}

struct bn_job {
	struct opr_train *t;
	const struct tbn *p;
	const float *x, *dy, *scale, *bias;
	float *y, *dx, *dscale, *dbias;
	float *rmean, *rvar;	/* running statistics */
	float *mean, *istd;	/* saved per channel */
	int batch;		/* batch statistics (else running ones) */
	int update;		/* enum opr_train_bn, for the running update */
	long count;		/* batches averaged so far (cumulative) */
	int acc_x, acc_s, acc_b;
	float lo, hi;		/* clamp of the output */
};

/* Batch statistics of channels [c0, c1) and the running update. */
static void stats(void *arg, int64_t c0, int64_t c1, int tid)
{
	const struct bn_job *j = arg;
	const struct tbn *p = j->p;
	double M = (double)(p->n * p->inner);
	int64_t c;

	(void)tid;
	for (c = c0; c < c1; c++) {
		double s = 0, s2 = 0, mean, var, uvar, f;
		float sh = p->inner ? j->x[c * p->inner] : 0.0f;

		tk_sum2(j->x + c * p->inner, p->n, p->inner, p->c * p->inner, sh,
			&s, &s2);
		mean = s / M;
		var = s2 / M - mean * mean;
		var = var > 0 ? var : 0;
		j->mean[c] = (float)(sh + mean);
		j->istd[c] = (float)(1.0 / sqrt(var + p->eps));
		uvar = M > 1 ? var * M / (M - 1) : var;
		if (j->update == OPR_TRAIN_BN_MOMENTUM)
			f = 1.0 - p->momentum;
		else if (j->update == OPR_TRAIN_BN_CUMULATIVE)
			f = 1.0 / (double)(j->count + 1);
		else
			continue;
		j->rmean[c] = (float)(j->rmean[c] * (1.0 - f) + (sh + mean) * f);
		j->rvar[c] = (float)(j->rvar[c] * (1.0 - f) + uvar * f);
	}
}

/* y = x * a + b over planes [r0, r1) (plane r is channel r % c). */
static void normalize(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct bn_job *j = arg;
	const struct tbn *p = j->p;
	int64_t r;

	(void)tid;
	for (r = r0; r < r1; r++) {
		int64_t c = r % p->c;
		float a = j->scale[c] * j->istd[c];

		tk_affine(j->x + r * p->inner, j->y + r * p->inner, p->inner, a,
			  j->bias[c] - j->mean[c] * a, j->lo, j->hi);
	}
}

static void bn_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbn *p = tn->p;
	struct bn_job j = { 0 };
	int64_t c;

	j.t = t;
	j.p = p;
	j.x = tr_in(t, tn, 0)->data;
	j.scale = tr_in(t, tn, 1)->data;
	j.bias = tr_in(t, tn, 2)->data;
	j.rmean = tr_in(t, tn, 3)->data;
	j.rvar = tr_in(t, tn, 4)->data;
	j.y = tr_out(t, tn, 0)->data;
	j.lo = -INFINITY;
	j.hi = INFINITY;
	if (tn->act >= 0) {	/* write the Relu / Clip output, clamped */
		const struct tr_node *an = &t->nodes[tn->act];

		j.y = tr_out(t, an, 0)->data;
		j.lo = an->lo;
		j.hi = an->hi;
	}
	j.mean = tn->saved;
	j.istd = tn->saved + p->c;
	j.batch = t->training && !t->bn_frozen;
	j.update = t->bn_mode;
	j.count = t->bn_count;
	if (j.batch) {
		tr_range(t, p->c, 1, stats, &j);
	} else {
		for (c = 0; c < p->c; c++) {
			j.mean[c] = j.rmean[c];
			j.istd[c] = (float)(1.0 / sqrt((double)j.rvar[c] + p->eps));
		}
	}
	tr_range(t, p->n * p->c, 16384 / (p->inner + 1) + 1, normalize, &j);
}

/* Gradients of channels [c0, c1). */
static void grads(void *arg, int64_t c0, int64_t c1, int tid)
{
	const struct bn_job *j = arg;
	const struct tbn *p = j->p;
	double M = (double)(p->n * p->inner);
	int64_t c, n;

	(void)tid;
	for (c = c0; c < c1; c++) {
		double s = 0, sx = 0;
		float m = j->mean[c], is = j->istd[c], k1, k2 = 0, k3 = 0;

		tk_dot2(j->dy + c * p->inner, j->x + c * p->inner, p->n, p->inner,
			p->c * p->inner, m, &s, &sx);
		if (j->dscale)
			j->dscale[c] = (float)((j->acc_s ? j->dscale[c] : 0) + sx * is);
		if (j->dbias)
			j->dbias[c] = (float)((j->acc_b ? j->dbias[c] : 0) + s);
		if (!j->dx)
			continue;
		k1 = j->scale[c] * is;
		if (j->batch) {
			k2 = (float)(-(double)j->scale[c] * is * is * is * sx / M);
			k3 = (float)(-(double)j->scale[c] * is * s / M);
		}
		for (n = 0; n < p->n; n++) {
			int64_t o = (n * p->c + c) * p->inner;

			tk_bn_dx(j->dy + o, j->x + o, j->dx + o, p->inner, m, k1, k2,
				 k3, j->acc_x);
		}
	}
}

static void bn_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tbn *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *s = tr_in(t, tn, 1);
	struct tr_val *b = tr_in(t, tn, 2), *y = tr_out(t, tn, 0);
	struct bn_job j = { 0 };

	if (!y->grad)
		return;
	j.t = t;
	j.p = p;
	j.x = x->data;
	j.dy = y->grad;
	j.scale = s->data;
	j.dx = x->need_grad ? x->grad : NULL;
	j.dscale = s->need_grad ? s->grad : NULL;
	j.dbias = b->need_grad ? b->grad : NULL;
	j.acc_x = tn->acc[0];
	j.acc_s = tn->acc[1];
	j.acc_b = tn->acc[2];
	j.mean = tn->saved;
	j.istd = tn->saved + p->c;
	j.batch = !t->bn_frozen;
	tr_range(t, p->c, 1, grads, &j);
}

const struct tr_op tr_op_batchnorm = {
	.param_size = sizeof(struct tbn), .flags = TR_F_KEEP_IN0,
	.setup = bn_setup, .fwd = bn_fwd, .bwd = bn_bwd
};
