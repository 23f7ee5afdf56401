/*
 * ir.h - the in-memory graph every part of onnx-prune works on.
 *
 * A graph is two arrays, values and nodes, that refer to each other by index
 * (style.md §2): node->in[k] is an index into g->values, -1 for an omitted
 * optional input; value->producer is a node index or -1.  Indices make
 * deleting and renumbering cheap, and nothing holds a pointer into the
 * arrays across a call that may grow them.
 *
 * Memory: every string, dims array, attribute and weight lives in g->arena
 * and is freed by opr_graph_free() alone.  The two growable arrays (values,
 * nodes) are plain realloc'd buffers owned by the graph.
 *
 * Protobuf never appears here: the importer converts, the exporter converts
 * back (style.md §1).
 */
#ifndef OPR_IR_H
#define OPR_IR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"
#include "arena.h"
#include "ops.h"

#define OPR_MAX_RANK 8		/* deeper tensors are refused at import */
#define OPR_MAX_INPUTS 4096	/* per node; Concat/Sum beyond this is refused */

/* Element types, numbered as ONNX TensorProto.DataType. */
enum opr_dtype {
	OPR_DT_UNDEFINED = 0,
	OPR_DT_FLOAT = 1,
	OPR_DT_UINT8 = 2,
	OPR_DT_INT8 = 3,
	OPR_DT_UINT16 = 4,
	OPR_DT_INT16 = 5,
	OPR_DT_INT32 = 6,
	OPR_DT_INT64 = 7,
	OPR_DT_STRING = 8,
	OPR_DT_BOOL = 9,
	OPR_DT_FLOAT16 = 10,
	OPR_DT_DOUBLE = 11,
	OPR_DT_UINT32 = 12,
	OPR_DT_UINT64 = 13,
	OPR_DT_COMPLEX64 = 14,
	OPR_DT_COMPLEX128 = 15,
	OPR_DT_BFLOAT16 = 16,
	OPR_DT_COUNT
};

/* Attribute kinds, numbered as ONNX AttributeProto.AttributeType. */
enum opr_attr_type {
	OPR_AT_UNDEFINED = 0,
	OPR_AT_FLOAT = 1,
	OPR_AT_INT = 2,
	OPR_AT_STRING = 3,
	OPR_AT_TENSOR = 4,
	OPR_AT_GRAPH = 5,
	OPR_AT_FLOATS = 6,
	OPR_AT_INTS = 7,
	OPR_AT_STRINGS = 8,
	OPR_AT_TENSORS = 9,
	OPR_AT_GRAPHS = 10,
	OPR_AT_SPARSE_TENSOR = 11,
	OPR_AT_SPARSE_TENSORS = 12,
	OPR_AT_TYPE_PROTO = 13,
	OPR_AT_TYPE_PROTOS = 14
};

/* A dense tensor held by an attribute (e.g. ConstantOfShape's value). */
struct opr_tensor {
	int dtype;			/* enum opr_dtype */
	int rank;			/* 0..OPR_MAX_RANK */
	int64_t dims[OPR_MAX_RANK];	/* all known (>= 0) */
	void *data;			/* nbytes of little-endian elements */
	size_t nbytes;			/* numel * opr_dtype_size(dtype) */
};

/*
 * One attribute, parsed once at import.  Kinds the IR does not model
 * (graphs, sparse tensors, type protos, lists of tensors) keep the packed
 * AttributeProto in raw/raw_len so the exporter can write it back unchanged.
 */
struct opr_attr {
	char *name;		/* attribute name, e.g. "strides" */
	int type;		/* enum opr_attr_type */
	float f;		/* OPR_AT_FLOAT */
	int64_t i;		/* OPR_AT_INT */
	char *s;		/* OPR_AT_STRING bytes (NUL added, may hold NULs) */
	size_t s_len;		/* length of s without the added NUL */
	int n;			/* element count of floats / ints / strings */
	float *floats;		/* OPR_AT_FLOATS */
	int64_t *ints;		/* OPR_AT_INTS */
	char **strings;		/* OPR_AT_STRINGS, each NUL-terminated */
	size_t *string_lens;	/* OPR_AT_STRINGS byte lengths */
	struct opr_tensor *t;	/* OPR_AT_TENSOR */
	void *raw;		/* packed AttributeProto for unmodelled kinds */
	size_t raw_len;		/* bytes in raw */
	char *doc_string;	/* NULL when absent */
	char *ref_attr_name;	/* NULL when absent (function bodies only) */
};

/* Where an initializer's bytes came from (ONNX external data). */
struct opr_external {
	char *location;		/* path relative to the model file */
	int64_t offset;		/* byte offset in that file */
	int64_t length;		/* byte count, -1 when not given */
};

/* A tensor-valued edge of the graph: graph input, initializer or activation. */
struct opr_value {
	char *name;		/* unique in the graph, never NULL */
	int dtype;		/* enum opr_dtype, OPR_DT_UNDEFINED when unknown */
	int rank;		/* -1 when unknown */
	int64_t dims[OPR_MAX_RANK];	/* -1 for a dim not known statically */
	char *dim_param[OPR_MAX_RANK];	/* symbolic name of such a dim, or NULL */
	void *data;		/* initializer bytes, NULL for activations */
	size_t nbytes;		/* bytes in data */
	int producer;		/* index of the producing node, -1 if none */
	int is_initializer;	/* 1 when data holds the value's constant bytes */
	int is_sparse;		/* enum opr_sparse_form the model stored it
				   in (the exporter keeps it when smaller) */
	int keep_value_info;	/* 1 when the model carried value_info for it */
	struct opr_external *external;	/* non-NULL when read from external data */
	char *doc_string;	/* from value_info / input / output, or NULL */
};

/* One operator application. */
struct opr_node {
	enum opr_op op;		/* OPR_OP_UNKNOWN for ops kept opaque */
	char *op_type;		/* as read, e.g. "Conv" */
	char *domain;		/* "" for the default ONNX domain */
	char *name;		/* node name, may be "" */
	char *doc_string;	/* NULL when absent */
	int n_in;		/* entries in in[] */
	int n_out;		/* entries in out[] */
	int *in;		/* value indices, -1 for an omitted optional */
	int *out;		/* value indices, -1 for an omitted optional */
	int n_attrs;		/* entries in attrs[] */
	struct opr_attr *attrs;	/* parsed attributes */
	int dead;		/* set by passes; opr_graph_compact() removes it */
};

/* One entry of opset_import. */
struct opr_opset {
	char *domain;		/* "" or "ai.onnx" for the default domain */
	int64_t version;	/* operator set version */
};

/* A metadata_props entry. */
struct opr_kv {
	char *key;
	char *value;
};

/* A whole model: the graph plus the ModelProto fields kept for round trips. */
struct opr_graph {
	struct opr_arena arena;		/* owns every string, attr and weight */
	char *path;			/* file it came from, for messages; may be NULL */
	char *dir;			/* directory of path, for external data */

	int64_t ir_version;		/* ModelProto.ir_version */
	int n_opsets;			/* entries in opsets[] */
	struct opr_opset *opsets;	/* ModelProto.opset_import */
	char *producer_name;		/* NULL when absent */
	char *producer_version;		/* NULL when absent */
	char *model_domain;		/* ModelProto.domain, NULL when absent */
	int has_model_version;		/* ModelProto.model_version present */
	int64_t model_version;		/* ModelProto.model_version */
	char *doc_string;		/* ModelProto.doc_string, NULL when absent */
	int n_meta;			/* entries in meta[] */
	struct opr_kv *meta;		/* ModelProto.metadata_props */
	char *graph_name;		/* GraphProto.name, NULL when absent */
	char *graph_doc_string;		/* GraphProto.doc_string, NULL when absent */

	int n_values, cap_values;	/* used and allocated entries of values[] */
	struct opr_value *values;	/* realloc'd; index = value id */
	int n_nodes, cap_nodes;		/* used and allocated entries of nodes[] */
	struct opr_node *nodes;		/* realloc'd, topologically ordered */
	int n_inputs;			/* entries in inputs[] */
	int *inputs;			/* graph inputs (value ids), in model order */
	int n_outputs;			/* entries in outputs[] */
	int *outputs;			/* graph outputs (value ids), in model order */
	int n_inits;			/* entries in inits[] */
	int *inits;			/* initializers (value ids), in model order */

	int *name_index;		/* open-addressing hash of value names */
	int name_index_cap;		/* slots in name_index (power of two), 0 if none */
};

/* Bytes per element of dtype, 0 for strings and unknown types. */
size_t opr_dtype_size(int dtype);

/* Printable ONNX name of dtype ("float", "int64", ...), "?" if unknown. */
const char *opr_dtype_name(int dtype);

/*
 * Creates an empty graph.  Returns NULL only when out of memory.
 * The caller frees it with opr_graph_free().
 */
struct opr_graph *opr_graph_new(void);

/*
 * Copies str into the graph's arena and returns the copy (NULL for NULL).
 * Returns NULL on allocation failure only when str is non-NULL.
 */
char *opr_graph_strdup(struct opr_graph *g, const char *str);

/*
 * Adds a value named name (copied) with unknown type and shape.  Returns its
 * index, or -1 when out of memory or when the name is already taken (the
 * caller tells the two apart with opr_graph_find_value()).
 */
int opr_graph_add_value(struct opr_graph *g, const char *name);

/*
 * Adds a node of op_type/domain (copied) with room for n_in inputs and n_out
 * outputs, all -1, and no attributes.  Returns its index or -1 when out of
 * memory.  The node is appended: the caller keeps the topological order or
 * calls opr_graph_toposort().
 */
int opr_graph_add_node(struct opr_graph *g, const char *op_type,
		       const char *domain, int n_in, int n_out);

/* Index of the value called name, or -1. */
int opr_graph_find_value(const struct opr_graph *g, const char *name);

/*
 * Rebuilds the name -> value index after values were renamed or renumbered.
 * Returns 0, or -1 when out of memory.
 */
int opr_graph_reindex(struct opr_graph *g);

/* The attribute called name on node n, or NULL. */
struct opr_attr *opr_node_attr(const struct opr_node *n, const char *name);

/* Attribute getters: the attribute's value when present with that kind, else dflt. */
int64_t opr_node_attr_int(const struct opr_node *n, const char *name, int64_t dflt);
float opr_node_attr_float(const struct opr_node *n, const char *name, float dflt);

/*
 * Appends an attribute to node n (name copied) and returns it zeroed but for
 * name and type, or NULL when out of memory.
 */
struct opr_attr *opr_node_add_attr(struct opr_graph *g, int node,
				   const char *name, int type);

/*
 * Product of dims[0..rank) into *out.  Returns 0 on success, -1 when a dim is
 * negative (unknown) or the product overflows int64.
 */
int opr_numel(const int64_t *dims, int rank, int64_t *out);

/* Number of nodes that read value v (linear scan). */
int opr_value_n_consumers(const struct opr_graph *g, int v);

/* 1 when value v is one of the graph outputs. */
int opr_value_is_graph_output(const struct opr_graph *g, int v);

/*
 * Orders nodes so every node comes after the producers of its inputs, keeping
 * the given order where it is already valid.  Fails with OPR_EINVAL, naming a
 * node on the cycle, when the graph is not a DAG.
 */
int opr_graph_toposort(struct opr_graph *g, struct opr_err *err);

/*
 * Removes nodes marked dead, then nodes and initializers no graph output
 * depends on, then values nothing refers to, and renumbers the rest.  Graph
 * inputs are kept even when unused.  Returns OPR_OK or OPR_ENOMEM.
 */
int opr_graph_compact(struct opr_graph *g, struct opr_err *err);

/*
 * Checks the invariants every pass must leave: indices in range, unique
 * names, one producer per value, topological order, graph outputs produced,
 * initializer sizes matching their shapes.  Returns OPR_OK or OPR_EINVAL with
 * a message naming the node and op.
 */
int opr_graph_verify(const struct opr_graph *g, struct opr_err *err);

/* Short description of node i for messages: "node 'name' (Op)". */
const char *opr_node_desc(const struct opr_graph *g, int i, char *buf, size_t len);

/*
 * Sets err to code with the message "PATH: node 'name' (Op): MSG" (PATH:
 * g->path, left out with its ": " when NULL; MSG: fmt formatted with ap)
 * and returns code.  What shape inference, the runtime and the training
 * engine report a node's error with (opr_infer_errf, opr_rt_errf,
 * tr_errf).
 */
int opr_node_verrf(struct opr_err *err, int code, const struct opr_graph *g,
		   int node, const char *fmt, va_list ap);

/*
 * Reads the INTS attribute name of n into out[0..*cnt) (*cnt = 0 first).
 * Returns 1 when present, 0 when absent, -1 when present but not INTS or
 * longer than max (infer.c).
 */
int opr_attr_ints(const struct opr_node *n, const char *name, int64_t *out,
		  int max, int *cnt);

/*
 * Normalises axis a against rank into *out (a in [-rank, rank)).  Returns
 * 0, or -1 (*out untouched) when out of range (infer.c).
 */
int opr_norm_axis(int64_t a, int rank, int *out);

/*
 * Default-domain ("" or "ai.onnx") opset version of g, 13 when the graph
 * lists none (infer.c; shape inference, surgery and the runtime read it).
 */
int64_t opr_graph_opset(const struct opr_graph *g);

#endif
