/*
 * ops_table.c - the runtime's op table: for each op of the IR's enum the
 * runtime op (prep + fwd) in src/runtime/ops/, or NULL when the runtime
 * does not run it.  Kept beside, not inside, opr_ops[] until the op table
 * grows forward/backward slots (style.md §3).
 */
#include "runtime/runtime.h"

extern const struct rt_op opr_rt_op_add, opr_rt_op_averagepool, opr_rt_op_batchnorm,
	opr_rt_op_cast, opr_rt_op_clip, opr_rt_op_concat, opr_rt_op_constantofshape,
	opr_rt_op_conv, opr_rt_op_convtranspose, opr_rt_op_div, opr_rt_op_dropout,
	opr_rt_op_expand, opr_rt_op_flatten, opr_rt_op_gather, opr_rt_op_gemm,
	opr_rt_op_globalaveragepool, opr_rt_op_globalmaxpool, opr_rt_op_hardsigmoid,
	opr_rt_op_hardswish, opr_rt_op_identity, opr_rt_op_leakyrelu, opr_rt_op_matmul,
	opr_rt_op_maxpool, opr_rt_op_mul, opr_rt_op_neg, opr_rt_op_pad, opr_rt_op_prelu,
	opr_rt_op_reducemean, opr_rt_op_relu, opr_rt_op_reshape, opr_rt_op_resize,
	opr_rt_op_shape, opr_rt_op_sigmoid, opr_rt_op_slice, opr_rt_op_softmax, opr_rt_op_split,
	opr_rt_op_squeeze, opr_rt_op_sub, opr_rt_op_sum, opr_rt_op_tanh, opr_rt_op_transpose,
	opr_rt_op_unsqueeze;

static const struct rt_op *const table[OPR_OP_COUNT] = {
	[OPR_OP_ADD] = &opr_rt_op_add,
	[OPR_OP_AVERAGEPOOL] = &opr_rt_op_averagepool,
	[OPR_OP_BATCHNORM] = &opr_rt_op_batchnorm,
	[OPR_OP_CAST] = &opr_rt_op_cast,
	[OPR_OP_CLIP] = &opr_rt_op_clip,
	[OPR_OP_CONCAT] = &opr_rt_op_concat,
	[OPR_OP_CONSTANTOFSHAPE] = &opr_rt_op_constantofshape,
	[OPR_OP_CONV] = &opr_rt_op_conv,
	[OPR_OP_CONVTRANSPOSE] = &opr_rt_op_convtranspose,
	[OPR_OP_DIV] = &opr_rt_op_div,
	[OPR_OP_DROPOUT] = &opr_rt_op_dropout,
	[OPR_OP_EXPAND] = &opr_rt_op_expand,
	[OPR_OP_FLATTEN] = &opr_rt_op_flatten,
	[OPR_OP_GATHER] = &opr_rt_op_gather,
	[OPR_OP_GEMM] = &opr_rt_op_gemm,
	[OPR_OP_GLOBALAVERAGEPOOL] = &opr_rt_op_globalaveragepool,
	[OPR_OP_GLOBALMAXPOOL] = &opr_rt_op_globalmaxpool,
	[OPR_OP_HARDSIGMOID] = &opr_rt_op_hardsigmoid,
	[OPR_OP_HARDSWISH] = &opr_rt_op_hardswish,
	[OPR_OP_IDENTITY] = &opr_rt_op_identity,
	[OPR_OP_LEAKYRELU] = &opr_rt_op_leakyrelu,
	[OPR_OP_MATMUL] = &opr_rt_op_matmul,
	[OPR_OP_MAXPOOL] = &opr_rt_op_maxpool,
	[OPR_OP_MUL] = &opr_rt_op_mul,
	[OPR_OP_NEG] = &opr_rt_op_neg,
	[OPR_OP_PAD] = &opr_rt_op_pad,
	[OPR_OP_PRELU] = &opr_rt_op_prelu,
	[OPR_OP_REDUCEMEAN] = &opr_rt_op_reducemean,
	[OPR_OP_RELU] = &opr_rt_op_relu,
	[OPR_OP_RESHAPE] = &opr_rt_op_reshape,
	[OPR_OP_RESIZE] = &opr_rt_op_resize,
	[OPR_OP_SHAPE] = &opr_rt_op_shape,
	[OPR_OP_SIGMOID] = &opr_rt_op_sigmoid,
	[OPR_OP_SLICE] = &opr_rt_op_slice,
	[OPR_OP_SOFTMAX] = &opr_rt_op_softmax,
	[OPR_OP_SPLIT] = &opr_rt_op_split,
	[OPR_OP_SQUEEZE] = &opr_rt_op_squeeze,
	[OPR_OP_SUB] = &opr_rt_op_sub,
	[OPR_OP_SUM] = &opr_rt_op_sum,
	[OPR_OP_TANH] = &opr_rt_op_tanh,
	[OPR_OP_TRANSPOSE] = &opr_rt_op_transpose,
	[OPR_OP_UNSQUEEZE] = &opr_rt_op_unsqueeze,
};

const struct rt_op *opr_rt_op_for(enum opr_op op)
{
	return op > OPR_OP_UNKNOWN && op < OPR_OP_COUNT ? table[op] : NULL;
}
