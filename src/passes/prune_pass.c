/*
 * prune_pass.c - the criteria passes l1, l2, bn_scale, fpgm and random
 * (see prune_pass.h): analyse -> score -> select -> check -> remove, and
 * the report entry.
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
	struct opr_model_stats before, after;
	struct opr_select_result res;
	struct timespec t0;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* OPR_OK when o holds exactly one valid budget. */
static int check_budget(const struct opr_pass_opts *o, const char *name,
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

/*
 * r->skip: the groups with a member on a node --exclude names.  A name
 * that names no node is OPR_EUSAGE.
 */
static int exclude_groups(const struct opr_graph *g, const struct opr_pass_opts *o,
			  struct run *r, struct opr_err *err)
{
	const struct opr_deps *d = r->d;
	unsigned char *node_ex;
	int i, k, found, rc = OPR_OK;

	r->skip = calloc((size_t)d->n_groups + 1, 1);
	node_ex = calloc((size_t)g->n_nodes + 1, 1);
	if (!r->skip || !node_ex) {
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

		for (k = 0; k < gr->n_keys && !r->skip[i]; k++) {
			int nd = d->keys[gr->first_key + k].node;

			r->skip[i] = nd >= 0 && node_ex[nd];
		}
	}
	free(node_ex);
	return rc;
}

/* Analysis, scores and selection of one run (g unchanged). */
static int plan(const struct opr_graph *g, const struct opr_pass_opts *o,
		int crit, struct run *r, struct opr_err *err)
{
	struct opr_select_opts so;
	int rc;

	if ((rc = opr_deps_analyze(g, &r->d, err)) ||
	    (rc = exclude_groups(g, o, r, err)))
		return rc;
	r->score = malloc(((size_t)r->d->n_classes + 1) * sizeof(double));
	r->remove = calloc((size_t)r->d->n_classes + 1, 1);
	if (!r->score || !r->remove)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	if ((rc = opr_crit_scores(g, r->d, crit, o->seed, r->score, err)))
		return rc;
	opr_crit_normalize(r->d, r->score);
	memset(&so, 0, sizeof(so));
	so.ratio = o->ratio;
	so.target = o->target_flops > 0 ? o->target_flops : 0;
	so.base_macs = o->base_macs;
	so.tol = 0.005;
	so.round_to = o->round_to;
	so.skip = r->skip;
	if ((rc = opr_select(g, r->d, r->score, &so, r->remove, &r->res, err)))
		return rc;
	if ((rc = opr_prune_check(r->d, r->remove, err))) {
		char msg[OPR_ERR_MSG];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return opr_errf(err, OPR_EINTERNAL, "the selection is not valid: "
				"%s", msg);
	}
	return OPR_OK;
}

/* The report entry of a run, before the surgery (d describes g). */
static int report_plan(const struct opr_graph *g, const struct opr_pass_opts *o,
		       const char *name, struct run *r,
		       struct opr_report_pass **out, struct opr_err *err)
{
	struct opr_report_pass *p;

	*out = NULL;
	if (!o->report)
		return OPR_OK;
	if (!(p = opr_report_add_pass(o->report, name)))
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	p->ratio = o->ratio >= 0 ? o->ratio : -1;
	p->target_flops = o->target_flops > 0 ? o->target_flops : -1;
	p->round_to = o->round_to;
	p->macs_goal = r->res.macs_goal;
	p->within_tol = r->res.within_tol;
	*out = p;
	return opr_report_groups(p, g, r->d, r->remove, r->skip, err);
}

int opr_prune_by_criterion(struct opr_graph *g, const struct opr_pass_opts *o,
			   int crit, struct opr_err *err)
{
	const char *name = opr_crit_name(crit);
	struct opr_report_pass *p = NULL;
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	if (!name)
		return opr_errf(err, OPR_EINVAL, "unknown criterion %d", crit);
	if ((rc = check_budget(o, name, err)) ||
	    (rc = opr_model_stats(g, &r.before, err)) ||
	    (rc = plan(g, o, crit, &r, err)) ||
	    (rc = report_plan(g, o, name, &r, &p, err)))
		goto out;
	if (r.res.classes_removed > 0 &&
	    (rc = opr_prune_remove(g, r.d, r.remove, err)))
		goto out;
	if ((rc = opr_model_stats(g, &r.after, err)))
		goto out;
	if (r.after.macs != r.res.macs_after) {
		rc = opr_errf(err, OPR_EINTERNAL, "the pruned graph has %lld MACs, "
			      "the selection predicted %lld", (long long)r.after.macs,
			      (long long)r.res.macs_after);
		goto out;
	}
	if (p) {
		p->macs_before = r.before.macs;
		p->macs_after = r.after.macs;
		p->params_before = r.before.params;
		p->params_after = r.after.params;
		p->seconds = elapsed(&r.t0);
	}
	if (o->verbose)
		fprintf(stderr, "onnx-prune: %s: %d channels of %d groups removed, "
			"MACs %lld -> %lld (%.4f), %.3f s\n", name,
			r.res.classes_removed, r.res.groups_pruned,
			(long long)r.before.macs, (long long)r.after.macs,
			r.before.macs > 0 ? (double)r.after.macs / (double)r.before.macs
					  : 1.0, elapsed(&r.t0));
out:
	opr_deps_free(r.d);
	free(r.score);
	free(r.remove);
	free(r.skip);
	opr_stats_free(&r.before);
	opr_stats_free(&r.after);
	return rc;
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
