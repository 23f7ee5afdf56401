/*
 * soft_prune.h - the passes that prune while training (methods.md 1, 2):
 * bn_attn (bn_attn.c) and sfp (sfp.c), and the loop they share
 * (soft_prune.c, soft_prune_mask.c); both score through
 * opr_crit_row_scores() (criteria.h).
 *
 * The loop.  The channel groups of the graph are analysed once (deps.h)
 * and the graph is fine-tuned (finetune.h) with a hook that, at the start
 * and then at the method's cadence (every N steps, or after every epoch),
 * scores every class from the current weights, selects the classes to go
 * under the pass's budget exactly as the criteria passes do
 * (opr_prune_select(): --ratio, --target-flops, --round-to, --exclude)
 * and zeroes them with soft masks (OPR_SGD_MASK_SOFT), in place, as the
 * training run's masks, so that what was zeroed keeps training and may
 * come back at the next selection.  What a soft selection zeroes is the
 * method's (m->soft, --soft-mask):
 *   OPR_SOFT_WEIGHTS (sfp's, as in the SFP paper's code): the producers'
 *     weight rows and biases that opr_prune_mask() would zero; BN is left
 *     alone.  Under training-mode BN such a channel is not off for long:
 *     its normalised input is 0, it carries its shift beta, and the
 *     gradient reaching the zero filter is gamma / sqrt(eps) (about 300
 *     gamma) times the centred gradient of the output, so one step later
 *     the filter is non-zero and BN scales the channel back to full
 *     strength, in a new direction.  The network trains with every
 *     channel on, and the held selection takes away channels it uses.
 *   OPR_SOFT_SCALE (bn_attn's): the BatchNormalization scale gamma of the
 *     channel (a class without one falls back to its filters).  The
 *     channel then carries its shift beta alone, its filter is kept, and
 *     gamma gets the ordinary gradient sum(dy * x_hat): it grows back at
 *     the pace of the learning rate, only as far as the loss asks for it,
 *     and bn_attn's score (|gamma| times attention) sees that.  The
 *     network trains close to the pruned one from the first selection.
 * Zeroing gamma and beta together before the end would make the channel
 * a fixed point of training: its output is 0, a following ReLU sits at
 * its kink, whose gradient is 0, and nothing trains gamma or beta again.
 *
 * Holding the last selection.  The first selection made at or after
 * opts->freeze_at of the run's steps (--freeze-at, default the
 * method's: OPR_BN_ATTN_FREEZE_AT or OPR_SP_FREEZE_AT) is the last: it zeroes its channels with hard masks,
 * BN scale and shift included, so that the rest of the run trains the
 * pruned network itself, under the same learning-rate schedule, and
 * learns to do without what the selected channels carried (a zero filter
 * still outputs relu(beta) until beta is zeroed).  freeze_at 0 selects
 * once, at the start; 1 (the papers' schedule) selects to the end, and
 * the last selection is then zeroed with BN scale and shift when the run
 * ends.  Either way its channels are exactly zero (in training and
 * inference mode) when the run ends, and after the run they are removed
 * for good by the surgery (opr_prune_remove() on a fresh analysis of the
 * trained graph).  The hook of the caller's
 * training options (ft->hook_fn) is called after the loop's own work at
 * every point, at its own cadence (ft->hook_every).
 *
 * Constants that are not trained (a channel-wise constant added to a
 * residual, say) are not masked: nothing trains them back, and the
 * surgery folds what they carry when it removes the channel.
 *
 * The report entry (report.h) has the budget, the MACs and parameters
 * before and after, the groups with the channels kept, every selection
 * (opr_report_sel: step, channels selected, changed and grown back since
 * the selection before, held) and the numbers selections, changed,
 * regrown, epochs, steps, prune_every, gamma_l1, freeze_at,
 * soft_mask_scale (1: OPR_SOFT_SCALE), frozen_at_step (-1: none held
 * before the end) and the method's parameter.
 */
#ifndef OPR_SOFT_PRUNE_H
#define OPR_SOFT_PRUNE_H

#include "onnx_prune.h"
#include "passes/passes.h"
#include "passes/prune_pass.h"

struct opr_graph;
struct opr_deps;
struct opr_deps_member;
struct opr_ft_run;

/*
 * The defaults of --freeze-at: sfp holds the selection made after 60 % of
 * the steps, bn_attn the one after 20 %.  Under bn_attn's `scale` soft
 * mask the selection rarely changes after the first (RESULTS.md), and the
 * earlier hold trains the pruned network itself for longer: on
 * fmnist_resnet20 (no augmentation) 94.87 / 94.54 % at seeds 0 / 1,
 * against 94.62 / 94.38 with 0.6.
 */
#define OPR_SP_FREEZE_AT 0.6
#define OPR_BN_ATTN_FREEZE_AT 0.2

/* What distinguishes one soft-pruning method from another. */
struct opr_sp_method {
	const char *name;		/* the pass, for messages and report */
	opr_prune_score_fn score;	/* raw class scores (prune_pass.h) */
	void *ctx;			/* its context */
	long every;			/* steps between selections; 0: after
					   every epoch (and at the start) */
	double gamma_l1;		/* L1 coefficient set at the start on
					   every BN scale of the prunable
					   groups; 0: none */
	const char *param_key;		/* the method's parameter, for the
					   report ("attn_t"), or NULL */
	double param;			/* its value */
	int soft;			/* what a soft selection zeroes unless
					   opts->soft_mask says otherwise:
					   OPR_SOFT_WEIGHTS or OPR_SOFT_SCALE */
	double freeze_at;		/* opts->freeze_at when that is < 0 */
};

/*
 * Prunes g while fine-tuning it on opts->train with the recipe opts->ft
 * (both needed, ft->epochs >= 1) by method m, as described above.
 * Returns OPR_OK with g pruned, trained and verified; OPR_EUSAGE for a
 * missing budget or training set, or a bad --exclude; the errors of
 * opr_select() (a target the groups cannot reach), of opr_finetune() and
 * of the surgery; OPR_EINTERNAL when the trained graph no longer
 * analyses as it did, or when the pruned graph misses the predicted
 * MACs.  After an error g may be partly trained.
 */
int opr_soft_prune(struct opr_graph *g, const struct opr_pass_opts *opts,
		   const struct opr_sp_method *m, struct opr_err *err);

/* ---- soft_prune_mask.c: soft masks and the BN L1 penalty ---- */

/* The keep masks of the trained tensors the prunable groups touch. */
struct opr_sp_masks;

/*
 * Builds the masks of every trained initializer (producer weights and
 * biases, BN scale and shift) that a class of a prunable group of d (the
 * analysis of g; skip: per group, non-zero to leave alone) would zero.
 * On success *out owns them (free with opr_sp_masks_free()).  OPR_OK or
 * OPR_ENOMEM.  g and d must outlive *out.
 */
int opr_sp_masks_new(const struct opr_graph *g, const struct opr_deps *d,
		     const unsigned char *skip, int soft,
		     struct opr_sp_masks **out, struct opr_err *err);

/* Frees mk.  NULL is a no-op. */
void opr_sp_masks_free(struct opr_sp_masks *mk);

/*
 * Zeroes the classes remove selects (one byte per class of the analysis)
 * in run's tensors: with soft masks (the parameters and their momentum
 * are zeroed now and train on afterwards) when final is 0; with hard
 * masks (zeroed now and after every step), BN scales and shifts
 * included, when final is 1 (see above).  Errors of opr_ft_set_mask()
 * (OPR_EUSAGE for a tensor the run does not train).
 */
int opr_sp_masks_apply(struct opr_sp_masks *mk, struct opr_ft_run *run,
		       const unsigned char *remove, int final,
		       struct opr_err *err);

/*
 * Sets the L1 coefficient l1 on every BatchNormalization scale of the
 * prunable groups of d (the analysis of g; skip as above) in run.
 * OPR_OK, OPR_ENOMEM or the errors of opr_ft_set_l1().
 */
int opr_sp_gamma_l1(struct opr_ft_run *run, const struct opr_graph *g,
		    const struct opr_deps *d, const unsigned char *skip,
		    double l1, struct opr_err *err);

/* ---- bn_attn.c ---- */

/*
 * bn_attn's raw class scores (methods.md 1) for d, the analysis of g,
 * with attention temperature t > 0: for filter i of a producer node,
 * n_i = ||W[i]||_2 / (the mean of the node's filter norms), a_i =
 * softmax_i(n_i / t) over the node's filters, s_i = a_i * |gamma_i| of
 * the BatchNormalization that reads the node's output (gamma 1 without
 * one), divided by the node's mean s; a class scores the mean s_i of its
 * rows (opr_crit_row_scores(); a group without producer rows uses its
 * consumers' input columns, gamma 1).  Errors as opr_crit_member_vec(),
 * and OPR_ENOMEM.
 */
int opr_bn_attn_scores(const struct opr_graph *g, const struct opr_deps *d,
		       double t, double *score, struct opr_err *err);

/*
 * The registry's bn_attn: with opts->train, opts->ft and ft->epochs >= 1
 * the dynamic loop (opr_soft_prune(), every opts->prune_every steps or
 * once per epoch, L1 opts->gamma_l1 on BN scales), otherwise one shot
 * (opr_prune_by_score()).  OPR_EUSAGE for options out of range.
 */
int opr_pass_bn_attn(struct opr_graph *g, const struct opr_pass_opts *opts,
		     struct opr_err *err);

/* ---- sfp.c ---- */

/*
 * sfp's raw class scores for d, the analysis of g: the Lp norm (p > 0) of
 * the class's rows concatenated, (sum over rows of ||row||_p^p)^(1/p)
 * (opr_crit_row_scores() picks the rows).  Errors as
 * opr_crit_member_vec(), and OPR_ENOMEM.
 */
int opr_sfp_scores(const struct opr_graph *g, const struct opr_deps *d,
		   double p, double *score, struct opr_err *err);

/*
 * The registry's sfp: opr_soft_prune() with a selection at the start and
 * after every epoch, no L1.  Without opts->train, opts->ft or with
 * ft->epochs < 1: OPR_EUSAGE ("needs --data and --epochs").
 */
int opr_pass_sfp(struct opr_graph *g, const struct opr_pass_opts *opts,
		 struct opr_err *err);

#endif
