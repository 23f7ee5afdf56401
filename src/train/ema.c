/*
 * ema.c - the moving average of ema.h: a copy of every tensor and the
 * update loop.
 */
#include <stdlib.h>
#include <string.h>

#include "train/ema.h"

/* One tensor and its average. */
struct ema_tensor {
	float *x;		/* n values, the caller's */
	float *avg;		/* n values, ours */
	size_t n;
};

struct opr_ema {
	double decay;		/* D */
	long k;			/* updates since the start or restart */
	double pw;		/* D^k */
	struct ema_tensor *t;	/* cap slots, n_t in use */
	int n_t, cap;
};

int opr_ema_new(double decay, int max_tensors, struct opr_ema **out,
		struct opr_err *err)
{
	struct opr_ema *e;

	*out = NULL;
	if (!(decay > 0.0 && decay < 1.0))
		return opr_errf(err, OPR_EUSAGE, "ema: decay %g, want a value "
				"in (0, 1)", decay);
	if (max_tensors < 0)
		return opr_errf(err, OPR_EUSAGE, "ema: %d tensors", max_tensors);
	e = calloc(1, sizeof(*e));
	if (e)
		e->t = calloc((size_t)max_tensors + 1, sizeof(*e->t));
	if (!e || !e->t) {
		free(e);
		return opr_errf(err, OPR_ENOMEM, "ema: out of memory");
	}
	e->decay = decay;
	e->pw = 1.0;
	e->cap = max_tensors;
	*out = e;
	return OPR_OK;
}

void opr_ema_free(struct opr_ema *e)
{
	int i;

	if (!e)
		return;
	for (i = 0; i < e->n_t; i++)
		free(e->t[i].avg);
	free(e->t);
	free(e);
}

int opr_ema_add(struct opr_ema *e, float *x, size_t n, struct opr_err *err)
{
	struct ema_tensor *t;

	if (!x || n == 0)
		return opr_errf(err, OPR_EUSAGE, "ema: tensor %d is empty",
				e->n_t);
	if (e->n_t == e->cap)
		return opr_errf(err, OPR_EUSAGE, "ema: more than %d tensors",
				e->cap);
	t = &e->t[e->n_t];
	if (!(t->avg = malloc(n * sizeof(float))))
		return opr_errf(err, OPR_ENOMEM, "ema: out of memory for %zu "
				"values", n);
	t->x = x;
	t->n = n;
	memcpy(t->avg, x, n * sizeof(float));
	e->n_t++;
	return OPR_OK;
}

void opr_ema_update(struct opr_ema *e)
{
	double w;
	float d, c;
	size_t j;
	int i;

	/* d_k = D (1 - D^(k-1)) / (1 - D^k), from D^(k-1) in e->pw */
	e->k++;
	w = e->decay * (1.0 - e->pw) / (1.0 - e->pw * e->decay);
	e->pw *= e->decay;
	d = (float)w;
	c = 1.0f - d;
	for (i = 0; i < e->n_t; i++) {
		float *restrict a = e->t[i].avg;
		const float *restrict x = e->t[i].x;

		for (j = 0; j < e->t[i].n; j++)
			a[j] = d * a[j] + c * x[j];
	}
}

void opr_ema_restart(struct opr_ema *e)
{
	int i;

	e->k = 0;
	e->pw = 1.0;
	for (i = 0; i < e->n_t; i++)
		memcpy(e->t[i].avg, e->t[i].x, e->t[i].n * sizeof(float));
}

long opr_ema_updates(const struct opr_ema *e)
{
	return e->k;
}

void opr_ema_store(const struct opr_ema *e)
{
	int i;

	for (i = 0; i < e->n_t; i++)
		memcpy(e->t[i].x, e->t[i].avg, e->t[i].n * sizeof(float));
}
