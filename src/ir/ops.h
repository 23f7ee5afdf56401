/*
 * ops.h - the one op table (style.md §3): every operator onnx-prune knows,
 * with its arity and the functions that infer, fold (and, later, run and
 * differentiate) it.  An op not in the table is kept opaque as
 * OPR_OP_UNKNOWN: it round-trips unchanged and blocks channel coupling.
 */
#ifndef OPR_OPS_H
#define OPR_OPS_H

struct opr_graph;
struct opr_err;

enum opr_op {
	OPR_OP_UNKNOWN = 0,
	OPR_OP_ADD,
	OPR_OP_AVERAGEPOOL,
	OPR_OP_BATCHNORM,
	OPR_OP_CAST,
	OPR_OP_CLIP,
	OPR_OP_CONCAT,
	OPR_OP_CONSTANT,
	OPR_OP_CONSTANTOFSHAPE,
	OPR_OP_CONV,
	OPR_OP_CONVTRANSPOSE,
	OPR_OP_DIV,
	OPR_OP_DROPOUT,
	OPR_OP_EXPAND,
	OPR_OP_FLATTEN,
	OPR_OP_GATHER,
	OPR_OP_GEMM,
	OPR_OP_GLOBALAVERAGEPOOL,
	OPR_OP_GLOBALMAXPOOL,
	OPR_OP_HARDSIGMOID,
	OPR_OP_HARDSWISH,
	OPR_OP_IDENTITY,
	OPR_OP_LEAKYRELU,
	OPR_OP_MATMUL,
	OPR_OP_MAXPOOL,
	OPR_OP_MUL,
	OPR_OP_NEG,
	OPR_OP_PAD,
	OPR_OP_PRELU,
	OPR_OP_REDUCEMEAN,
	OPR_OP_RELU,
	OPR_OP_RESHAPE,
	OPR_OP_RESIZE,
	OPR_OP_SHAPE,
	OPR_OP_SIGMOID,
	OPR_OP_SLICE,
	OPR_OP_SOFTMAX,
	OPR_OP_SPLIT,
	OPR_OP_SQUEEZE,
	OPR_OP_SUB,
	OPR_OP_SUM,
	OPR_OP_TANH,
	OPR_OP_TRANSPOSE,
	OPR_OP_UNSQUEEZE,
	OPR_OP_COUNT
};

/*
 * Sets the dtype and shape of node's outputs from its inputs and attributes.
 * Returns OPR_OK, or OPR_ESHAPE naming the node and op when inputs or
 * attributes do not fit.  Leaves an output's rank at -1 when it cannot be
 * known statically.
 */
typedef int (*opr_infer_fn)(struct opr_graph *g, int node, struct opr_err *err);

/*
 * Computes node's outputs as initializers when every input is an
 * initializer (or, for Shape, when the input's shape is static).  Returns
 * OPR_OK (outputs now hold data) or OPR_EUNSUPPORTED when it cannot (the
 * node stays), or another error.
 */
typedef int (*opr_fold_fn)(struct opr_graph *g, int node, struct opr_err *err);

/* One slot of the op table. */
struct opr_op_def {
	const char *name;	/* ONNX op_type */
	int min_in, max_in;	/* allowed input count (optional ones included) */
	int min_out, max_out;	/* allowed output count */
	opr_infer_fn infer;	/* shape inference, NULL: outputs unknown */
	opr_fold_fn fold;	/* constant folding, NULL: never folded */
};

extern const struct opr_op_def opr_ops[OPR_OP_COUNT];

/*
 * The op for op_type in domain ("" or "ai.onnx" are the default domain), or
 * OPR_OP_UNKNOWN for anything else.
 */
enum opr_op opr_op_lookup(const char *op_type, const char *domain);

/* Highest default-domain opset version the table is written against. */
#define OPR_MAX_OPSET 21

#endif
