/*
 * finetune.h - the fine-tuning loop: SGD over the training images of a
 * data set with the training engine (train.h), the optimizer (sgd.h), a
 * schedule (schedule.h), shuffled and augmented batches (batch.h), an
 * optional validation split, optional knowledge distillation from a
 * teacher run by the forward runtime, optional BN recalibration before
 * training, fixed masks, the JSON log with its progress hook
 * (trainlog.h) and Ctrl-C (interrupt.h, polled between steps).
 *
 * One run, in order:
 *   1. the images of ds are split into training and validation lists
 *      (opr_val_split(), random pick, the run's seed);
 *   2. with bn_recal > 0: BN statistics are re-estimated from bn_recal
 *      batches of training images (shuffled with the seed, no
 *      augmentation) by training-mode forward passes with cumulative
 *      averaging (OPR_TRAIN_BN_CUMULATIVE); nothing else changes;
 *   3. epochs of SGD: per step, a shuffled, augmented batch, the loss
 *      (softmax cross-entropy, its labels smoothed by label_smoothing,
 *      or (1 - alpha) CE + alpha T^2 KL with a teacher), backward, the
 *      update at the schedule's rate for that step (default: cosine from
 *      lr to 0 over all steps), the hard masks;
 *      BatchNormalization in training mode with momentum updates of the
 *      running statistics, as torch's train();
 *   4. at the end of each epoch, the validation loss and top-1 (inference
 *      mode), logged;
 *   5. with ema > 0: the weights and BN running statistics become their
 *      exponential moving average over the steps (ema.h; the hook may
 *      restart it with opr_ft_ema_restart()), and the hard masks are
 *      applied to them again.  The validation and the hook's epoch calls
 *      see the weights being trained, not the average; the end call and
 *      the caller see the average.
 * A hook (opr_ft_opts.hook_fn) is called at the start, every hook_every
 * steps, after every epoch and at the end; through the run handle it may
 * read and change the weights (they are g's initializer bytes), set
 * soft or hard masks and L1 coefficients by tensor name, and add a test
 * result to the epoch's log record.  The soft-pruning passes (bn_attn,
 * sfp) re-select their masks there; the CLI evaluates the test set.
 * The parameters and BN running statistics are the graph's initializer
 * bytes, updated in place by the engine and the optimizer, so g holds the
 * trained model when opr_finetune() returns (also after an interrupt or a
 * failed step: whatever was done stays); export it with opr_export_file().
 *
 * Determinism: the same graph, data, options (seed included) and thread
 * count give bit-identical weights.
 */
#ifndef OPR_TRAIN_FINETUNE_H
#define OPR_TRAIN_FINETUNE_H

#include <stdint.h>

#include "onnx_prune.h"
#include "ir.h"
#include "train/schedule.h"
#include "train/sgd.h"
#include "train/trainlog.h"

struct opr_ft_run;

/* When the hook of a run is called. */
enum opr_ft_when {
	OPR_FT_START = 0,	/* before the first step (after BN recal) */
	OPR_FT_STEP,		/* after every hook_every-th step */
	OPR_FT_EPOCH,		/* after an epoch, its validation done, before
				   its log record is written */
	OPR_FT_END		/* after the last step (also when
				   interrupted) */
};

/*
 * The hook: when is enum opr_ft_when.  Returns OPR_OK, or an error (err
 * filled) that stops the run with that error.
 */
typedef int (*opr_ft_hook)(void *ctx, struct opr_ft_run *run, int when,
			   struct opr_err *err);

/* A fixed mask of one initializer: keep[i] == 0 zeroes element i. */
struct opr_ft_mask {
	const char *name;		/* initializer name (trainable tensor) */
	const unsigned char *keep;	/* one byte per element, copied */
};

/* Options of opr_finetune(); opr_ft_defaults() fills the usual ones. */
struct opr_ft_opts {
	int epochs;		/* epochs of SGD, >= 0 (0: BN recal only) */
	int batch;		/* images per step, >= 1 */
	int threads;		/* engine threads (<= 0: one per core) */
	double lr;		/* base learning rate, > 0 */
	const struct opr_sched *sched;	/* schedule in steps (its base is
					   replaced by lr); NULL: cosine from
					   lr to 0 over every step */
	double momentum;	/* SGD momentum (default 0.9) */
	int nesterov;		/* 1: Nesterov (default) */
	double weight_decay;	/* coupled, on every trainable tensor
				   (default 5e-4, as torch.optim.SGD) */
	int pad;		/* random-crop padding in pixels (default 4;
				   0: no crop) */
	int flip;		/* 1: random horizontal flip (default) */
	uint64_t seed;		/* order, augmentation and split */
	int limit;		/* > 0: only images 0..limit-1 of ds */
	double val_split;	/* fraction of the images held out, in
				   [0, 1) */
	const float *mean;	/* c input means (NULL: 0) */
	const float *std;	/* c input stds (NULL: 1) */
	const struct opr_graph *teacher; /* distillation teacher (same input
					   and classes as g), or NULL */
	double temperature;	/* distillation T > 0 (default 4) */
	double alpha;		/* distillation weight in [0, 1] (default
				   0.9) */
	double label_smoothing;	/* eps in [0, 1) of the cross-entropy's
				   smoothed labels (default 0: none) */
	double ema;		/* decay in (0, 1) of the moving average that
				   the run ends with (ema.h; default 0: none,
				   the last step's weights) */
	int bn_recal;		/* batches of BN recalibration before
				   training (0: none) */
	const struct opr_ft_mask *masks; /* fixed (hard) masks, or NULL */
	int n_masks;		/* entries of masks */
	const char *log_path;	/* JSON-lines log (trainlog.h), or NULL */
	int log_every;		/* a step record every this many steps */
	opr_trainlog_hook hook;	/* progress hook, or NULL */
	void *hook_ctx;		/* its context */
	opr_ft_hook hook_fn;	/* the run's hook (see above), or NULL */
	void *hook_fn_ctx;	/* its context */
	long hook_every;	/* OPR_FT_STEP every this many steps (0: no
				   step calls) */
};

/* What a run did. */
struct opr_ft_result {
	long steps;		/* SGD steps done */
	int epochs_done;	/* epochs completed */
	int n_train, n_val;	/* images of the training / validation lists */
	int recal_batches;	/* BN recalibration batches run */
	double first_loss;	/* loss of the first step (NAN: none) */
	double last_loss;	/* loss of the last step (NAN: none) */
	double val_loss;	/* last validation loss (NAN: none) */
	double val_acc;		/* last validation top-1 % (NAN: none) */
	double seconds;		/* wall time of the run */
	int interrupted;	/* 1: stopped by Ctrl-C after a step */
	long ema_steps;		/* steps the moving average spans (0: none) */
};

/* Fills o with the defaults above (and zeroes what has none). */
void opr_ft_defaults(struct opr_ft_opts *o);

/*
 * Fine-tunes g in place on the images of ds (the caller opens the split
 * it wants, normally OPR_SPLIT_TRAIN) as described at the top.  g needs
 * one float NCHW image input with static C, H, W matching ds after
 * opr_dataset_fill()'s conversions, and a first output of at least
 * ds->n_classes logits per image.  Polls opr_interrupted() between steps
 * (the caller installs the handler): when set, the run stops after the
 * current step, writes the log's end record and returns OPR_OK with
 * res->interrupted = 1.  res may be NULL.  Errors: OPR_EUSAGE for bad
 * options or a mask that names no trainable tensor, OPR_EUNSUPPORTED /
 * OPR_ESHAPE from the engine or the runtime, OPR_EIO from the log,
 * OPR_ENOMEM; g keeps what was done until then.
 */
int opr_finetune(struct opr_graph *g, const struct opr_dataset *ds,
		 const struct opr_ft_opts *o, struct opr_ft_result *res,
		 struct opr_err *err);

/* The graph being trained: its initializers hold the current weights. */
struct opr_graph *opr_ft_graph(struct opr_ft_run *run);

/* Steps done so far, and epochs completed so far. */
long opr_ft_steps(const struct opr_ft_run *run);
int opr_ft_epochs_done(const struct opr_ft_run *run);

/* Steps per epoch of the run (>= 1). */
long opr_ft_steps_per_epoch(const struct opr_ft_run *run);

/*
 * Sets, replaces or removes (mode OPR_SGD_MASK_OFF, keep NULL) the mask of
 * the trainable initializer called tensor, as opr_sgd_set_mask(): keep has
 * one byte per element, 0 where it must be zero; the parameter and its
 * momentum are zeroed there at once, and again after every step when mode
 * is OPR_SGD_MASK_HARD.  OPR_EUSAGE when tensor names no trainable tensor.
 */
int opr_ft_set_mask(struct opr_ft_run *run, const char *tensor,
		    const unsigned char *keep, int mode, struct opr_err *err);

/* The L1 coefficient (>= 0) of the trainable tensor called tensor. */
int opr_ft_set_l1(struct opr_ft_run *run, const char *tensor, double l1,
		  struct opr_err *err);

/*
 * Restarts the moving average of the weights (opts.ema) from the current
 * ones, e.g. when a pass has just changed the network; no-op without one.
 */
void opr_ft_ema_restart(struct opr_ft_run *run);

/*
 * Test loss and top-1 % to add to this epoch's log record (call from the
 * OPR_FT_EPOCH hook; NAN: not measured).
 */
void opr_ft_set_test(struct opr_ft_run *run, double loss, double acc);

#endif
