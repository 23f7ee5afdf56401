/*
 * ops.c - the op table: names, arities and the per-op functions.
 *
 * Shape inference lives in infer.c, constant folding in fold.c; later the
 * runtime adds forward and backward.  A unit test checks that every slot
 * has a name.
 */
#include <string.h>

#include "ir.h"

#define OP(e, n, i0, i1, o0, o1) \
	[e] = { .name = n, .min_in = i0, .max_in = i1, .min_out = o0, .max_out = o1 }

const struct opr_op_def opr_ops[OPR_OP_COUNT] = {
	OP(OPR_OP_UNKNOWN, "?", 0, OPR_MAX_INPUTS, 0, OPR_MAX_INPUTS),
	OP(OPR_OP_ADD, "Add", 2, 2, 1, 1),
	OP(OPR_OP_AVERAGEPOOL, "AveragePool", 1, 1, 1, 1),
	OP(OPR_OP_BATCHNORM, "BatchNormalization", 5, 5, 1, 3),
	OP(OPR_OP_CAST, "Cast", 1, 1, 1, 1),
	OP(OPR_OP_CLIP, "Clip", 1, 3, 1, 1),
	OP(OPR_OP_CONCAT, "Concat", 1, OPR_MAX_INPUTS, 1, 1),
	OP(OPR_OP_CONSTANT, "Constant", 0, 0, 1, 1),
	OP(OPR_OP_CONSTANTOFSHAPE, "ConstantOfShape", 1, 1, 1, 1),
	OP(OPR_OP_CONV, "Conv", 2, 3, 1, 1),
	OP(OPR_OP_CONVTRANSPOSE, "ConvTranspose", 2, 3, 1, 1),
	OP(OPR_OP_DIV, "Div", 2, 2, 1, 1),
	OP(OPR_OP_DROPOUT, "Dropout", 1, 3, 1, 2),
	OP(OPR_OP_EXPAND, "Expand", 2, 2, 1, 1),
	OP(OPR_OP_FLATTEN, "Flatten", 1, 1, 1, 1),
	OP(OPR_OP_GATHER, "Gather", 2, 2, 1, 1),
	OP(OPR_OP_GEMM, "Gemm", 2, 3, 1, 1),
	OP(OPR_OP_GLOBALAVERAGEPOOL, "GlobalAveragePool", 1, 1, 1, 1),
	OP(OPR_OP_GLOBALMAXPOOL, "GlobalMaxPool", 1, 1, 1, 1),
	OP(OPR_OP_HARDSIGMOID, "HardSigmoid", 1, 1, 1, 1),
	OP(OPR_OP_HARDSWISH, "HardSwish", 1, 1, 1, 1),
	OP(OPR_OP_IDENTITY, "Identity", 1, 1, 1, 1),
	OP(OPR_OP_LEAKYRELU, "LeakyRelu", 1, 1, 1, 1),
	OP(OPR_OP_MATMUL, "MatMul", 2, 2, 1, 1),
	OP(OPR_OP_MAXPOOL, "MaxPool", 1, 1, 1, 2),
	OP(OPR_OP_MUL, "Mul", 2, 2, 1, 1),
	OP(OPR_OP_NEG, "Neg", 1, 1, 1, 1),
	OP(OPR_OP_PAD, "Pad", 1, 4, 1, 1),
	OP(OPR_OP_PRELU, "PRelu", 2, 2, 1, 1),
	OP(OPR_OP_REDUCEMEAN, "ReduceMean", 1, 2, 1, 1),
	OP(OPR_OP_RELU, "Relu", 1, 1, 1, 1),
	OP(OPR_OP_RESHAPE, "Reshape", 2, 2, 1, 1),
	OP(OPR_OP_RESIZE, "Resize", 1, 4, 1, 1),
	OP(OPR_OP_SHAPE, "Shape", 1, 1, 1, 1),
	OP(OPR_OP_SIGMOID, "Sigmoid", 1, 1, 1, 1),
	OP(OPR_OP_SLICE, "Slice", 3, 5, 1, 1),
	OP(OPR_OP_SOFTMAX, "Softmax", 1, 1, 1, 1),
	OP(OPR_OP_SPLIT, "Split", 1, 2, 1, OPR_MAX_INPUTS),
	OP(OPR_OP_SQUEEZE, "Squeeze", 1, 2, 1, 1),
	OP(OPR_OP_SUB, "Sub", 2, 2, 1, 1),
	OP(OPR_OP_SUM, "Sum", 1, OPR_MAX_INPUTS, 1, 1),
	OP(OPR_OP_TANH, "Tanh", 1, 1, 1, 1),
	OP(OPR_OP_TRANSPOSE, "Transpose", 1, 1, 1, 1),
	OP(OPR_OP_UNSQUEEZE, "Unsqueeze", 1, 2, 1, 1),
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
