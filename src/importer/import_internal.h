/*
 * import_internal.h - what the importer's files share.  Only src/importer
 * sees protobuf types (style.md §1).
 */
#ifndef OPR_IMPORT_INTERNAL_H
#define OPR_IMPORT_INTERNAL_H

#include <inttypes.h>

#include "onnx.pb-c.h"
#include "ir.h"

/* State of one import. */
struct import_ctx {
	struct opr_graph *g;		/* graph being filled */
	const char *src;		/* file name (or "<memory>") for messages */
	const char *base_dir;		/* where external data lives, or NULL */
	struct opr_err *err;		/* where failures are reported */
};

/*
 * Converts TensorProto t into out (bytes in the graph arena).  what names the
 * role ("initializer", "attribute") in messages.  When the bytes came from
 * external data and ext_out is non-NULL, *ext_out records where.
 */
int import_tensor(struct import_ctx *c, const Onnx__TensorProto *t,
		  const char *what, struct opr_tensor *out,
		  struct opr_external **ext_out);

/*
 * Checks rank (<= OPR_MAX_RANK), dims (>= 0), dtype (sized) and that the
 * element and byte counts do not overflow; sets *numel and *nbytes.  The
 * error names what and name.
 */
int import_tensor_size(struct import_ctx *c, const char *what,
		       const char *name, int dtype, size_t n_dims,
		       const int64_t *dims, int64_t *numel, size_t *nbytes);

/*
 * Converts sparse tensor sp into a dense tensor *out (bytes in the graph
 * arena, zero where sp holds no value).  *name is given when non-NULL
 * (a Constant's output), else sp's values name, which must not be empty
 * (a sparse initializer); it points into sp or is given.  Every index is
 * checked (INT64, in range, no duplicate) before anything is written;
 * errors name the tensor.
 */
int import_sparse(struct import_ctx *c, const Onnx__SparseTensorProto *sp,
		  const char *given, struct opr_tensor *out, const char **name);

/*
 * Sets dtype and shape of value v from TypeProto tp.  strict: a non-tensor
 * type is an error (graph inputs and outputs) rather than ignored.
 */
int import_value_type(struct import_ctx *c, const Onnx__TypeProto *tp,
		      int v, int strict);

/* Converts the GraphProto into c->g: values, initializers, nodes, outputs. */
int import_graph(struct import_ctx *c, const Onnx__GraphProto *gp);

/* Converts the attributes of node np into node i of c->g. */
int import_attrs(struct import_ctx *c, const Onnx__NodeProto *np, int i);

/* Turns Constant nodes into initializers (the node is marked dead). */
int import_constants(struct import_ctx *c);

#endif
