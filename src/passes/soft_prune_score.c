/*
 * soft_prune_score.c - class scores of the soft-pruning methods from the
 * values of their weight rows (see soft_prune.h): which rows count for a
 * class, and how their values combine.
 */
#include <math.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/soft_prune.h"

/* Scores the classes of group gi. */
static int score_group(const struct opr_graph *g, const struct opr_deps *d,
		       int gi, opr_sp_row_fn fn, void *ctx, int mean,
		       double *score, struct opr_err *err)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int role = opr_crit_row_role(g, d, gi), c, i, n, rc;
	double x;

	for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		score[c] = role < 0 ? 1 : 0;
		for (i = n = 0; role >= 0 && i < cl->n; i++) {
			const struct opr_deps_member *m = &d->members[cl->first + i];

			if (m->role != role || !opr_crit_is_row(g, m->node, m->role))
				continue;
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

int opr_sp_class_scores(const struct opr_graph *g, const struct opr_deps *d,
			opr_sp_row_fn fn, void *ctx, int mean, double *score,
			struct opr_err *err)
{
	int i, rc;

	for (i = 0; i < d->n_classes; i++)
		score[i] = 0;
	for (i = 0; i < d->n_groups; i++)
		if (!d->groups[i].frozen &&
		    (rc = score_group(g, d, i, fn, ctx, mean, score, err)))
			return rc;
	return OPR_OK;
}
