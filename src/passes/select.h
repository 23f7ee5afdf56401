/*
 * select.h - from per-class scores to a selection (one byte per class of
 * the analysis, non-zero for the classes that go) under a budget
 * (issue 4): --ratio, --target-flops, --round-to, --exclude and the
 * grouped-conv rule, and the exact MAC count of a selection.
 *
 * Per group.  A group of n channels may lose r of them when r leaves at
 * least one and is at most floor(max_ratio n) (--max-group-ratio; a
 * global ranking can otherwise empty a layer of a plain net down to one
 * channel, field-notes 37), when (with round_to N and n >= N) n - r is a
 * multiple of N, and when every group of a grouped Conv it touches loses the same number
 * (the classes fall in "buckets", one per conv group, each losing r / nb).
 * opr_select_count() turns a wished count into the largest valid one not
 * above it, so rounding keeps channels rather than removing more.  The r
 * classes removed are the r lowest-scored (ties: the higher channel goes).
 *
 * --ratio R: every prunable group loses floor(R n + 1/2) channels, made
 * valid as above.
 *
 * --target-flops F: classes of every prunable group are ranked together
 * by their per-group-normalised score (criteria.h), or with mac_aware by
 * that score times mean_cost / cost, where cost is the MACs the removal
 * of the class alone saves and mean_cost its mean over the ranked classes
 * (importance lost per MAC saved: in a CIFAR ResNet a channel of the
 * 32x32 stage costs about four times one of the 8x8 stage, so it must be
 * worth four times as much to stay; a class that saves no MACs goes
 * last); the shortest prefix of
 * that ranking whose removal (made valid per group) brings the exact MACs
 * to at most F of the base is found by bisection.  When that overshoots
 * the band [F - tol, F] (one class of a wide residual chain can be worth
 * several percent of the MACs), the ranking is walked again from the step
 * before: a class is taken when the result stays at or above the band's
 * floor and skipped (its group then stays where it is) when it would fall
 * below; the walk stops at the first result within the band.  It is tried
 * with a band a tenth as wide first, then with the whole band.  If no
 * result falls in the band the bisection's result is kept (at most F,
 * further off).
 *
 * MACs.  Only Conv, ConvTranspose, Gemm and MatMul count (src/ir/stats.c)
 * and each one's count is a product of its output channels and its input
 * channels per group, so the MACs of a selection follow exactly from how
 * many output and input channels each producer keeps (opr_macs_*).
 */
#ifndef OPR_SELECT_H
#define OPR_SELECT_H

#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;
struct opr_deps;

/* The budget of one selection. */
struct opr_select_opts {
	double ratio;		/* target <= 0: fraction of each group to
				   remove, in [0, 1) */
	double target;		/* (0, 1]: MACs after <= target * base */
	int64_t base_macs;	/* base of target; <= 0: the graph's MACs */
	double tol;		/* band below target * base, as a fraction
				   of base (0.005 for "within 0.5 %") */
	int round_to;		/* kept counts multiples of it (groups of at
				   least round_to channels); 0 or 1: none */
	const unsigned char *skip;	/* per group, non-zero: leave it alone
					   (--exclude); NULL: none */
	double max_ratio;	/* (0, 1): no group loses more than this
				   fraction of its channels; 0 or >= 1:
				   no cap */
	int mac_aware;		/* target: rank by score per MAC saved */
};

/* What a selection came to. */
struct opr_select_result {
	int64_t macs_before;	/* MACs of the graph as analysed */
	int64_t macs_after;	/* exact MACs once the selection is removed */
	int64_t macs_goal;	/* target * base, or -1 for a ratio */
	int within_tol;		/* target: 1 when macs_after is in the band */
	int groups_pruned;	/* groups that lose at least one channel */
	int classes_removed;	/* channels (classes) removed */
};

/* Exact MACs of a graph as classes are removed (see the file comment). */
struct opr_macs;

/*
 * Builds the MAC model of g (analysed as d) with nothing removed.  On
 * success *out owns it (free with opr_macs_free()); errors: OPR_ENOMEM or
 * those of opr_model_stats().
 */
int opr_macs_new(const struct opr_graph *g, const struct opr_deps *d,
		 struct opr_macs **out, struct opr_err *err);

/* Frees m.  NULL is a no-op. */
void opr_macs_free(struct opr_macs *m);

/* Marks class cls removed (on = 1) or kept (on = 0); idempotent. */
void opr_macs_set(struct opr_macs *m, int cls, int on);

/* MACs of the graph with the classes marked removed taken out. */
int64_t opr_macs_total(const struct opr_macs *m);

/* MACs with nothing removed (as opr_model_stats() counts them). */
int64_t opr_macs_base(const struct opr_macs *m);

/*
 * The largest number of channels not above want that group gi of d may
 * lose with round_to (see the file comment); 0 for a frozen group or
 * when none is valid.  Grouped convs are taken into account.  Returns -1
 * on out of memory.
 */
int opr_select_count(const struct opr_graph *g, const struct opr_deps *d,
		     int gi, int want, int round_to);

/*
 * Fills remove[0 .. d->n_classes) from score (normalised per group for a
 * target; see criteria.h) under o, and *res.  Frozen groups, groups o->skip
 * names and groups whose grouped-conv buckets differ in size lose nothing.
 * Returns OPR_OK; OPR_EUSAGE for options out of range; OPR_EUNSUPPORTED
 * when the target cannot be met (the message says how low it can go);
 * OPR_ENOMEM.  The selection is valid for opr_prune_check().
 */
int opr_select(const struct opr_graph *g, const struct opr_deps *d,
	       const double *score, const struct opr_select_opts *o,
	       unsigned char *remove, struct opr_select_result *res,
	       struct opr_err *err);

#endif
