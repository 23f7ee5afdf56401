/*
 * ops.c - the op table: names, arities and the per-op functions.
 *
 * Shape inference lives in infer*.c, constant folding in fold*.c (their
 * per-op functions are declared in infer.h); later the runtime adds forward
 * and backward.  A unit test checks that every slot has a name and an infer
 * function.  The last column is the channel rule (enum opr_chan_rule in
 * ops.h) that src/passes/deps_rules.c and deps_maps.c apply; an op left
 * BLOCK is never assumed to be element-wise.
 */
#include <string.h>

#include "infer.h"

#define OP(e, n, i0, i1, o0, o1, inf, fld, ch) \
	[e] = { .name = n, .min_in = i0, .max_in = i1, .min_out = o0, \
		.max_out = o1, .infer = inf, .fold = fld, .chan = OPR_CHAN_##ch }

const struct opr_op_def opr_ops[OPR_OP_COUNT] = {
	OP(OPR_OP_UNKNOWN, "?", 0, OPR_MAX_INPUTS, 0, OPR_MAX_INPUTS,
	   NULL, NULL, BLOCK),
	OP(OPR_OP_ADD, "Add", 2, 2, 1, 1,
	   opr_infer_binary, opr_fold_binary, ELEMWISE),
	OP(OPR_OP_AVERAGEPOOL, "AveragePool", 1, 1, 1, 1,
	   opr_infer_pool, NULL, SPATIAL),
	OP(OPR_OP_BATCHNORM, "BatchNormalization", 5, 5, 1, 3,
	   opr_infer_batchnorm, NULL, NORM),
	OP(OPR_OP_CAST, "Cast", 1, 1, 1, 1,
	   opr_infer_cast, opr_fold_cast, PASSTHRU),
	OP(OPR_OP_CLIP, "Clip", 1, 3, 1, 1,
	   opr_infer_clip, NULL, PASSTHRU),
	OP(OPR_OP_CONCAT, "Concat", 1, OPR_MAX_INPUTS, 1, 1,
	   opr_infer_concat, opr_fold_concat, CONCAT),
	OP(OPR_OP_CONSTANT, "Constant", 0, 0, 1, 1,
	   opr_infer_constant, opr_fold_constant, BLOCK),
	OP(OPR_OP_CONSTANTOFSHAPE, "ConstantOfShape", 1, 1, 1, 1,
	   opr_infer_constantofshape, opr_fold_constantofshape, BLOCK),
	OP(OPR_OP_CONV, "Conv", 2, 3, 1, 1,
	   opr_infer_conv, NULL, PRODUCER),
	OP(OPR_OP_CONVTRANSPOSE, "ConvTranspose", 2, 3, 1, 1,
	   opr_infer_convtranspose, NULL, PRODUCER),
	OP(OPR_OP_DIV, "Div", 2, 2, 1, 1,
	   opr_infer_binary, opr_fold_binary, ELEMWISE),
	OP(OPR_OP_DROPOUT, "Dropout", 1, 3, 1, 2,
	   opr_infer_dropout, NULL, PASSTHRU),
	OP(OPR_OP_EXPAND, "Expand", 2, 2, 1, 1,
	   opr_infer_expand, opr_fold_expand, BLOCK),
	OP(OPR_OP_FLATTEN, "Flatten", 1, 1, 1, 1,
	   opr_infer_flatten, opr_fold_copy, RESHAPE),
	OP(OPR_OP_GATHER, "Gather", 2, 2, 1, 1,
	   opr_infer_gather, opr_fold_gather, BLOCK),
	OP(OPR_OP_GEMM, "Gemm", 2, 3, 1, 1,
	   opr_infer_gemm, NULL, PRODUCER),
	OP(OPR_OP_GLOBALAVERAGEPOOL, "GlobalAveragePool", 1, 1, 1, 1,
	   opr_infer_global_pool, NULL, SPATIAL),
	OP(OPR_OP_GLOBALMAXPOOL, "GlobalMaxPool", 1, 1, 1, 1,
	   opr_infer_global_pool, NULL, SPATIAL),
	OP(OPR_OP_HARDSIGMOID, "HardSigmoid", 1, 1, 1, 1,
	   opr_infer_same, NULL, PASSTHRU),
	OP(OPR_OP_HARDSWISH, "HardSwish", 1, 1, 1, 1,
	   opr_infer_same, NULL, PASSTHRU),
	OP(OPR_OP_IDENTITY, "Identity", 1, 1, 1, 1,
	   opr_infer_same, opr_fold_copy, PASSTHRU),
	OP(OPR_OP_LEAKYRELU, "LeakyRelu", 1, 1, 1, 1,
	   opr_infer_same, NULL, PASSTHRU),
	OP(OPR_OP_MATMUL, "MatMul", 2, 2, 1, 1,
	   opr_infer_matmul, NULL, PRODUCER),
	OP(OPR_OP_MAXPOOL, "MaxPool", 1, 1, 1, 2,
	   opr_infer_pool, NULL, SPATIAL),
	OP(OPR_OP_MUL, "Mul", 2, 2, 1, 1,
	   opr_infer_binary, opr_fold_binary, ELEMWISE),
	OP(OPR_OP_NEG, "Neg", 1, 1, 1, 1,
	   opr_infer_same, opr_fold_unary, PASSTHRU),
	OP(OPR_OP_PAD, "Pad", 1, 4, 1, 1,
	   opr_infer_pad, NULL, PAD),
	OP(OPR_OP_PRELU, "PRelu", 2, 2, 1, 1,
	   opr_infer_prelu, NULL, ELEMWISE),
	OP(OPR_OP_REDUCEMEAN, "ReduceMean", 1, 2, 1, 1,
	   opr_infer_reducemean, NULL, REDUCE),
	OP(OPR_OP_RELU, "Relu", 1, 1, 1, 1,
	   opr_infer_same, opr_fold_unary, PASSTHRU),
	OP(OPR_OP_RESHAPE, "Reshape", 2, 2, 1, 1,
	   opr_infer_reshape, opr_fold_copy, RESHAPE),
	OP(OPR_OP_RESIZE, "Resize", 1, 4, 1, 1,
	   opr_infer_resize, NULL, SPATIAL),
	OP(OPR_OP_SHAPE, "Shape", 1, 1, 1, 1,
	   opr_infer_shape, opr_fold_shape, BLOCK),
	OP(OPR_OP_SIGMOID, "Sigmoid", 1, 1, 1, 1,
	   opr_infer_same, opr_fold_unary, PASSTHRU),
	OP(OPR_OP_SLICE, "Slice", 1, 5, 1, 1,
	   opr_infer_slice, opr_fold_slice, SLICE),
	OP(OPR_OP_SOFTMAX, "Softmax", 1, 1, 1, 1,
	   opr_infer_softmax, NULL, REDUCE),
	OP(OPR_OP_SPLIT, "Split", 1, 2, 1, OPR_MAX_INPUTS,
	   opr_infer_split, opr_fold_split, SPLIT),
	OP(OPR_OP_SQUEEZE, "Squeeze", 1, 2, 1, 1,
	   opr_infer_squeeze, opr_fold_copy, RESHAPE),
	OP(OPR_OP_SUB, "Sub", 2, 2, 1, 1,
	   opr_infer_binary, opr_fold_binary, ELEMWISE),
	OP(OPR_OP_SUM, "Sum", 1, OPR_MAX_INPUTS, 1, 1,
	   opr_infer_sum, NULL, ELEMWISE),
	OP(OPR_OP_TANH, "Tanh", 1, 1, 1, 1,
	   opr_infer_same, opr_fold_unary, PASSTHRU),
	OP(OPR_OP_TRANSPOSE, "Transpose", 1, 1, 1, 1,
	   opr_infer_transpose, opr_fold_transpose, TRANSPOSE),
	OP(OPR_OP_UNSQUEEZE, "Unsqueeze", 1, 2, 1, 1,
	   opr_infer_unsqueeze, opr_fold_copy, RESHAPE),
};

enum opr_op opr_op_lookup(const char *op_type, const char *domain)
{
	int i;

	if (!op_type || (domain && *domain && strcmp(domain, "ai.onnx") != 0))
		return OPR_OP_UNKNOWN;
	for (i = 1; i < OPR_OP_COUNT; i++)
		if (strcmp(opr_ops[i].name, op_type) == 0)
			return (enum opr_op)i;
	return OPR_OP_UNKNOWN;
}
