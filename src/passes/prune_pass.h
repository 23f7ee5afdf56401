/*
 * prune_pass.h - the criteria passes of the registry (issue 4): l1, l2,
 * bn_scale, fpgm and random.  Each one analyses the graph's channel groups
 * (deps.h), scores every channel (criteria.h), selects the channels to go
 * under the budget of the options (select.h), removes them (surgery.h) and
 * records what it did in opts->report (report.h).
 */
#ifndef OPR_PRUNE_PASS_H
#define OPR_PRUNE_PASS_H

#include <time.h>

#include "onnx_prune.h"
#include "passes/passes.h"

struct opr_deps;
struct opr_report_pass;
struct opr_select_result;

/*
 * A scorer: raw importance of every class of d (the analysis of g) into
 * score[0 .. d->n_classes), higher = more important, 0 for classes of
 * frozen groups.  Returns OPR_OK or an error with err filled.  The
 * callers normalise per group (opr_crit_normalize()) before selecting.
 */
typedef int (*opr_prune_score_fn)(void *ctx, const struct opr_graph *g,
				  const struct opr_deps *d, double *score,
				  struct opr_err *err);

/*
 * One-shot pruning of g by the scores of fn (with ctx) under opts'
 * budget, reported under name: analyse, score, normalise, select, check,
 * remove, check the MACs against the prediction, report.  Errors as
 * opr_prune_by_criterion(), plus fn's.
 */
int opr_prune_by_score(struct opr_graph *g, const struct opr_pass_opts *opts,
		       const char *name, opr_prune_score_fn fn, void *ctx,
		       struct opr_err *err);

/*
 * OPR_OK when opts holds exactly one valid budget (--ratio in [0, 1) or
 * --target-flops in (0, 1], --round-to >= 0); otherwise OPR_EUSAGE, the
 * message naming pass name.
 */
int opr_prune_check_budget(const struct opr_pass_opts *opts, const char *name,
			   struct opr_err *err);

/*
 * *skip: a malloc'd byte per group of d (the analysis of g), non-zero for
 * the groups with a member on a node that --exclude names (the caller
 * frees it, also after an error).  OPR_EUSAGE for a name that names no
 * node; OPR_ENOMEM.
 */
int opr_prune_skip_groups(const struct opr_graph *g,
			  const struct opr_pass_opts *opts,
			  const struct opr_deps *d, unsigned char **skip,
			  struct opr_err *err);

/*
 * Normalises score (raw, one per class of d) per group in place, selects
 * under opts' budget (select.h, tolerance 0.5 %, groups skip names left
 * alone) into remove and *res, and checks the selection.  Errors of
 * opr_select(); OPR_EINTERNAL for a selection the surgery would refuse.
 */
int opr_prune_select(const struct opr_graph *g, const struct opr_deps *d,
		     const struct opr_pass_opts *opts,
		     const unsigned char *skip, double *score,
		     unsigned char *remove, struct opr_select_result *res,
		     struct opr_err *err);

/*
 * Adds pass name's entry to opts->report (none: *out = NULL, OPR_OK) with
 * the budget (--max-group-ratio, when set, as the number
 * max_group_ratio; --mac-aware with a target as mac_aware 1), res's goal
 * and tolerance flag, and the groups of d (g's
 * analysis) with what remove keeps.  OPR_OK or OPR_ENOMEM.
 */
int opr_prune_report_entry(const struct opr_graph *g,
			   const struct opr_pass_opts *opts, const char *name,
			   const struct opr_deps *d,
			   const unsigned char *remove,
			   const unsigned char *skip,
			   const struct opr_select_result *res,
			   struct opr_report_pass **out, struct opr_err *err);

/*
 * After the surgery: checks that g has the MACs res predicted
 * (OPR_EINTERNAL otherwise), fills p (may be NULL) with the MACs and
 * parameters before (given) and after and the seconds since t0, and with
 * opts->verbose says so on stderr.
 */
int opr_prune_finish(const struct opr_graph *g,
		     const struct opr_pass_opts *opts, const char *name,
		     const struct opr_model_stats *before,
		     const struct opr_select_result *res,
		     struct opr_report_pass *p, const struct timespec *t0,
		     struct opr_err *err);

/* Seconds since t0 (CLOCK_MONOTONIC). */
double opr_prune_elapsed(const struct timespec *t0);

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
