/*
 * sgd.h - stochastic gradient descent with momentum, Nesterov, weight decay,
 * an L1 penalty and masks, over a list of float tensors that the caller
 * owns (the training engine's parameters and their gradients).
 *
 * One step, for every element of every tensor that has a gradient, with
 * lr the step's learning rate, mu the momentum, d the dampening, wd the
 * weight decay (0 on tensors added with OPR_SGD_NO_DECAY) and l1 the
 * tensor's L1 coefficient:
 *
 *	g = grad + l1 * sign(p)			(sign(0) = 0)
 *	g = g + wd * p				(coupled decay only)
 *	if mu != 0:
 *		b = g				(the tensor's first step)
 *		b = mu * b + (1 - d) * g	(later steps)
 *		g = g + mu * b			(Nesterov)
 *		g = b				(otherwise)
 *	p = p * (1 - lr * wd)			(decoupled decay only)
 *	p = p - lr * g
 *
 * With l1 = 0 and coupled decay this is torch.optim.SGD(lr, momentum,
 * dampening, weight_decay, nesterov) of PyTorch 1.x and 2.x, operation for
 * operation, including the first step, where PyTorch's momentum buffer is a
 * copy of g rather than (1 - d) * g.  The L1 term is what adding
 * l1 * sum(|p|) to the loss gives through autograd (network slimming, and
 * bn_attn's penalty on BN gamma).  Decoupled decay (SGDW, Loshchilov and
 * Hutter) shrinks p by lr * wd before the update, in the way
 * torch.optim.AdamW does it, so that the decay does not go through the
 * momentum.  Arithmetic is float32, as PyTorch's on float tensors; results
 * agree with PyTorch to rounding (PyTorch fuses some multiply-adds), not
 * bit for bit.  The loops are element-wise and single-threaded, so a step
 * gives the same bits every run.
 *
 * Masks: one byte per element, 0 where the element must be zero, given to
 * opr_sgd_set_mask() and copied.  A mask zeroes the masked parameters and
 * their momentum when it is set, and a hard mask does so again after every
 * step:
 *   OPR_SGD_MASK_HARD  fixed masks (fc3sigma: pruned weights stay zero) and
 *                      re-selectable masks that hold until replaced;
 *   OPR_SGD_MASK_SOFT  soft pruning (sfp, bn_attn): the selection is zeroed
 *                      once and then trains again, so a zeroed filter can
 *                      grow back before the next selection.
 * Zeroing the momentum too is a choice: a masked element is treated as
 * removed, so its velocity goes with it; a hard-masked element would
 * otherwise pile up momentum it never uses, and when a new mask releases it,
 * or a soft mask has just zeroed it, it starts from rest instead of being
 * thrown by velocity from before its pruning.  PyTorch has no masks; the
 * equivalent is p.mul_(mask) and buf.mul_(mask) after optimizer.step().
 *
 * Errors: OPR_EUSAGE for bad options or arguments, OPR_ENOMEM; messages
 * say which option or tensor.  Nothing is changed on error.
 */
#ifndef OPR_TRAIN_SGD_H
#define OPR_TRAIN_SGD_H

#include <stddef.h>

#include "onnx_prune.h"

/* How weight decay is applied (see above). */
enum opr_sgd_wd {
	OPR_SGD_WD_COUPLED = 0,	/* L2 added to the gradient (PyTorch SGD) */
	OPR_SGD_WD_DECOUPLED	/* p *= 1 - lr * wd before the update */
};

/* Per-tensor flags of opr_sgd_add(). */
enum opr_sgd_flags {
	OPR_SGD_NO_DECAY = 1	/* no weight decay (e.g. BN gamma, beta, biases) */
};

/* Mask modes of opr_sgd_set_mask(). */
enum opr_sgd_mask_mode {
	OPR_SGD_MASK_OFF = 0,	/* no mask */
	OPR_SGD_MASK_HARD,	/* zeroed now and after every step */
	OPR_SGD_MASK_SOFT	/* zeroed now only */
};

/* Options of the optimizer; a zeroed struct is plain SGD. */
struct opr_sgd_opts {
	double momentum;	/* mu >= 0; 0: no momentum buffers */
	double dampening;	/* d in [0, 1]; PyTorch's default 0 */
	int nesterov;		/* 1: Nesterov momentum (mu > 0, d = 0) */
	double weight_decay;	/* wd >= 0 */
	int wd_mode;		/* enum opr_sgd_wd */
};

struct opr_sgd;

/*
 * Creates an optimizer with no tensors.  The options are checked as
 * PyTorch checks them (finite, momentum and weight decay >= 0, dampening in
 * [0, 1], Nesterov only with momentum > 0 and dampening 0) and copied.  On
 * success *out owns it (free with opr_sgd_free()); on failure *out is NULL
 * and err says why (OPR_EUSAGE, OPR_ENOMEM).
 */
int opr_sgd_new(const struct opr_sgd_opts *o, struct opr_sgd **out,
		struct opr_err *err);

/* Frees s, its momentum buffers and masks.  NULL is a no-op. */
void opr_sgd_free(struct opr_sgd *s);

/*
 * Adds a tensor of n >= 1 elements: param is updated in place by every
 * step, grad is read (NULL: no gradient, the tensor is skipped by steps
 * until opr_sgd_bind() gives one).  Both stay the caller's and must stay
 * valid while s uses them.  flags: enum opr_sgd_flags.  Tensors are
 * numbered 0, 1, ... in the order they are added; opr_sgd_count() - 1 is
 * the new one.  The momentum buffer starts empty (PyTorch's None).
 */
int opr_sgd_add(struct opr_sgd *s, float *param, const float *grad, size_t n,
		int flags, struct opr_err *err);

/* Number of tensors added so far. */
int opr_sgd_count(const struct opr_sgd *s);

/*
 * Points tensor t at new parameter and gradient arrays of the same length
 * (grad may be NULL, as in opr_sgd_add()); its momentum and mask stay.
 */
int opr_sgd_bind(struct opr_sgd *s, int t, float *param, const float *grad,
		 struct opr_err *err);

/* Sets the L1 coefficient of tensor t (finite, >= 0; 0 turns it off). */
int opr_sgd_set_l1(struct opr_sgd *s, int t, double l1, struct opr_err *err);

/*
 * Sets, replaces or (mode OPR_SGD_MASK_OFF, keep NULL) removes the mask of
 * tensor t: keep holds one byte per element, 0 for the elements that must
 * be zero, and is copied.  Setting a mask zeroes the masked parameters and
 * their momentum at once, whatever the mode; a hard mask stays and is
 * applied again after every step, a soft one is forgotten after this call.
 */
int opr_sgd_set_mask(struct opr_sgd *s, int t, const unsigned char *keep,
		     int mode, struct opr_err *err);

/*
 * One update of every tensor that has a gradient, with learning rate lr
 * (finite, >= 0; usually opr_sched_lr() of the step), then the hard masks.
 * OPR_EUSAGE for a bad lr, before anything changes.
 */
int opr_sgd_step(struct opr_sgd *s, double lr, struct opr_err *err);

/*
 * Applies the hard masks again: zeroes the masked parameters and their
 * momentum (after the parameters were written from outside, e.g. by
 * opr_ema_store()).
 */
void opr_sgd_apply_masks(struct opr_sgd *s);

/*
 * Forgets every momentum buffer, so that the next step starts them again
 * as the first one does (e.g. after the weights were changed from
 * outside).  Masks stay.
 */
void opr_sgd_reset(struct opr_sgd *s);

/*
 * The momentum buffer of tensor t (n floats), or NULL when there is none
 * yet (no momentum, or no step since it was added or reset).  For tests
 * and checkpoints; s keeps ownership.
 */
const float *opr_sgd_momentum(const struct opr_sgd *s, int t);

#endif
