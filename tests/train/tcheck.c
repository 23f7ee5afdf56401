/*
 * tcheck.c - the gradient check of the training tests (see tcheck.h):
 * the engine's output and gradients against the double reference and its
 * central differences, per tensor, at each requested thread count.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"

int tc_failures;

void *tc_need(void *p, const char *file, int line, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (p)
		return p;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tdie(file, line, "%s", msg);
}

/* The difference step; TC_FD_STEP in the environment overrides it. */
static double fd_step(void)
{
	const char *e = getenv("TC_FD_STEP");

	return e ? atof(e) : 1e-6;
}

float tc_rand(unsigned *s)
{
	*s = *s * 1664525u + 1013904223u;
	return (float)((*s >> 8) & 0xffffff) / 8388608.0f - 1.0f;
}

float tc_rand_away(unsigned *s, const float *kinks, int n, float gap)
{
	for (;;) {
		float v = tc_rand(s);
		int i, ok = 1;

		for (i = 0; i < n; i++)
			ok &= fabsf(v - kinks[i]) >= gap;
		if (ok)
			return v;
	}
}

/* The loss of the reference's output: CE against labels, or sum r . y. */
static double ref_loss(struct tref *r, const struct opr_graph *g,
		       const struct tc_case *c, const float *w)
{
	int64_t m, i, j, k;
	const double *y = tref_val(r, g->outputs[0], &m);
	double s = 0;

	if (!c->labels) {
		for (i = 0; i < m; i++)
			s += w[i] * y[i];
		return s;
	}
	k = m / c->n;
	for (i = 0; i < c->n; i++) {
		double mx = -INFINITY, e = 0;

		for (j = 0; j < k; j++)
			mx = fmax(mx, y[i * k + j]);
		for (j = 0; j < k; j++)
			e += exp(y[i * k + j] - mx);
		s += mx + log(e) - y[i * k + c->labels[i]];
	}
	return s / c->n;
}

/* One checked tensor: a value and the coordinates picked in it. */
struct pick {
	int value;		/* graph value (input or initializer) */
	int first;		/* first node reading it */
	int64_t numel;
	int64_t *idx;		/* coordinates */
	int cnt;
	double *fd;		/* central differences */
	const char *name;
};

static void pick_coords(struct pick *p, int max, unsigned *seed)
{
	int64_t i;

	if (max <= 0 || p->numel <= max) {
		p->cnt = (int)p->numel;
		p->idx = TC_NEED(malloc((size_t)(p->cnt + 1) * sizeof(int64_t)),
				 "out of memory");
		for (i = 0; i < p->numel; i++)
			p->idx[i] = i;
	} else {
		p->cnt = max;
		p->idx = TC_NEED(malloc((size_t)(p->cnt + 1) * sizeof(int64_t)),
				 "out of memory");
		for (i = 0; i < max; i++) {	/* spread, jittered */
			int64_t lo = p->numel * i / max, hi = p->numel * (i + 1) / max;

			*seed = *seed * 1664525u + 1013904223u;
			p->idx[i] = lo + (int64_t)((*seed >> 8) % (unsigned)(hi - lo));
		}
	}
	p->fd = TC_NEED(calloc((size_t)(p->cnt + 1), sizeof(double)),
			"out of memory");
}

static int cmp_first(const void *a, const void *b)
{
	return ((const struct pick *)b)->first - ((const struct pick *)a)->first;
}

/* Central differences of the reference loss for every pick. */
static void finite_diffs(struct tref *r, const struct opr_graph *g,
			 const struct tc_case *c, const float *w,
			 struct pick *p, int np)
{
	int i, k;

	qsort(p, (size_t)np, sizeof(*p), cmp_first);	/* later nodes first */
	for (i = 0; i < np; i++) {
		double *v = tref_val(r, p[i].value, NULL), h = fd_step();

		for (k = 0; k < p[i].cnt; k++) {
			double keep = v[p[i].idx[k]], lp, lm;

			v[p[i].idx[k]] = keep + h;
			tref_run(r, p[i].first);
			lp = ref_loss(r, g, c, w);
			v[p[i].idx[k]] = keep - h;
			tref_run(r, p[i].first);
			lm = ref_loss(r, g, c, w);
			v[p[i].idx[k]] = keep;
			p[i].fd[k] = (lp - lm) / (2 * h);
		}
	}
	tref_run(r, 0);
}

/*
 * Largest relative error of the engine's gradient g at the picks of p;
 * scale is the largest |fd| over all picks of the case.  The worst
 * coordinate's numbers go to *we, *wf.
 */
static double compare(const struct pick *p, const float *g, double scale,
		      double *we, double *wf)
{
	double big = 0, worst = -1;
	int k;

	for (k = 0; k < p->cnt; k++)
		big = fmax(big, fabs(p->fd[k]));
	for (k = 0; k < p->cnt; k++) {
		double e = g[p->idx[k]], f = p->fd[k];
		double den = fmax(fmax(fabs(e), fabs(f)),
				  fmax(fmax(1e-3 * big, 1e-4 * scale), 1e-7));

		if (fabs(e - f) / den > worst) {
			worst = fabs(e - f) / den;
			*we = e;
			*wf = f;
		}
	}
	return worst > 0 ? worst : 0;
}

/* Runs the engine at thread count th and compares; returns the worst error. */
static double check_engine(const struct tc_case *c, struct tref *r,
			   const float *w, struct pick *p, int np, int th)
{
	struct opr_graph *g = c->g;
	struct opr_train *t = NULL;
	struct opr_err err;
	const double *yr;
	const float *y;
	double worst = 0, ydiff = 0, ybig = 1, scale = 0, we = 0, wf = 0;
	int64_t m, i;
	float loss;
	int k, rc;

	rc = opr_train_new(g, c->n, th, OPR_TRAIN_INPUT_GRAD, &t, &err);
	TC_CHECK(rc == OPR_OK, "%s: opr_train_new: %s", c->name, err.msg);
	if (rc)
		return INFINITY;
	opr_train_set_bn(t, c->bn_frozen ? OPR_TRAIN_BN_FROZEN : OPR_TRAIN_BN_BATCH);
	if (c->labels) {
		rc = opr_train_step(t, c->x, c->labels, c->n, &loss, &err);
	} else {
		rc = opr_train_forward(t, c->x, c->n, &err);
		if (!rc)
			rc = opr_train_backward(t, w, &err);
	}
	TC_CHECK(rc == OPR_OK, "%s: step: %s", c->name, err.msg);
	yr = tref_val(r, g->outputs[0], &m);
	y = opr_train_output(t, &i);
	TC_CHECK(i * c->n == m, "%s: output has %lld values per image, the "
		 "reference %lld", c->name, (long long)i, (long long)(m / c->n));
	if (i * c->n != m) {
		opr_train_free(t);
		return INFINITY;
	}
	for (i = 0; i < m; i++) {
		ydiff = fmax(ydiff, fabs(y[i] - yr[i]));
		ybig = fmax(ybig, fabs(yr[i]));
	}
	TC_CHECK(ydiff / ybig < 1e-4, "%s: output differs from the reference "
		 "by %.3g (scale %.3g)", c->name, ydiff, ybig);
	for (k = 0; k < np; k++)
		for (i = 0; i < p[k].cnt; i++)
			scale = fmax(scale, fabs(p[k].fd[i]));
	for (k = 0; k < np; k++) {
		const float *gr;
		double e;

		if (p[k].value == g->inputs[0]) {
			gr = opr_train_input_grad(t);
		} else {
			int ti = opr_train_find(t, p[k].name);

			gr = ti >= 0 ? opr_train_tensor(t, ti)->grad : NULL;
		}
		TC_CHECK(gr != NULL, "%s: no gradient for %s", c->name, p[k].name);
		if (!gr)
			continue;
		e = compare(&p[k], gr, scale, &we, &wf);
		printf("  %-18s %-22s threads %d: %4d coords, max rel err %.2e\n",
		       c->name, p[k].name, th, p[k].cnt, e);
		TC_CHECK(e <= c->tol, "%s: %s at %d threads: relative error %.3g > "
			 "%.3g (engine %.6g, difference quotient %.6g, scale %.3g)",
			 c->name, p[k].name, th, e, c->tol, we, wf, scale);
		worst = fmax(worst, e);
	}
	opr_train_free(t);
	return worst;
}

/* The picks: the input (unless input_coords < 0) and every trainable tensor. */
static int make_picks(const struct tc_case *c, struct tref *r, struct pick *p,
		      unsigned *seed)
{
	struct opr_graph *g = c->g;
	struct opr_train *t = NULL;
	struct opr_err err;
	int np = 0, k, nt, i;

	if (c->input_coords >= 0) {
		p[np].value = g->inputs[0];
		p[np].name = g->values[g->inputs[0]].name;
		tref_val(r, p[np].value, &p[np].numel);
		p[np].first = 0;
		pick_coords(&p[np++], c->input_coords, seed);
	}
	if (opr_train_new(g, c->n, 1, 0, &t, &err)) {
		TC_CHECK(0, "%s: opr_train_new: %s", c->name, err.msg);
		return np;
	}
	for (k = 0, nt = 0; k < opr_train_n_tensors(t); k++)
		nt += opr_train_tensor(t, k)->trainable;
	for (k = 0, i = 0; k < opr_train_n_tensors(t); k++) {
		const struct opr_train_tensor *ts = opr_train_tensor(t, k);

		if (!ts->trainable)
			continue;
		i++;	/* keep the i-th of nt when it lands in a new slot */
		if (c->max_tensors > 0 && nt > c->max_tensors &&
		    (int64_t)i * c->max_tensors / nt ==
		    (int64_t)(i - 1) * c->max_tensors / nt)
			continue;
		p[np].value = ts->value;
		p[np].name = ts->name;
		p[np].first = tref_first_reader(r, ts->value);
		tref_val(r, ts->value, &p[np].numel);
		pick_coords(&p[np++], c->max_coords, seed);
	}
	opr_train_free(t);
	return np;
}

double tc_run(const struct tc_case *c)
{
	struct opr_graph *g = c->g;
	struct tref *r = tref_new(g, c->n, !c->bn_frozen);
	unsigned seed = c->seed ? c->seed : 1;
	struct pick *p;
	double worst = 0, *xr;
	float *w = NULL;
	int64_t m, i;
	int np, k;

	TC_CHECK(r != NULL, "%s: no reference", c->name);
	if (!r)
		return INFINITY;
	xr = tref_val(r, g->inputs[0], &m);
	for (i = 0; i < m; i++)
		xr[i] = c->x[i];
	tref_run(r, 0);
	tref_val(r, g->outputs[0], &m);
	w = TC_NEED(malloc((size_t)(m + 1) * sizeof(float)), "out of memory");
	for (i = 0; i < m; i++)
		w[i] = tc_rand(&seed);
	p = TC_NEED(calloc((size_t)g->n_inits + 2, sizeof(*p)), "out of memory");
	np = make_picks(c, r, p, &seed);
	finite_diffs(r, g, c, w, p, np);
	for (k = 0; k < 2; k++)
		if (c->threads[k] > 0)
			worst = fmax(worst, check_engine(c, r, w, p, np, c->threads[k]));
	printf("%-20s max relative error %.2e\n", c->name, worst);
	for (k = 0; k < np; k++) {
		free(p[k].idx);
		free(p[k].fd);
	}
	free(p);
	free(w);
	tref_free(r);
	return worst;
}

/* ---- per-op summary ---- */

static struct {
	char op[32];
	double err;
	int n;
} notes[64];
static int n_notes;

void tc_note(const char *op, double err)
{
	int i;

	for (i = 0; i < n_notes; i++)
		if (!strcmp(notes[i].op, op))
			break;
	if (i == n_notes) {
		if (n_notes == 64)
			return;
		snprintf(notes[n_notes++].op, sizeof(notes[0].op), "%s", op);
	}
	notes[i].err = fmax(notes[i].err, err);
	notes[i].n++;
}

void tc_print_notes(void)
{
	int i;

	printf("\nsummary: cases, max relative error over all checked "
	       "gradients\n");
	for (i = 0; i < n_notes; i++)
		printf("  %-20s %2d  %.2e\n", notes[i].op, notes[i].n, notes[i].err);
}
