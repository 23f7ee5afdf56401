/*
 * criteria.c - the per-class scores of l1, l2, bn_scale, fpgm and random,
 * and their per-group normalisation (see criteria.h for the rules).  The
 * weight layouts and the FPGM distances live in criteria_vec.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"

/* FPGM distance sums, computed once per (node, role). */
struct fpgm_cache {
	double **dist;		/* per node and role (2 * node + is_out) */
	int64_t *n;		/* entries of each */
};

/* 1 when key k is a BatchNormalization's scale (input 1). */
static int is_bn_scale(const struct opr_graph *g, const struct opr_deps_key *k)
{
	return k->role == OPR_ROLE_PARAM && k->node >= 0 && k->port == 1 &&
	       g->nodes[k->node].op == OPR_OP_BATCHNORM;
}

/*
 * 1 when role (of a member or key) on node is a weight row or column of a
 * producer: OPR_ROLE_OUT or IN of a Conv, ConvTranspose, Gemm or MatMul.
 */
static int is_row(const struct opr_graph *g, int node, int role)
{
	enum opr_op op;

	if ((role != OPR_ROLE_OUT && role != OPR_ROLE_IN) || node < 0)
		return 0;
	op = g->nodes[node].op;
	return op == OPR_OP_CONV || op == OPR_OP_CONVTRANSPOSE ||
	       op == OPR_OP_GEMM || op == OPR_OP_MATMUL;
}

/*
 * What group gi is scored from by the weight criteria (see "Rules" in
 * criteria.h): OPR_ROLE_OUT when it has producer rows, else OPR_ROLE_IN
 * when it has consumer columns, else -1.
 */
static int row_role(const struct opr_graph *g, const struct opr_deps *d,
		    int gi)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int i, in = 0;

	for (i = 0; i < gr->n_keys; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];

		if (!is_row(g, k->node, k->role))
			continue;
		if (k->role == OPR_ROLE_OUT)
			return OPR_ROLE_OUT;
		in = 1;
	}
	return in ? OPR_ROLE_IN : -1;
}

/* 1 when group gi has a BatchNormalization scale (bn_scale reads it). */
static int has_bn_scale(const struct opr_graph *g, const struct opr_deps *d,
			int gi)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int i;

	for (i = 0; i < gr->n_keys; i++)
		if (is_bn_scale(g, &d->keys[gr->first_key + i]))
			return 1;
	return 0;
}

/* splitmix64: the random criterion's generator. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* |gamma[m->index]| of a BN scale member; OPR_OK or an error. */
static int bn_value(const struct opr_graph *g, const struct opr_deps_member *m,
		    double *out, struct opr_err *err)
{
	const struct opr_value *v = &g->values[m->value];
	char buf[300];

	if (v->dtype != OPR_DT_FLOAT || v->rank != 1 || !v->data ||
	    m->index < 0 || m->index >= v->dims[0] ||
	    v->nbytes != (size_t)v->dims[0] * sizeof(float))
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: bn_scale needs a "
				"float32 scale of one entry per channel",
				opr_node_desc(g, m->node, buf, sizeof(buf)));
	*out = fabs((double)((const float *)v->data)[m->index]);
	return OPR_OK;
}

/* The FPGM distance of member m (computing its node's on first use). */
static int fpgm_value(const struct opr_graph *g, const struct opr_deps_member *m,
		      struct fpgm_cache *fc, double *out, struct opr_err *err)
{
	int slot = 2 * m->node + (m->role == OPR_ROLE_OUT), rc;

	if (!fc->dist[slot] &&
	    (rc = opr_crit_fpgm_node(g, m->node, m->role, &fc->dist[slot],
				     &fc->n[slot], err)))
		return rc;
	*out = m->index >= 0 && m->index < fc->n[slot] ?
	       fc->dist[slot][m->index] : 0;
	return OPR_OK;
}

/* What weight_row() reads: the criterion (l1, l2, fpgm) and the cache. */
struct weight_ctx {
	int crit;
	struct fpgm_cache *fc;
};

/* opr_crit_row_fn of the weight criteria: the row's norm or distance. */
static int weight_row(void *ctx, const struct opr_graph *g,
		      const struct opr_deps_member *m, double *out,
		      struct opr_err *err)
{
	const struct weight_ctx *w = ctx;
	struct opr_crit_vec v;
	int rc;

	if (w->crit == OPR_CRIT_FPGM)
		return fpgm_value(g, m, w->fc, out, err);
	if ((rc = opr_crit_member_vec(g, m, &v, err)))
		return rc;
	*out = opr_crit_vec_norm(&v, w->crit == OPR_CRIT_L2 ? 2 : 1);
	return OPR_OK;
}

/*
 * Scores the classes of group gi from the rows of role (-1: none, every
 * class 1): fn summed (mean: averaged) over the members of that role.
 */
static int row_group(const struct opr_graph *g, const struct opr_deps *d,
		     int gi, int role, opr_crit_row_fn fn, void *ctx, int mean,
		     double *score, struct opr_err *err)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int c, i, n, rc;
	double x;

	for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		score[c] = role < 0 ? 1 : 0;
		for (i = n = 0; role >= 0 && i < cl->n; i++) {
			const struct opr_deps_member *m = &d->members[cl->first + i];

			if (m->role != role || !is_row(g, m->node, m->role))
				continue;	/* padded channels, BN, ...: 0 */
			if ((rc = fn(ctx, g, m, &x, err)))
				return rc;
			score[c] += x;
			n++;
		}
		if (mean && n > 0)
			score[c] /= n;
		if (!isfinite(score[c]))
			score[c] = 0;
	}
	return OPR_OK;
}

/* Scores the classes of group gi under crit. */
static int score_group(const struct opr_graph *g, const struct opr_deps *d,
		       int gi, int crit, uint64_t seed, struct fpgm_cache *fc,
		       double *score, struct opr_err *err)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	struct weight_ctx w = { crit == OPR_CRIT_BN_SCALE ? OPR_CRIT_L1 : crit,
				fc };
	int c, i, rc;
	double x;

	if (crit != OPR_CRIT_RANDOM &&
	    !(crit == OPR_CRIT_BN_SCALE && has_bn_scale(g, d, gi)))
		return row_group(g, d, gi, row_role(g, d, gi), weight_row, &w, 0,
				 score, err);
	for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		score[c] = 0;
		if (crit == OPR_CRIT_RANDOM) {
			score[c] = (double)(mix64(seed ^ mix64((uint64_t)c)) >> 11) *
				   (1.0 / 9007199254740992.0);
			continue;
		}
		for (i = 0; i < cl->n; i++) {
			const struct opr_deps_member *m = &d->members[cl->first + i];

			if (!is_bn_scale(g, &(struct opr_deps_key){ m->node,
					 m->role, m->dir, m->port }))
				continue;
			if ((rc = bn_value(g, m, &x, err)))
				return rc;
			score[c] += x;
		}
		if (!isfinite(score[c]))
			score[c] = 0;
	}
	return OPR_OK;
}

int opr_crit_row_scores(const struct opr_graph *g, const struct opr_deps *d,
			opr_crit_row_fn fn, void *ctx, int mean, double *score,
			struct opr_err *err)
{
	int i, rc;

	for (i = 0; i < d->n_classes; i++)
		score[i] = 0;
	for (i = 0; i < d->n_groups; i++)
		if (!d->groups[i].frozen &&
		    (rc = row_group(g, d, i, row_role(g, d, i), fn, ctx, mean,
				    score, err)))
			return rc;
	return OPR_OK;
}

int opr_crit_scores(const struct opr_graph *g, const struct opr_deps *d,
		    int crit, uint64_t seed, double *score,
		    struct opr_err *err)
{
	struct fpgm_cache fc;
	int i, rc = OPR_OK;

	if (crit < 0 || crit >= OPR_CRIT_COUNT)
		return opr_errf(err, OPR_EINVAL, "unknown criterion %d", crit);
	fc.dist = calloc(2 * (size_t)g->n_nodes + 1, sizeof(*fc.dist));
	fc.n = calloc(2 * (size_t)g->n_nodes + 1, sizeof(*fc.n));
	if (!fc.dist || !fc.n) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory scoring channels");
		goto out;
	}
	for (i = 0; i < d->n_classes; i++)
		score[i] = 0;
	for (i = 0; i < d->n_groups && rc == OPR_OK; i++)
		if (!d->groups[i].frozen)
			rc = score_group(g, d, i, crit, seed, &fc, score, err);
out:
	for (i = 0; fc.dist && i < 2 * g->n_nodes; i++)
		free(fc.dist[i]);
	free(fc.dist);
	free(fc.n);
	return rc;
}

void opr_crit_normalize(const struct opr_deps *d, double *score)
{
	int i, c;

	for (i = 0; i < d->n_groups; i++) {
		const struct opr_deps_group *gr = &d->groups[i];
		double sum = 0, mean;

		for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
			sum += score[c];
		mean = gr->n_classes > 0 ? sum / gr->n_classes : 0;
		for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
			score[c] = mean > 0 && isfinite(mean) ? score[c] / mean : 0;
	}
}
