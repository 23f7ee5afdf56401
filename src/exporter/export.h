/*
 * export.h - internals shared by the files of src/exporter/.
 *
 * One export builds a tree of protobuf-c structs (Onnx__ModelProto and
 * below) whose every node is carved from one scratch arena, struct opr_exp.
 * Strings and weight bytes are not copied: the structs point into the graph,
 * which the exporter never modifies.  Packed AttributeProtos kept by the
 * importer for unmodelled kinds are unpacked with an allocator that draws
 * from the same arena, so opr_exp_fini() frees everything at once.
 *
 * Files: export_tensor.c (tensors, types, attributes), export_sparse.c
 * (sparse initializers), export_model.c (graph, model, packing,
 * opr_export_mem), write_file.c (same-file check, external data, atomic
 * write, opr_export_file).
 */
#ifndef OPR_EXPORT_H
#define OPR_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "onnx.pb-c.h"
#include "ir.h"

/* Protobuf itself cannot parse a message of 2 GiB or more. */
#define OPR_EXP_MAX_PROTO ((size_t)INT32_MAX)

/* Default of opts->external_min. */
#define OPR_EXP_EXTERNAL_MIN 1024

/* Where an initializer goes when the model is written with external data. */
struct opr_exp_place {
	int64_t offset;		/* byte offset in the data file, -1: inline */
	int64_t length;		/* bytes, the value's nbytes */
};

/* The external data plan of one export: one entry per g->inits[]. */
struct opr_exp_ext {
	const char *location;		/* data file name, relative to the model */
	struct opr_exp_place *place;	/* n_inits entries, malloc'd */
	int64_t size;			/* bytes of the data file */
	int n_external;			/* entries with offset >= 0 */
};

/* State of one export: the scratch arena and what the builders read. */
struct opr_exp {
	struct opr_arena arena;		/* owns every struct built below */
	ProtobufCAllocator alloc;	/* draws from arena, for unpacking */
	const struct opr_graph *g;	/* the graph being written */
	int no_value_info;		/* opts->no_value_info */
	const struct opr_exp_ext *ext;	/* external data plan or NULL */
	int sparse;			/* opts->sparse_initializers (enum
					   opr_sparse_form) */
};

/* Sets x up to export g; opts may be NULL.  Never fails. */
void opr_exp_init(struct opr_exp *x, const struct opr_graph *g,
		  const struct opr_export_opts *opts);

/* Frees everything built with x. */
void opr_exp_fini(struct opr_exp *x);

/* n zeroed bytes from x's arena (n may be 0), NULL when out of memory. */
void *opr_exp_alloc(struct opr_exp *x, size_t n);

/*
 * 0 when nbytes is exactly what dtype and dims[0..rank) call for, -1
 * otherwise (also for strings and unknown dtypes, which have no raw form).
 */
int opr_exp_size_ok(int dtype, int rank, const int64_t *dims, size_t nbytes);

/*
 * A TensorProto named name (may be NULL) of dtype and dims[0..rank) holding
 * nbytes of little-endian data as raw_data (not copied).  NULL when out of
 * memory.
 */
Onnx__TensorProto *opr_exp_tensor(struct opr_exp *x, const char *name,
				  int dtype, int rank, const int64_t *dims,
				  const void *data, size_t nbytes);

/*
 * The TypeProto of value v: tensor_type with elem_type when the dtype is
 * known and a shape when rank >= 0 (dim_value, dim_param or an empty dim).
 * NULL when out of memory.
 */
Onnx__TypeProto *opr_exp_type(struct opr_exp *x, const struct opr_value *v);

/*
 * The AttributeProto for attribute a of node (index, for messages) into
 * *out.  Returns OPR_OK, OPR_ENOMEM, or OPR_EINTERNAL / OPR_EINVAL naming
 * the node when the attribute cannot be written.
 */
int opr_exp_attr(struct opr_exp *x, int node, const struct opr_attr *a,
		 Onnx__AttributeProto **out, struct opr_err *err);

/*
 * export_sparse.c: the enum opr_sparse_form initializer v of g is written
 * in: want (opts->sparse_initializers) or else the form it was imported
 * in, when v is a floating-point tensor of rank >= 1 that is not a graph
 * input, the IR version is 6 or more, and the sparse form (non-zero values
 * plus one int64 index each, plus 64 bytes) is smaller than the dense one;
 * otherwise OPR_SPARSE_NONE.  The Constant form falls back to the initializer form
 * below opset 11.
 */
int opr_exp_sparse_form(const struct opr_graph *g, int v, int want);

/*
 * export_sparse.c: the SparseTensorProto of initializer value v: values
 * [NNZ] named v->name (doc_string v's), linearised int64 indices [NNZ]
 * in ascending order, dims of v.  An element is zero when all its bytes are (so -0.0 is kept
 * and the dense tensor comes back bit for bit).  NULL when out of memory.
 */
Onnx__SparseTensorProto *opr_exp_sparse(struct opr_exp *x,
					const struct opr_value *v);

/*
 * export_sparse.c: the node Constant(sparse_value = opr_exp_sparse(v),
 * values unnamed) -> v->name.  NULL when out of memory.
 */
Onnx__NodeProto *opr_exp_sparse_constant(struct opr_exp *x,
					 const struct opr_value *v);

/*
 * Builds the ModelProto of x->g into *out (owned by x).  Returns OPR_OK,
 * OPR_ENOMEM, or OPR_EINVAL / OPR_EUNSUPPORTED naming the value or node
 * the IR cannot express as ONNX.
 */
int opr_exp_model(struct opr_exp *x, Onnx__ModelProto **out,
		  struct opr_err *err);

/*
 * Packs m into a malloc'd buffer *buf of *len bytes (caller frees).  what
 * names the destination in messages.  Returns OPR_OK, OPR_ENOMEM, or
 * OPR_EUNSUPPORTED when the message reaches protobuf's 2 GiB limit.
 */
int opr_exp_pack(const Onnx__ModelProto *m, const char *what, void **buf,
		 size_t *len, struct opr_err *err);

#endif
