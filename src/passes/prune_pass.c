/*
 * prune_pass.c - the criteria passes l1, l2, bn_scale, fpgm and random
 * (see prune_pass.h): analyse -> score -> select -> check -> remove, and
 * the report entry; the steps are public so that the soft-pruning passes
 * (soft_prune.c) select, check and report the same way.
 *
 * The selection predicts the MACs of the pruned graph exactly
 * (select_macs.c); the pass checks the prediction against the graph it
 * leaves, so that a disagreement with the surgery shows up as an error,
 * not as a silently missed budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/prune_pass.h"
#include "passes/report.h"
#include "passes/select.h"
#include "passes/surgery.h"

/* Everything one run allocates. */
struct run {
	struct opr_deps *d;
	double *score;
	unsigned char *remove;
	unsigned char *skip;	/* per group: excluded */
	struct opr_model_stats before;
	struct opr_select_result res;
	struct timespec t0;
};

double opr_prune_elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

int opr_prune_check_budget(const struct opr_pass_opts *o, const char *name,
			   struct opr_err *err)
{
	int has_ratio = o->ratio >= 0, has_target = o->target_flops > 0;

	if (has_ratio == has_target)
		return opr_errf(err, OPR_EUSAGE, "pass '%s' needs exactly one of "
				"--ratio R and --target-flops F", name);
	if (has_ratio && !(o->ratio < 1))
		return opr_errf(err, OPR_EUSAGE, "--ratio %g: want 0 <= R < 1",
				o->ratio);
	if (has_target && !(o->target_flops <= 1))
		return opr_errf(err, OPR_EUSAGE, "--target-flops %g: want "
				"0 < F <= 1", o->target_flops);
	if (o->round_to < 0)
		return opr_errf(err, OPR_EUSAGE, "--round-to %d: want N >= 1",
				o->round_to);
	return OPR_OK;
}

int opr_prune_skip_groups(const struct opr_graph *g,
			  const struct opr_pass_opts *o,
			  const struct opr_deps *d, unsigned char **skip,
			  struct opr_err *err)
{
	unsigned char *node_ex, *sk;
	int i, k, found, rc = OPR_OK;

	*skip = sk = calloc((size_t)d->n_groups + 1, 1);
	node_ex = calloc((size_t)g->n_nodes + 1, 1);
	if (!sk || !node_ex) {
		free(node_ex);
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	}
	for (k = 0; k < o->n_exclude && rc == OPR_OK; k++) {
		for (i = found = 0; i < g->n_nodes; i++)
			if (!g->nodes[i].dead &&
			    strcmp(g->nodes[i].name, o->exclude[k]) == 0)
				node_ex[i] = (unsigned char)(found = 1);
		if (!found)
			rc = opr_errf(err, OPR_EUSAGE, "--exclude: no node named "
				      "'%s' in the model", o->exclude[k]);
	}
	for (i = 0; i < d->n_groups && rc == OPR_OK; i++) {
		const struct opr_deps_group *gr = &d->groups[i];

		for (k = 0; k < gr->n_keys && !sk[i]; k++) {
			int nd = d->keys[gr->first_key + k].node;

			sk[i] = nd >= 0 && node_ex[nd];
		}
	}
	free(node_ex);
	return rc;
}

int opr_prune_select(const struct opr_graph *g, const struct opr_deps *d,
		     const struct opr_pass_opts *o, const unsigned char *skip,
		     double *score, unsigned char *remove,
		     struct opr_select_result *res, struct opr_err *err)
{
	struct opr_select_opts so;
	char msg[OPR_ERR_MSG];
	int rc;

	opr_crit_normalize(d, score);
	memset(&so, 0, sizeof(so));
	so.ratio = o->ratio;
	so.target = o->target_flops > 0 ? o->target_flops : 0;
	so.base_macs = o->base_macs;
	so.tol = 0.005;
	so.round_to = o->round_to;
	so.skip = skip;
	so.max_ratio = o->max_group_ratio;
	so.mac_aware = o->mac_aware;
	if ((rc = opr_select(g, d, score, &so, remove, res, err)))
		return rc;
	if (!(rc = opr_prune_check(d, remove, err)))
		return OPR_OK;
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	return opr_errf(err, OPR_EINTERNAL, "the selection is not valid: %s",
			msg);
}

int opr_prune_report_entry(const struct opr_graph *g,
			   const struct opr_pass_opts *o, const char *name,
			   const struct opr_deps *d,
			   const unsigned char *remove,
			   const unsigned char *skip,
			   const struct opr_select_result *res,
			   struct opr_report_pass **out, struct opr_err *err)
{
	struct opr_report_pass *p;
	int rc;

	*out = NULL;
	if (!o->report)
		return OPR_OK;
	if (!(p = opr_report_add_pass(o->report, name)))
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	p->ratio = o->ratio >= 0 ? o->ratio : -1;
	p->target_flops = o->target_flops > 0 ? o->target_flops : -1;
	p->round_to = o->round_to;
	p->macs_goal = res->macs_goal;
	p->within_tol = res->within_tol;
	*out = p;
	if (o->max_group_ratio > 0 && o->max_group_ratio < 1 &&
	    (rc = opr_report_set(p, "max_group_ratio", o->max_group_ratio,
				 err)))
		return rc;
	if (o->mac_aware && o->target_flops > 0 &&
	    (rc = opr_report_set(p, "mac_aware", 1, err)))
		return rc;
	return opr_report_groups(p, g, d, remove, skip, err);
}

int opr_prune_finish(const struct opr_graph *g, const struct opr_pass_opts *o,
		     const char *name, const struct opr_model_stats *before,
		     const struct opr_select_result *res,
		     struct opr_report_pass *p, const struct timespec *t0,
		     struct opr_err *err)
{
	struct opr_model_stats after;
	int rc;

	memset(&after, 0, sizeof(after));
	if ((rc = opr_model_stats(g, &after, err)))
		return rc;
	if (after.macs != res->macs_after) {
		rc = opr_errf(err, OPR_EINTERNAL, "the pruned graph has %lld MACs, "
			      "the selection predicted %lld", (long long)after.macs,
			      (long long)res->macs_after);
		goto out;
	}
	if (p) {
		p->macs_before = before->macs;
		p->macs_after = after.macs;
		p->params_before = before->params;
		p->params_after = after.params;
		p->seconds = opr_prune_elapsed(t0);
	}
	if (o->verbose)
		fprintf(stderr, "onnx-prune: %s: %d channels of %d groups removed, "
			"MACs %lld -> %lld (%.4f), %.3f s\n", name,
			res->classes_removed, res->groups_pruned,
			(long long)before->macs, (long long)after.macs,
			before->macs > 0 ? (double)after.macs / (double)before->macs
					 : 1.0, opr_prune_elapsed(t0));
out:
	opr_stats_free(&after);
	return rc;
}

/* Analysis, scores and selection of one run (g unchanged). */
static int plan(const struct opr_graph *g, const struct opr_pass_opts *o,
		opr_prune_score_fn fn, void *ctx, struct run *r,
		struct opr_err *err)
{
	int rc;

	if ((rc = opr_deps_analyze(g, &r->d, err)) ||
	    (rc = opr_prune_skip_groups(g, o, r->d, &r->skip, err)))
		return rc;
	r->score = malloc(((size_t)r->d->n_classes + 1) * sizeof(double));
	r->remove = calloc((size_t)r->d->n_classes + 1, 1);
	if (!r->score || !r->remove)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	if ((rc = fn(ctx, g, r->d, r->score, err)))
		return rc;
	return opr_prune_select(g, r->d, o, r->skip, r->score, r->remove,
				&r->res, err);
}

int opr_prune_by_score(struct opr_graph *g, const struct opr_pass_opts *o,
		       const char *name, opr_prune_score_fn fn, void *ctx,
		       struct opr_err *err)
{
	struct opr_report_pass *p = NULL;
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	if ((rc = opr_prune_check_budget(o, name, err)) ||
	    (rc = opr_model_stats(g, &r.before, err)) ||
	    (rc = plan(g, o, fn, ctx, &r, err)) ||
	    (rc = opr_prune_report_entry(g, o, name, r.d, r.remove, r.skip,
					 &r.res, &p, err)))
		goto out;
	if (r.res.classes_removed > 0 &&
	    (rc = opr_prune_remove(g, r.d, r.remove, err)))
		goto out;
	rc = opr_prune_finish(g, o, name, &r.before, &r.res, p, &r.t0, err);
out:
	opr_deps_free(r.d);
	free(r.score);
	free(r.remove);
	free(r.skip);
	opr_stats_free(&r.before);
	return rc;
}

/* The criteria's scorer: ctx points at the enum opr_crit and the seed. */
struct crit_ctx {
	int crit;
	uint64_t seed;
};

static int crit_score(void *ctx, const struct opr_graph *g,
		      const struct opr_deps *d, double *score,
		      struct opr_err *err)
{
	const struct crit_ctx *c = ctx;

	return opr_crit_scores(g, d, c->crit, c->seed, score, err);
}

int opr_prune_by_criterion(struct opr_graph *g, const struct opr_pass_opts *o,
			   int crit, struct opr_err *err)
{
	struct crit_ctx c = { crit, o->seed };
	const char *name = opr_crit_name(crit);

	if (!name)
		return opr_errf(err, OPR_EINVAL, "unknown criterion %d", crit);
	return opr_prune_by_score(g, o, name, crit_score, &c, err);
}

int opr_pass_l1(struct opr_graph *g, const struct opr_pass_opts *opts,
		struct opr_err *err)
{
	return opr_prune_by_criterion(g, opts, OPR_CRIT_L1, err);
}

int opr_pass_l2(struct opr_graph *g, const struct opr_pass_opts *opts,
		struct opr_err *err)
{
	return opr_prune_by_criterion(g, opts, OPR_CRIT_L2, err);
}

int opr_pass_bn_scale(struct opr_graph *g, const struct opr_pass_opts *opts,
		      struct opr_err *err)
{
	return opr_prune_by_criterion(g, opts, OPR_CRIT_BN_SCALE, err);
}

int opr_pass_fpgm(struct opr_graph *g, const struct opr_pass_opts *opts,
		  struct opr_err *err)
{
	return opr_prune_by_criterion(g, opts, OPR_CRIT_FPGM, err);
}

int opr_pass_random(struct opr_graph *g, const struct opr_pass_opts *opts,
		    struct opr_err *err)
{
	return opr_prune_by_criterion(g, opts, OPR_CRIT_RANDOM, err);
}
