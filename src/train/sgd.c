/*
 * sgd.c - the SGD optimizer of sgd.h: the tensor list, the update loop and
 * the masks.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "train/sgd.h"

/* One tensor under the optimizer. */
struct sgd_tensor {
	float *param;		/* n parameters, the caller's */
	const float *grad;	/* n gradients, the caller's; NULL: skipped */
	size_t n;		/* number of elements */
	int flags;		/* enum opr_sgd_flags */
	float l1;		/* L1 coefficient; 0: none */
	float *buf;		/* n momentum values (momentum > 0), else NULL */
	int started;		/* 1 once buf holds a value (PyTorch: not None) */
	unsigned char *keep;	/* hard mask, n bytes, 0 = zero; NULL: none */
};

/* The optimizer. */
struct opr_sgd {
	struct opr_sgd_opts o;	/* options, checked */
	struct sgd_tensor *t;	/* n_t tensors */
	int n_t;		/* tensors in use */
	int cap;		/* tensors allocated */
};

/* Checks the options as torch.optim.SGD does. */
static int check_opts(const struct opr_sgd_opts *o, struct opr_err *err)
{
	if (!isfinite(o->momentum) || o->momentum < 0.0)
		return opr_errf(err, OPR_EUSAGE, "sgd: momentum %g, want >= 0",
				o->momentum);
	if (!isfinite(o->dampening) || o->dampening < 0.0 || o->dampening > 1.0)
		return opr_errf(err, OPR_EUSAGE,
				"sgd: dampening %g, want a value in [0, 1]",
				o->dampening);
	if (o->nesterov && (o->momentum <= 0.0 || o->dampening != 0.0))
		return opr_errf(err, OPR_EUSAGE,
				"sgd: Nesterov needs momentum > 0 and dampening 0");
	if (!isfinite(o->weight_decay) || o->weight_decay < 0.0)
		return opr_errf(err, OPR_EUSAGE, "sgd: weight decay %g, want >= 0",
				o->weight_decay);
	if (o->wd_mode != OPR_SGD_WD_COUPLED && o->wd_mode != OPR_SGD_WD_DECOUPLED)
		return opr_errf(err, OPR_EUSAGE, "sgd: unknown weight decay mode %d",
				o->wd_mode);
	return OPR_OK;
}

int opr_sgd_new(const struct opr_sgd_opts *o, struct opr_sgd **out,
		struct opr_err *err)
{
	struct opr_sgd *s;
	int rc;

	*out = NULL;
	rc = check_opts(o, err);
	if (rc != OPR_OK)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return opr_errf(err, OPR_ENOMEM, "sgd: out of memory");
	s->o = *o;
	*out = s;
	return OPR_OK;
}

void opr_sgd_free(struct opr_sgd *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n_t; i++) {
		free(s->t[i].buf);
		free(s->t[i].keep);
	}
	free(s->t);
	free(s);
}

int opr_sgd_add(struct opr_sgd *s, float *param, const float *grad, size_t n,
		int flags, struct opr_err *err)
{
	struct sgd_tensor *t;
	int cap;

	if (!param || n == 0 || n > SIZE_MAX / sizeof(float) ||
	    (flags & ~OPR_SGD_NO_DECAY))
		return opr_errf(err, OPR_EUSAGE, "sgd: bad tensor %d", s->n_t);
	if (s->n_t == s->cap) {
		cap = s->cap ? 2 * s->cap : 16;
		t = realloc(s->t, (size_t)cap * sizeof(*t));
		if (!t)
			return opr_errf(err, OPR_ENOMEM, "sgd: out of memory");
		s->t = t;
		s->cap = cap;
	}
	t = &s->t[s->n_t];
	memset(t, 0, sizeof(*t));
	if (s->o.momentum != 0.0) {
		t->buf = calloc(n, sizeof(float));
		if (!t->buf)
			return opr_errf(err, OPR_ENOMEM,
					"sgd: out of memory for %zu momentum values", n);
	}
	t->param = param;
	t->grad = grad;
	t->n = n;
	t->flags = flags;
	s->n_t++;
	return OPR_OK;
}

int opr_sgd_count(const struct opr_sgd *s)
{
	return s->n_t;
}

/* Checks the tensor number t. */
static int check_t(const struct opr_sgd *s, int t, struct opr_err *err)
{
	if (t < 0 || t >= s->n_t)
		return opr_errf(err, OPR_EUSAGE, "sgd: no tensor %d (%d added)", t,
				s->n_t);
	return OPR_OK;
}

int opr_sgd_bind(struct opr_sgd *s, int t, float *param, const float *grad,
		 struct opr_err *err)
{
	int rc = check_t(s, t, err);

	if (rc != OPR_OK)
		return rc;
	if (!param)
		return opr_errf(err, OPR_EUSAGE, "sgd: tensor %d: no parameters", t);
	s->t[t].param = param;
	s->t[t].grad = grad;
	return OPR_OK;
}

int opr_sgd_set_l1(struct opr_sgd *s, int t, double l1, struct opr_err *err)
{
	int rc = check_t(s, t, err);

	if (rc != OPR_OK)
		return rc;
	if (!isfinite(l1) || l1 < 0.0)
		return opr_errf(err, OPR_EUSAGE, "sgd: tensor %d: L1 %g, want >= 0",
				t, l1);
	s->t[t].l1 = (float)l1;
	return OPR_OK;
}

/* Zeroes the parameters and momentum of t where keep is 0. */
static void apply_mask(struct sgd_tensor *t, const unsigned char *keep)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (keep[i])
			continue;
		t->param[i] = 0.0f;
		if (t->buf)
			t->buf[i] = 0.0f;
	}
}

int opr_sgd_set_mask(struct opr_sgd *s, int t, const unsigned char *keep,
		     int mode, struct opr_err *err)
{
	struct sgd_tensor *ts;
	unsigned char *copy = NULL;
	int rc = check_t(s, t, err);

	if (rc != OPR_OK)
		return rc;
	ts = &s->t[t];
	if (mode != OPR_SGD_MASK_OFF && mode != OPR_SGD_MASK_HARD &&
	    mode != OPR_SGD_MASK_SOFT)
		return opr_errf(err, OPR_EUSAGE, "sgd: tensor %d: unknown mask mode %d",
				t, mode);
	if ((mode == OPR_SGD_MASK_OFF) != !keep)
		return opr_errf(err, OPR_EUSAGE,
				"sgd: tensor %d: mask mode %d %s a mask", t, mode,
				keep ? "does not take" : "needs");
	if (mode == OPR_SGD_MASK_HARD) {
		copy = malloc(ts->n);
		if (!copy)
			return opr_errf(err, OPR_ENOMEM, "sgd: out of memory");
		memcpy(copy, keep, ts->n);
	}
	if (keep)
		apply_mask(ts, keep);
	free(ts->keep);
	ts->keep = copy;
	return OPR_OK;
}

/*
 * The update loops.  Terms that are off have a coefficient of 0 (or a
 * factor of 1), and for finite values g + 0 * x == g and x * 1 == x
 * exactly, so the loops compute every term without branches and give the
 * bits of the formula in sgd.h.  The first step with momentum is the
 * later-step formula with mu = 0 and d = 0 on a zero buffer (buffers start
 * zeroed, and reset and masks zero them).  This file is built with -O3
 * (CMakeLists.txt), where GCC vectorises the loops; element-wise float
 * operations without contraction (ISO C's default) give the same bits
 * vectorised or not, on any thread count.
 */

/* Constants of one tensor's loop. */
struct loop_k {
	float nlr, l1, wd, shrink;	/* -lr, L1, coupled wd, decay factor */
	float bmu, bd;			/* buffer: b = b * bmu + bd * g */
	float nmu, nv, nb;		/* g = (g + nmu * b) * nv + b * nb */
};

/* Updates element i of p and, when b is non-NULL, of the momentum b. */
static inline void update(float *restrict p, float *restrict b,
			  const float *restrict gr, size_t i,
			  const struct loop_k *k)
{
	float x = p[i], g, bi;

	g = (gr[i] + k->l1 * (float)((x > 0.0f) - (x < 0.0f))) + k->wd * x;
	if (b) {
		bi = b[i] * k->bmu + k->bd * g;
		b[i] = bi;
		g = (g + k->nmu * bi) * k->nv + bi * k->nb;
	}
	p[i] = x * k->shrink + k->nlr * g;
}

/* Runs update() over the n elements of p (and b; NULL: no momentum). */
static void run(float *restrict p, float *restrict b, const float *restrict gr,
		size_t n, const struct loop_k *kp)
{
	const struct loop_k k = *kp;	/* a local copy: p cannot alias it */
	size_t i;

	if (b)
		for (i = 0; i < n; i++)
			update(p, b, gr, i, &k);
	else
		for (i = 0; i < n; i++)
			update(p, NULL, gr, i, &k);
}

/*
 * One update of t at rate lr under options o (the formula of sgd.h), the
 * scalars cast to float as PyTorch casts them for float tensors.
 */
static void step_tensor(struct sgd_tensor *t, const struct opr_sgd_opts *o,
			double lr)
{
	double wd = (t->flags & OPR_SGD_NO_DECAY) ? 0.0 : o->weight_decay;
	int dec = o->wd_mode == OPR_SGD_WD_DECOUPLED;
	struct loop_k k = {
		.nlr = -(float)lr, .l1 = t->l1,
		.wd = dec ? 0.0f : (float)wd,
		.shrink = dec ? (float)(1.0 - lr * wd) : 1.0f,
		.bmu = t->started ? (float)o->momentum : 0.0f,
		.bd = t->started ? (float)(1.0 - o->dampening) : 1.0f,
		.nmu = (float)o->momentum,
		.nv = o->nesterov ? 1.0f : 0.0f,
		.nb = o->nesterov ? 0.0f : 1.0f,
	};

	run(t->param, t->buf, t->grad, t->n, &k);
	if (t->buf)
		t->started = 1;
}

int opr_sgd_step(struct opr_sgd *s, double lr, struct opr_err *err)
{
	struct sgd_tensor *t;
	int i;

	if (!isfinite(lr) || lr < 0.0)
		return opr_errf(err, OPR_EUSAGE, "sgd: learning rate %g, want >= 0",
				lr);
	for (i = 0; i < s->n_t; i++) {
		t = &s->t[i];
		if (!t->grad)
			continue;
		step_tensor(t, &s->o, lr);
		if (t->keep)
			apply_mask(t, t->keep);
	}
	return OPR_OK;
}

void opr_sgd_apply_masks(struct opr_sgd *s)
{
	int i;

	for (i = 0; i < s->n_t; i++)
		if (s->t[i].keep)
			apply_mask(&s->t[i], s->t[i].keep);
}

void opr_sgd_reset(struct opr_sgd *s)
{
	int i;

	for (i = 0; i < s->n_t; i++) {
		s->t[i].started = 0;
		if (s->t[i].buf)
			memset(s->t[i].buf, 0, s->t[i].n * sizeof(float));
	}
}

const float *opr_sgd_momentum(const struct opr_sgd *s, int t)
{
	if (t < 0 || t >= s->n_t || !s->t[t].started)
		return NULL;
	return s->t[t].buf;
}
