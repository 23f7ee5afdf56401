/*
 * fc3sigma_report.c - the registered pass "fc3sigma" (opr_pass_fc3sigma)
 * and what it reports: the table printed by opr_fc3sigma_print() and the
 * --report entry (report.h).
 *
 * The report entry holds the usual totals (MACs and params before and
 * after, seconds, the channel groups of the structural step) and these
 * named values:
 *   k, variant (0 band, 1 sensitivity)
 *   fc_weights_before, fc_weights_zeroed, fc_sparsity (zeroed / before)
 *   fc_weights_after, fc_nonzero_after
 *   nonzero_params_after (params_after counts every stored weight)
 *   classes_removed, classes_unused, classes_constant, folded, unfolded
 *   rows_removed, cols_removed (over all FC layers)
 * and per FC layer NODE: NODE.zeroed, NODE.sparsity, NODE.rows_removed,
 * NODE.cols_removed, NODE.params_before, NODE.params_after,
 * NODE.nonzero_after.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "passes/fc3sigma.h"
#include "passes/passes.h"
#include "passes/report.h"

/* a / b, 0 when b is 0. */
static double ratio(int64_t a, int64_t b)
{
	return b > 0 ? (double)a / (double)b : 0;
}

void opr_fc3sigma_print(FILE *f, const struct opr_fc3sigma_result *r)
{
	int i;

	fprintf(f, "fc3sigma: variant %s, k %g\n", opr_fc_variant_name(r->variant),
		r->k);
	fprintf(f, "  %-32s %-6s %10s %10s %8s %5s %5s %10s %10s %10s\n",
		"layer", "op", "weights", "zeroed", "sparsity", "rows-", "cols-",
		"params", "after", "nonzero");
	for (i = 0; i < r->n_layers; i++) {
		const struct opr_fc_layer *l = &r->layers[i];

		fprintf(f, "  %-32s %-6s %10lld %10lld %7.2f%% %5d %5d %10lld "
			"%10lld %10lld%s\n", l->node, l->op, (long long)l->weights,
			(long long)l->zeroed, 100 * ratio(l->zeroed, l->weights),
			l->rows_removed, l->cols_removed,
			(long long)l->params_before, (long long)l->params_after,
			(long long)l->nonzero_after, l->shared ? " (shared)" : "");
	}
	fprintf(f, "  FC weights: %lld, zeroed %lld (%.2f%%); after %lld, "
		"non-zero %lld\n", (long long)r->fc_weights_before,
		(long long)r->fc_zeroed, 100 * ratio(r->fc_zeroed,
		r->fc_weights_before), (long long)r->fc_weights_after,
		(long long)r->fc_nonzero_after);
	fprintf(f, "  model params: %lld -> %lld, non-zero %lld; MACs %lld -> "
		"%lld\n", (long long)r->params_before, (long long)r->params_after,
		(long long)r->nonzero_params_after, (long long)r->macs_before,
		(long long)r->macs_after);
	fprintf(f, "  channels removed: %d (unused %d, constant %d; constants "
		"folded %d, not foldable %d)\n", r->classes_removed,
		r->classes_unused, r->classes_const, r->folded, r->unfolded);
}

/* NODE.key = value into p. */
static int set_layer(struct opr_report_pass *p, const char *node,
		     const char *key, double value, struct opr_err *err)
{
	char name[512];

	snprintf(name, sizeof(name), "%s.%s", node, key);
	return opr_report_set(p, name, value, err);
}

/* The named values of r into p (see the file comment). */
static int report_values(struct opr_report_pass *p,
			 const struct opr_fc3sigma_result *r,
			 struct opr_err *err)
{
	const struct { const char *key; double v; } kv[] = {
		{ "k", r->k }, { "variant", r->variant },
		{ "fc_weights_before", (double)r->fc_weights_before },
		{ "fc_weights_zeroed", (double)r->fc_zeroed },
		{ "fc_sparsity", ratio(r->fc_zeroed, r->fc_weights_before) },
		{ "fc_weights_after", (double)r->fc_weights_after },
		{ "fc_nonzero_after", (double)r->fc_nonzero_after },
		{ "nonzero_params_after", (double)r->nonzero_params_after },
		{ "classes_removed", r->classes_removed },
		{ "classes_unused", r->classes_unused },
		{ "classes_constant", r->classes_const },
		{ "folded", r->folded }, { "unfolded", r->unfolded },
	};
	int i, rows = 0, cols = 0, rc = OPR_OK;

	for (i = 0; rc == OPR_OK && i < (int)(sizeof(kv) / sizeof(kv[0])); i++)
		rc = opr_report_set(p, kv[i].key, kv[i].v, err);
	for (i = 0; rc == OPR_OK && i < r->n_layers; i++) {
		const struct opr_fc_layer *l = &r->layers[i];

		rows += l->rows_removed;
		cols += l->cols_removed;
		if ((rc = set_layer(p, l->node, "zeroed", (double)l->zeroed, err)) ||
		    (rc = set_layer(p, l->node, "sparsity",
				    ratio(l->zeroed, l->weights), err)) ||
		    (rc = set_layer(p, l->node, "rows_removed", l->rows_removed,
				    err)) ||
		    (rc = set_layer(p, l->node, "cols_removed", l->cols_removed,
				    err)) ||
		    (rc = set_layer(p, l->node, "params_before",
				    (double)l->params_before, err)) ||
		    (rc = set_layer(p, l->node, "params_after",
				    (double)l->params_after, err)))
			break;
		rc = set_layer(p, l->node, "nonzero_after", (double)l->nonzero_after,
			       err);
	}
	if (rc == OPR_OK)
		rc = opr_report_set(p, "rows_removed", rows, err);
	if (rc == OPR_OK)
		rc = opr_report_set(p, "cols_removed", cols, err);
	return rc;
}

int opr_pass_fc3sigma(struct opr_graph *g, const struct opr_pass_opts *o,
		      struct opr_err *err)
{
	struct opr_fc3sigma_result *r = NULL;
	struct opr_report_pass *p = NULL;
	struct opr_fc3sigma_opts fo;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&fo, 0, sizeof(fo));
	fo.k = o->fc_k == 0 ? 1 : o->fc_k;
	fo.variant = o->fc_variant;
	fo.structural = 1;
	fo.n_exclude = o->n_exclude;
	fo.exclude = o->exclude;
	if (o->report && !(p = opr_report_add_pass(o->report, "fc3sigma")))
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	fo.rep = p;
	if ((rc = opr_fc3sigma(g, &fo, &r, err)))
		return rc;
	if (p) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		p->seconds = (double)(t1.tv_sec - t0.tv_sec) +
			     (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		p->macs_before = r->macs_before;
		p->macs_after = r->macs_after;
		p->params_before = r->params_before;
		p->params_after = r->params_after;
		rc = report_values(p, r, err);
	}
	if (o->verbose)
		opr_fc3sigma_print(stderr, r);
	if (rc == OPR_OK && o->fc_result) {
		*o->fc_result = r;
		r = NULL;
	}
	opr_fc3sigma_free(r);
	return rc;
}
