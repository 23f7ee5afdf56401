/*
 * prune_pass.h - the criteria passes of the registry (issue 4): l1, l2,
 * bn_scale, fpgm and random.  Each one analyses the graph's channel groups
 * (deps.h), scores every channel (criteria.h), selects the channels to go
 * under the budget of the options (select.h), removes them (surgery.h) and
 * records what it did in opts->report (report.h).
 */
#ifndef OPR_PRUNE_PASS_H
#define OPR_PRUNE_PASS_H

#include "onnx_prune.h"
#include "passes/passes.h"

/*
 * Prunes g by criterion crit (enum opr_crit) under opts' budget.  Returns
 * OPR_OK; OPR_EUSAGE for a budget that is missing or out of range, or an
 * --exclude name that names no node of g (g unchanged); OPR_EUNSUPPORTED
 * for a target the prunable groups cannot reach or weights that are not
 * float32 (g unchanged); OPR_EINTERNAL when the pruned graph does not
 * have the MACs the selection predicted; OPR_ENOMEM (g may then be partly
 * pruned).
 */
int opr_prune_by_criterion(struct opr_graph *g, const struct opr_pass_opts *opts,
			   int crit, struct opr_err *err);

/* The registry's run functions: opr_prune_by_criterion() with one each. */
int opr_pass_l1(struct opr_graph *g, const struct opr_pass_opts *opts,
		struct opr_err *err);
int opr_pass_l2(struct opr_graph *g, const struct opr_pass_opts *opts,
		struct opr_err *err);
int opr_pass_bn_scale(struct opr_graph *g, const struct opr_pass_opts *opts,
		      struct opr_err *err);
int opr_pass_fpgm(struct opr_graph *g, const struct opr_pass_opts *opts,
		  struct opr_err *err);
int opr_pass_random(struct opr_graph *g, const struct opr_pass_opts *opts,
		    struct opr_err *err);

#endif
