/*
 * sfp.c - the sfp pass (methods.md 2; He et al., Soft Filter Pruning,
 * IJCAI 2018): at the start and after every epoch, classes scored by the
 * Lp norm of their filters (opr_sfp_scores(), see soft_prune.h) are
 * selected under the budget and zeroed with soft masks; the last
 * selection is removed at the end (the shared loop, soft_prune.c).  With
 * --ratio every group loses the same share, as in the paper.
 */
#include <math.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/soft_prune.h"
#include "train/finetune.h"

/* opr_crit_row_fn: ||row||_p^p; ctx points at p. */
static int sfp_row(void *ctx, const struct opr_graph *g,
		   const struct opr_deps_member *m, double *out,
		   struct opr_err *err)
{
	double p = *(const double *)ctx;
	struct opr_crit_vec v;
	int rc;

	if ((rc = opr_crit_member_vec(g, m, &v, err)))
		return rc;
	*out = pow(opr_crit_vec_norm(&v, p), p);
	return OPR_OK;
}

int opr_sfp_scores(const struct opr_graph *g, const struct opr_deps *d,
		   double p, double *score, struct opr_err *err)
{
	int c, rc;

	if ((rc = opr_crit_row_scores(g, d, sfp_row, &p, 0, score, err)))
		return rc;
	for (c = 0; c < d->n_classes; c++)
		score[c] = pow(score[c], 1.0 / p);
	return OPR_OK;
}

/* opr_prune_score_fn: ctx points at p. */
static int sfp_score(void *ctx, const struct opr_graph *g,
		     const struct opr_deps *d, double *score,
		     struct opr_err *err)
{
	return opr_sfp_scores(g, d, *(const double *)ctx, score, err);
}

int opr_pass_sfp(struct opr_graph *g, const struct opr_pass_opts *o,
		 struct opr_err *err)
{
	struct opr_sp_method m = { "sfp", sfp_score, NULL, 0, 0, "norm_p", 0,
				   OPR_SOFT_WEIGHTS, OPR_SP_FREEZE_AT };
	double p = o->norm_p > 0 ? o->norm_p : 2.0;

	if (!o->train || !o->ft || o->ft->epochs < 1)
		return opr_errf(err, OPR_EUSAGE, "pass 'sfp' prunes while "
				"training: it needs --data and --epochs N "
				"(N >= 1)");
	if (!isfinite(o->norm_p))
		return opr_errf(err, OPR_EUSAGE, "sfp: --norm-p must be a "
				"finite number");
	m.ctx = &p;
	m.param = p;
	return opr_soft_prune(g, o, &m, err);
}
