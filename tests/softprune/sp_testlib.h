/*
 * sp_testlib.h - what the soft-pruning tests share: a tiny residual CNN
 * built in C, a tiny synthetic image set, the training recipe the tests
 * use, and looks at filters.
 *
 * The tiny model, input x [N,1,8,8], output logits [N,4]:
 *   c1 Conv 1->8 3x3 -> b1 BN -> Relu = h1
 *   c2 Conv 8->12 3x3 -> b2 BN -> Relu -> c3 Conv 12->8 3x3 -> b3 BN
 *   Add(h1, .) -> Relu -> c4 Conv 8->16 3x3 stride 2 -> b4 BN -> Relu
 *   GlobalAveragePool -> Flatten -> fc Gemm 16->4 (transB)
 * Prunable groups: {c1, c3, the Add} (8 channels), c2 (12), c4 (16).
 * The data: 4 classes, class k a bright 4x4 quadrant k on a dark
 * background, with noise.
 */
#ifndef SP_TESTLIB_H
#define SP_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "train/finetune.h"

/* Number of Conv nodes of the tiny model, and their names. */
#define SP_N_CONV 4
extern const char *const sp_conv_names[SP_N_CONV];

/*
 * The tiny model with weights from seed, exported and imported again (so
 * that it is a model as a file gives it).  Dies (abort) on failure.
 */
struct opr_graph *sp_tiny_model(uint64_t seed);

/* n images of the tiny set from seed; free with sp_data_free(). */
struct opr_dataset *sp_tiny_data(int n, uint64_t seed);
void sp_data_free(struct opr_dataset *ds);

/* The tests' recipe: epochs, batch 32, 1 thread, lr 0.05, no augmentation. */
void sp_ft_opts(struct opr_ft_opts *ft, int epochs);

/*
 * zero[i] = 1 when filter i of the Conv called node in g is all zero;
 * returns the filter count.  Dies when there is no such Conv or it has
 * more than max filters.
 */
int sp_zero_rows(const struct opr_graph *g, const char *node,
		 unsigned char *zero, int max);

/*
 * zero[i] = 1 when the BatchNormalization scale of channel i of the Conv
 * called node (cK, whose BN is bK) is 0; returns the channel count.  Dies
 * when there is no such BN or it has more than max channels.
 */
int sp_zero_scales(const struct opr_graph *g, const char *node,
		   unsigned char *zero, int max);

/* The weight of the Conv called node in g (float, rank 4); dies when none. */
const struct opr_value *sp_conv_weight(const struct opr_graph *g,
				       const char *node);

/* Output channels of the Conv called node in g; dies when none. */
int sp_conv_out(const struct opr_graph *g, const char *node);

/* g exported and imported again (a deep copy).  Dies on failure. */
struct opr_graph *sp_clone(const struct opr_graph *g);

/*
 * Largest |a - b| of the first outputs of a and b on the first n images of
 * ds, relative to the largest |output| of a (floor 1).  Dies on failure.
 */
double sp_out_diff(const struct opr_graph *a, const struct opr_graph *b,
		   const struct opr_dataset *ds, int n);

#endif
