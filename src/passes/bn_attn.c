/*
 * bn_attn.c - the bn_attn pass (methods.md 1; Lu, Xia, Yuan 2019):
 * filters scored by an attention over their layer's weight norms times
 * the |gamma| of the BatchNormalization that follows (opr_bn_attn_scores(),
 * see soft_prune.h), pruned while training by the shared loop
 * (soft_prune.c) or, without data, in one shot (prune_pass.c).
 */
#include <math.h>
#include <stdlib.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/soft_prune.h"
#include "train/finetune.h"

/* Layer scores, computed once per (node, role). */
struct attn {
	double t;		/* temperature */
	double **s;		/* per 2 * node + is_out: the node's s_i */
	int64_t *n;		/* entries of each */
};

/*
 * |scale| of the BatchNormalization reading output 0 of node, when it
 * has one float entry per channel (n); NULL otherwise.
 */
static const float *bn_gamma(const struct opr_graph *g, int node, int64_t n)
{
	int y = g->nodes[node].n_out > 0 ? g->nodes[node].out[0] : -1, i;

	for (i = 0; y >= 0 && i < g->n_nodes; i++) {
		const struct opr_node *b = &g->nodes[i];
		const struct opr_value *sc;

		if (b->dead || b->op != OPR_OP_BATCHNORM || b->n_in < 2 ||
		    b->in[0] != y || b->in[1] < 0)
			continue;
		sc = &g->values[b->in[1]];
		if (sc->dtype == OPR_DT_FLOAT && sc->rank == 1 && sc->data &&
		    sc->dims[0] == n && sc->nbytes == (size_t)n * sizeof(float))
			return sc->data;
	}
	return NULL;
}

/* Turns the norms x[0..n) of a layer into its s_i (soft_prune.h). */
static void layer_scores(double *x, int64_t n, const float *gamma, double t)
{
	double mean = 0, top = -INFINITY, sum = 0;
	int64_t i;

	for (i = 0; i < n; i++)
		mean += x[i] / (double)n;
	for (i = 0; i < n; i++) {
		x[i] = mean > 0 && isfinite(mean) ? x[i] / mean / t : 0;
		if (x[i] > top)
			top = x[i];
	}
	for (i = 0; i < n; i++)		/* softmax, shifted by the max */
		sum += (x[i] = exp(x[i] - top));
	for (mean = 0, i = 0; i < n; i++) {
		x[i] = x[i] / sum * (gamma ? fabs((double)gamma[i]) : 1.0);
		mean += x[i] / (double)n;
	}
	for (i = 0; i < n; i++)
		x[i] = mean > 0 && isfinite(mean) ? x[i] / mean : 0;
}

/* opr_crit_row_fn: s_i of member m, computing its layer's on first use. */
static int attn_row(void *ctx, const struct opr_graph *g,
		    const struct opr_deps_member *m, double *out,
		    struct opr_err *err)
{
	struct attn *a = ctx;
	int slot = 2 * m->node + (m->role == OPR_ROLE_OUT), rc;

	if (!a->s[slot]) {
		if ((rc = opr_crit_node_norms(g, m->node, m->role, 2, &a->s[slot],
					      &a->n[slot], err)))
			return rc;
		layer_scores(a->s[slot], a->n[slot], m->role == OPR_ROLE_OUT ?
			     bn_gamma(g, m->node, a->n[slot]) : NULL, a->t);
	}
	*out = m->index >= 0 && m->index < a->n[slot] ? a->s[slot][m->index] : 0;
	return OPR_OK;
}

int opr_bn_attn_scores(const struct opr_graph *g, const struct opr_deps *d,
		       double t, double *score, struct opr_err *err)
{
	struct attn a;
	int i, rc;

	a.t = t;
	a.s = calloc(2 * (size_t)g->n_nodes + 1, sizeof(*a.s));
	a.n = calloc(2 * (size_t)g->n_nodes + 1, sizeof(*a.n));
	if (!a.s || !a.n)
		rc = opr_errf(err, OPR_ENOMEM, "out of memory scoring channels");
	else
		rc = opr_crit_row_scores(g, d, attn_row, &a, 1, score, err);
	for (i = 0; a.s && i < 2 * g->n_nodes; i++)
		free(a.s[i]);
	free(a.s);
	free(a.n);
	return rc;
}

/* opr_prune_score_fn: ctx points at the temperature. */
static int attn_score(void *ctx, const struct opr_graph *g,
		      const struct opr_deps *d, double *score,
		      struct opr_err *err)
{
	return opr_bn_attn_scores(g, d, *(const double *)ctx, score, err);
}

int opr_pass_bn_attn(struct opr_graph *g, const struct opr_pass_opts *o,
		     struct opr_err *err)
{
	struct opr_sp_method m = { "bn_attn", attn_score, NULL, 0, 0,
				   "attn_t", 0, OPR_SOFT_SCALE,
				   OPR_BN_ATTN_FREEZE_AT };
	double t = o->attn_t > 0 ? o->attn_t : 1.0;

	if (!isfinite(o->attn_t) || !isfinite(o->gamma_l1))
		return opr_errf(err, OPR_EUSAGE, "bn_attn: --attn-t and "
				"--gamma-l1 must be finite numbers");
	if (o->prune_every < 0)
		return opr_errf(err, OPR_EUSAGE, "bn_attn: --prune-every %ld: "
				"want N >= 0 (0: once per epoch)",
				o->prune_every);
	m.ctx = &t;
	m.param = t;
	if (!o->train || !o->ft || o->ft->epochs < 1)
		return opr_prune_by_score(g, o, "bn_attn", attn_score, &t, err);
	m.every = o->prune_every;
	m.gamma_l1 = o->gamma_l1 < 0 ? 1e-4 : o->gamma_l1;
	return opr_soft_prune(g, o, &m, err);
}
