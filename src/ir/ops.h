/*
 * ops.h - the one op table (style.md §3): every operator onnx-prune knows,
 * with its arity, the functions that infer, fold (and, later, run and
 * differentiate) it, and its channel rule.  An op not in the table is kept
 * opaque as OPR_OP_UNKNOWN: it round-trips unchanged and blocks channel
 * coupling.
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

/*
 * How an op couples the channels of its inputs and outputs (style.md §4,
 * "Channel rules are data"); src/passes/deps_rules.c and deps_maps.c
 * implement them.
 * A channel is an index along axis 1 of an activation (or, after a Reshape
 * that splits axis 1, along the dims that came from it).
 */
enum opr_chan_rule {
	OPR_CHAN_BLOCK = 0,	/* default: couples nothing and freezes every
				   channel it reads or writes */
	OPR_CHAN_PASSTHRU,	/* element-wise unary: output channel c is
				   input channel c (Relu, Clip, Cast, ...) */
	OPR_CHAN_SPATIAL,	/* works on dims 2.. per channel: pools,
				   global pools, Resize */
	OPR_CHAN_NORM,		/* BatchNormalization: pass-through plus
				   per-channel tensors in inputs 1..4 */
	OPR_CHAN_ELEMWISE,	/* broadcasting Add/Sub/Mul/Div/Sum/PRelu:
				   operands of full channel size are coupled,
				   constant ones are sliced with them */
	OPR_CHAN_PRODUCER,	/* boundary: Conv (group 1; depthwise and
				   grouped handled by the rule), ConvTranspose,
				   Gemm and MatMul with a constant weight */
	OPR_CHAN_CONCAT,	/* Concat: input k at its offset on axis 1 */
	OPR_CHAN_SPLIT,		/* Split: output k from its offset on axis 1 */
	OPR_CHAN_SLICE,		/* Slice: a range of axis 1 (step 1) */
	OPR_CHAN_PAD,		/* Pad: offset on axis 1, padded channels
				   belong to no producer */
	OPR_CHAN_RESHAPE,	/* Reshape, Flatten, Squeeze, Unsqueeze: index
				   map from static shapes (stride c -> c*S) */
	OPR_CHAN_TRANSPOSE,	/* Transpose: permutation of the channel dims */
	OPR_CHAN_REDUCE,	/* ReduceMean, Softmax: pass-through when the
				   axes avoid batch and channel dims */
	OPR_CHAN_COUNT
};

/* One slot of the op table. */
struct opr_op_def {
	const char *name;	/* ONNX op_type */
	int min_in, max_in;	/* allowed input count (optional ones included) */
	int min_out, max_out;	/* allowed output count */
	opr_infer_fn infer;	/* shape inference, NULL: outputs unknown */
	opr_fold_fn fold;	/* constant folding, NULL: never folded */
	enum opr_chan_rule chan;	/* channel coupling rule (deps pass) */
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
