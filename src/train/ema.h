/*
 * ema.h - an exponential moving average of a list of float tensors that
 * the caller owns (the training engine's parameters and BatchNormalization
 * statistics): the weights a run exports with --ema.
 *
 * The average of the updates k = 1, 2, ... since the start or the last
 * restart, each weighted D times the one after it, with D the decay given
 * to opr_ema_new(): TensorFlow's zero-debiased moving average,
 *
 *	m_k = D m_(k-1) + (1 - D) x_k,  m_0 = 0,  avg_k = m_k / (1 - D^k)
 *
 * kept as avg_k = d_k avg_(k-1) + (1 - d_k) x_k with
 * d_k = D (1 - D^(k-1)) / (1 - D^k).  So avg_1 = x_1, a short run
 * averages all its updates nearly alike, and a long one the last
 * 1 / (1 - D) or so (D = 0.998: about 500 steps, the weight of an update
 * halving every 346).  Before the first update avg is x as it was when
 * added or restarted.  Arithmetic is float32 in a fixed order,
 * single-threaded, so the same updates give the same bits.
 *
 * Errors: OPR_EUSAGE for a bad decay or tensor, OPR_ENOMEM.
 */
#ifndef OPR_TRAIN_EMA_H
#define OPR_TRAIN_EMA_H

#include <stddef.h>

#include "onnx_prune.h"

struct opr_ema;

/*
 * Creates an average with decay D in (0, 1), room for max_tensors >= 0
 * tensors and none yet.  On success *out owns it (free with
 * opr_ema_free()); on failure *out is NULL.
 */
int opr_ema_new(double decay, int max_tensors, struct opr_ema **out,
		struct opr_err *err);

/* Frees e and its copies.  NULL is a no-op. */
void opr_ema_free(struct opr_ema *e);

/*
 * Adds the n >= 1 floats at x, which must stay valid while e uses them
 * (opr_ema_store() writes them); the average of x starts as a copy of x
 * now.  OPR_EUSAGE once max_tensors are added.
 */
int opr_ema_add(struct opr_ema *e, float *x, size_t n, struct opr_err *err);

/* One update of every tensor's average from its current x (see above). */
void opr_ema_update(struct opr_ema *e);

/* Forgets the history: every average becomes a copy of its x, k = 0. */
void opr_ema_restart(struct opr_ema *e);

/* Updates since the start or the last restart. */
long opr_ema_updates(const struct opr_ema *e);

/* Writes every average over its x (the caller's tensors). */
void opr_ema_store(const struct opr_ema *e);

#endif
