/*
 * ops_table.c - the training engine's op table: for each graph op the
 * tr_op (setup, forward, backward) that trains it, or none.  A graph
 * whose path from input 0 to output 0 holds an op without an entry is
 * refused by opr_train_new(), naming the node.
 */
#include "train/tr_internal.h"

extern const struct tr_op tr_op_conv, tr_op_batchnorm;
extern const struct tr_op tr_op_relu, tr_op_clip, tr_op_leakyrelu,
	tr_op_sigmoid, tr_op_tanh, tr_op_hardsigmoid, tr_op_hardswish;
extern const struct tr_op tr_op_maxpool, tr_op_averagepool,
	tr_op_globalaveragepool, tr_op_globalmaxpool, tr_op_reducemean;
extern const struct tr_op tr_op_gemm, tr_op_matmul;
extern const struct tr_op tr_op_add, tr_op_sub, tr_op_mul, tr_op_div;
extern const struct tr_op tr_op_concat, tr_op_split, tr_op_slice, tr_op_pad;
extern const struct tr_op tr_op_reshape, tr_op_flatten, tr_op_squeeze,
	tr_op_unsqueeze, tr_op_identity, tr_op_dropout, tr_op_transpose;

static const struct tr_op *const table[OPR_OP_COUNT] = {
	[OPR_OP_CONV] = &tr_op_conv,
	[OPR_OP_BATCHNORM] = &tr_op_batchnorm,
	[OPR_OP_RELU] = &tr_op_relu,
	[OPR_OP_CLIP] = &tr_op_clip,
	[OPR_OP_LEAKYRELU] = &tr_op_leakyrelu,
	[OPR_OP_SIGMOID] = &tr_op_sigmoid,
	[OPR_OP_TANH] = &tr_op_tanh,
	[OPR_OP_HARDSIGMOID] = &tr_op_hardsigmoid,
	[OPR_OP_HARDSWISH] = &tr_op_hardswish,
	[OPR_OP_MAXPOOL] = &tr_op_maxpool,
	[OPR_OP_AVERAGEPOOL] = &tr_op_averagepool,
	[OPR_OP_GLOBALAVERAGEPOOL] = &tr_op_globalaveragepool,
	[OPR_OP_GLOBALMAXPOOL] = &tr_op_globalmaxpool,
	[OPR_OP_REDUCEMEAN] = &tr_op_reducemean,
	[OPR_OP_GEMM] = &tr_op_gemm,
	[OPR_OP_MATMUL] = &tr_op_matmul,
	[OPR_OP_ADD] = &tr_op_add,
	[OPR_OP_SUB] = &tr_op_sub,
	[OPR_OP_MUL] = &tr_op_mul,
	[OPR_OP_DIV] = &tr_op_div,
	[OPR_OP_CONCAT] = &tr_op_concat,
	[OPR_OP_SPLIT] = &tr_op_split,
	[OPR_OP_SLICE] = &tr_op_slice,
	[OPR_OP_PAD] = &tr_op_pad,
	[OPR_OP_RESHAPE] = &tr_op_reshape,
	[OPR_OP_FLATTEN] = &tr_op_flatten,
	[OPR_OP_SQUEEZE] = &tr_op_squeeze,
	[OPR_OP_UNSQUEEZE] = &tr_op_unsqueeze,
	[OPR_OP_IDENTITY] = &tr_op_identity,
	[OPR_OP_DROPOUT] = &tr_op_dropout,
	[OPR_OP_TRANSPOSE] = &tr_op_transpose,
};

const struct tr_op *tr_op_for(enum opr_op op)
{
	return op > OPR_OP_UNKNOWN && op < OPR_OP_COUNT ? table[op] : NULL;
}
