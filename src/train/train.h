/*
 * train.h - the training engine: a forward pass in training mode that
 * keeps what the backward pass needs, the backward pass of every op on the
 * training path of the shared models, the losses, and access to the
 * parameters and their gradients (for the optimizer, masks and penalties
 * that build on it).
 *
 * Life cycle:
 *
 *   opr_train_new()      plans a graph for a largest batch: which
 *                        initializers are trainable (Conv and Gemm/MatMul
 *                        weights and biases, BatchNormalization scale and
 *                        bias) and which are state (BatchNormalization
 *                        running mean and variance), every shape, the
 *                        lifetime of every activation and gradient, and
 *                        one workspace for them all, allocated and touched
 *                        once.  Nothing is allocated after this.
 *   opr_train_forward()  forward in training mode (batch statistics).
 *   opr_train_backward() from the gradient of output 0 to every trainable
 *                        tensor (and the input with OPR_TRAIN_INPUT_GRAD).
 *   opr_train_step()     forward, softmax cross-entropy, backward.
 *   opr_train_eval()     forward in inference mode (running statistics).
 *   opr_train_free()
 *
 * Parameters are the graph's own initializer bytes, updated in place: the
 * engine reads g->values[v].data at every step, and whatever writes
 * through opr_train_tensor()->data (an optimizer, a mask) writes the graph
 * the exporter will save.  The layout is ONNX's (Conv weight [M][C/g][kh][kw],
 * Gemm weight as stored, per-channel vectors), so channel c of a tensor is
 * a contiguous block for masks.  The graph must outlive the engine and keep
 * its nodes, values and initializer pointers while it lives.
 *
 * Threads: the runtime's pool (src/runtime/pool.c); work is split over
 * images or channels in a way that depends on the thread count only, so
 * the same inputs and thread count give bit-identical results.
 *
 * Environment switches, for tests and measurements: OPR_RT_ISA=generic
 * (portable kernels), OPR_TRAIN_NO_SHIFT (im2col for every conv),
 * OPR_TRAIN_NO_FUSE (no BatchNormalization + Relu/Clip fusion),
 * OPR_TRAIN_PROFILE=1 (time per op type and direction, printed to stderr
 * by opr_train_free()).
 */
#ifndef OPR_TRAIN_H
#define OPR_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

struct opr_train;

/* What a tensor of the engine is. */
enum opr_train_kind {
	OPR_TK_CONV_W = 0,	/* Conv weight (input 1) */
	OPR_TK_CONV_B,		/* Conv bias (input 2) */
	OPR_TK_GEMM_W,		/* Gemm or MatMul weight (a constant A or B) */
	OPR_TK_GEMM_B,		/* Gemm bias (input 2, C) */
	OPR_TK_BN_SCALE,	/* BatchNormalization scale (gamma) */
	OPR_TK_BN_BIAS,		/* BatchNormalization bias (beta) */
	OPR_TK_BN_MEAN,		/* BatchNormalization running mean (state) */
	OPR_TK_BN_VAR,		/* BatchNormalization running variance (state) */
	OPR_TK_COUNT
};

/* One trainable tensor or state tensor, in graph initializer order. */
struct opr_train_tensor {
	const char *name;	/* initializer name (the graph's string) */
	int value;		/* its value index in the graph */
	int node;		/* first node that reads it */
	int kind;		/* enum opr_train_kind */
	int trainable;		/* 1: has a gradient; 0: state */
	int rank;		/* rank of the initializer */
	const int64_t *dims;	/* its dims (the graph's) */
	int64_t numel;		/* elements */
	float *data;		/* the initializer's bytes, read and written in
				   place */
	float *grad;		/* dL/d(data) of the last backward (owned by the
				   engine), NULL for state */
};

/* Flags of opr_train_new(). */
#define OPR_TRAIN_INPUT_GRAD	1u	/* also compute dL/d(input 0) */
#define OPR_TRAIN_NO_GRAD	2u	/* forward only (evaluation, BN
					   recalibration): no gradients, and
					   activations are freed early */

/* How training-mode BatchNormalization treats its statistics. */
enum opr_train_bn {
	OPR_TRAIN_BN_MOMENTUM = 0,	/* batch statistics; running ones
					   updated with the node's momentum
					   (default, as torch's train()) */
	OPR_TRAIN_BN_CUMULATIVE,	/* batch statistics; running ones are
					   the plain average of every batch
					   since opr_train_bn_reset()
					   (recalibration) */
	OPR_TRAIN_BN_BATCH,		/* batch statistics; running ones
					   untouched */
	OPR_TRAIN_BN_FROZEN		/* running statistics, untouched: BN is
					   a fixed affine map while training */
};

/*
 * Plans g for batches of up to batch images on threads threads (<= 0: one
 * per core) with flags OPR_TRAIN_*.  Needs one float input (the others,
 * if any, must be initializers) whose dims other than unknown ones (which
 * take the batch) are static, and a float output 0.  Fails with
 * OPR_EUNSUPPORTED naming the node when an op on the path from the input
 * to output 0 has no training implementation here, or when a shape,
 * slice, pad or reshape parameter is not a constant; OPR_ESHAPE when
 * shapes do not fit; OPR_ENOMEM.  On success *out owns the engine (free
 * with opr_train_free()); on failure *out is NULL.  The graph is not
 * changed.
 */
int opr_train_new(struct opr_graph *g, int batch, int threads, unsigned flags,
		  struct opr_train **out, struct opr_err *err);

/* Frees t (not the graph).  NULL is a no-op. */
void opr_train_free(struct opr_train *t);

/*
 * Training-mode forward of n (1..batch) images at x (input 0's layout,
 * copied in).  BatchNormalization follows opr_train_set_bn() and updates
 * the state tensors accordingly.  Returns OPR_OK, or OPR_EUSAGE for a bad
 * n.  The output is then at opr_train_output().
 */
int opr_train_forward(struct opr_train *t, const float *x, int n,
		      struct opr_err *err);

/*
 * Backward from dy = dL/d(output 0) (laid out like output 0) of the last
 * opr_train_forward().  Writes (not adds) every trainable tensor's grad
 * and, with OPR_TRAIN_INPUT_GRAD, the input gradient.  Returns OPR_OK, or
 * OPR_EUSAGE when no training forward preceded it or t has
 * OPR_TRAIN_NO_GRAD.
 */
int opr_train_backward(struct opr_train *t, const float *dy,
		       struct opr_err *err);

/*
 * One training step without the update: forward of n images at x,
 * softmax cross-entropy of output 0 (taken as [n][k], k its elements per
 * image) against labels[0..n) in [0, k), averaged over the images, into
 * *loss, then backward.  Fails as opr_train_forward()/backward(), or with
 * OPR_EINVAL for a label out of range.
 */
int opr_train_step(struct opr_train *t, const float *x, const int *labels,
		   int n, float *loss, struct opr_err *err);

/*
 * Inference-mode forward (BatchNormalization with the running statistics,
 * nothing updated) of n images at x; copies output 0 (n * per-image
 * elements) to out when out is non-NULL.  Returns OPR_OK or OPR_EUSAGE.
 * A later opr_train_backward() needs a new opr_train_forward().
 */
int opr_train_eval(struct opr_train *t, const float *x, int n, float *out,
		   struct opr_err *err);

/*
 * Output 0 of the last forward (owned by t, valid until the next forward)
 * and its elements per image in *per_image (may be NULL).
 */
const float *opr_train_output(const struct opr_train *t, int64_t *per_image);

/*
 * dL/d(input 0) of the last backward, laid out like the input, or NULL
 * without OPR_TRAIN_INPUT_GRAD.
 */
const float *opr_train_input_grad(const struct opr_train *t);

/* Number of tensors (trainable and state), and tensor i of them. */
int opr_train_n_tensors(const struct opr_train *t);
const struct opr_train_tensor *opr_train_tensor(const struct opr_train *t,
						int i);

/* Index of the tensor whose initializer is called name, or -1. */
int opr_train_find(const struct opr_train *t, const char *name);

/* Sets how BatchNormalization treats its statistics (enum opr_train_bn). */
void opr_train_set_bn(struct opr_train *t, int mode);

/* Restarts the cumulative average of OPR_TRAIN_BN_CUMULATIVE. */
void opr_train_bn_reset(struct opr_train *t);

/* Largest batch t was planned for, and its thread count. */
int opr_train_batch(const struct opr_train *t);
int opr_train_threads(const struct opr_train *t);

/* Bytes of the workspace (activations, gradients, saved statistics). */
size_t opr_train_workspace_bytes(const struct opr_train *t);

/* ---- losses (loss.c): pure functions of their arguments ---- */

/*
 * Softmax cross-entropy of the n rows of z ([n][k]) against labels in
 * [0, k): returns the mean over the rows (computed in double) and, when dz
 * is non-NULL, adds w * d(mean)/dz to dz.  A label out of range counts as
 * a row of loss 0 and no gradient; check labels before.
 */
double opr_loss_softmax_ce(const float *z, const int *labels, int n, int k,
			   float w, float *dz);

/*
 * As opr_loss_softmax_ce(), against smoothed labels (Szegedy et al.): the
 * target of a row is 1 - eps + eps / k at its label and eps / k elsewhere,
 * 0 <= eps <= 1 (0: plain cross-entropy).  The gradient is
 * w * (softmax(z) - target) / n.
 */
double opr_loss_smoothed_ce(const float *z, const int *labels, int n, int k,
			    float eps, float w, float *dz);

/*
 * Knowledge distillation (Hinton et al.): with p = softmax(teacher / T)
 * and q = softmax(z / T) per row, returns T^2 * mean_rows KL(p || q) and,
 * when dz is non-NULL, adds w * d/dz of it, i.e. w * T * (q - p) / n.
 * T > 0.
 */
double opr_loss_distill(const float *z, const float *teacher, int n, int k,
			float T, float w, float *dz);

#endif
