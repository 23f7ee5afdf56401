/*
 * onnx_prune.h - the public interface of libonnxprune.
 *
 * Embedding in short:
 *
 *	struct opr_err err;
 *	struct opr_graph *g;
 *	if (opr_import_file("in.onnx", &g, &err) != OPR_OK) {
 *		fprintf(stderr, "%s\n", err.msg);
 *		return opr_exit_code(err.code);
 *	}
 *	... passes ...
 *	rc = opr_export_file(g, "out.onnx", NULL, &err);
 *	opr_graph_free(g);
 *
 * Every function that can fail returns an enum opr_status and, on failure,
 * fills the struct opr_err passed as its last argument with the code and a
 * message that names the file, node and op where there is one.  No function
 * aborts or exits on bad input.
 */
#ifndef ONNX_PRUNE_H
#define ONNX_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OPR_VERSION "0.1.0"

/* Status codes.  opr_exit_code() maps them onto the CLI's exit codes. */
enum opr_status {
	OPR_OK = 0,
	OPR_EUSAGE,		/* bad arguments from the caller (exit 1) */
	OPR_EPARSE,		/* the bytes are not a well-formed ONNX model */
	OPR_EINVAL,		/* the model breaks an ONNX rule */
	OPR_ESHAPE,		/* shapes or attributes that do not fit the op */
	OPR_EUNSUPPORTED,	/* valid ONNX that onnx-prune does not handle */
	OPR_EIO,		/* a file could not be read or written */
	OPR_ENOMEM,		/* out of memory (exit 3) */
	OPR_EINTERNAL,		/* a bug in onnx-prune (exit 3) */
	OPR_EGATE		/* a quality gate refused the result (exit 4) */
};

/* CLI exit codes (documented in README and --help). */
enum opr_exit {
	OPR_EXIT_OK = 0,	/* success */
	OPR_EXIT_USAGE = 1,	/* bad command line */
	OPR_EXIT_INPUT = 2,	/* bad input: model, data or output path */
	OPR_EXIT_INTERNAL = 3,	/* internal error or out of memory */
	OPR_EXIT_GATE = 4	/* --max-acc-drop gate refused the model */
};

#define OPR_ERR_MSG 1024

/* Error report: the status and a message, filled by the failing call. */
struct opr_err {
	int code;			/* enum opr_status */
	char msg[OPR_ERR_MSG];		/* one line, no trailing newline */
};

struct opr_graph;

/*
 * Sets err (when non-NULL) to code and the printf-style message, and returns
 * code, so that callers can write `return opr_errf(err, OPR_EINVAL, ...)`.
 */
int opr_errf(struct opr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Exit code of the CLI for a status (enum opr_exit). */
int opr_exit_code(int status);

/* Name of a status, e.g. "OPR_EPARSE". */
const char *opr_status_name(int status);

/*
 * Reads the ONNX model at path, validates it, converts Constant nodes to
 * initializers, infers every shape and folds constant subgraphs.  On success
 * *out owns a new graph (free with opr_graph_free()); on failure *out is NULL
 * and err says why, naming path.  External data is read relative to path.
 */
int opr_import_file(const char *path, struct opr_graph **out, struct opr_err *err);

/*
 * As opr_import_file() for a model held in memory.  name is used in messages
 * (may be NULL); base_dir is where external data is looked up (NULL: none
 * allowed).  The buffer is not kept.
 */
int opr_import_mem(const void *buf, size_t len, const char *name,
		   const char *base_dir, struct opr_graph **out,
		   struct opr_err *err);

/* Frees g and everything it owns.  NULL is a no-op. */
void opr_graph_free(struct opr_graph *g);

/* Options of the exporter.  NULL means all defaults. */
struct opr_export_opts {
	int external_data;	/* 1: write initializers >= external_min bytes
				   to "<out>.data" beside the model */
	size_t external_min;	/* threshold for external_data (default 1024) */
	int no_value_info;	/* 1: do not write value_info for activations */
};

/*
 * Serialises g to ONNX and writes it to path through a temporary file in the
 * same directory that is renamed into place, so path is either the old file
 * or the complete new one.  Refuses (OPR_EUSAGE) a path equal to the file g
 * was read from.  Returns OPR_OK, or OPR_EIO naming the path.
 */
int opr_export_file(const struct opr_graph *g, const char *path,
		    const struct opr_export_opts *opts, struct opr_err *err);

/*
 * Serialises g to a malloc'd buffer in *buf (*len bytes) that the caller
 * frees with free().  External data is not possible here.
 */
int opr_export_mem(const struct opr_graph *g, void **buf, size_t *len,
		   struct opr_err *err);

/*
 * Re-runs shape inference over the whole graph (after a pass changed it).
 * Fails with OPR_ESHAPE naming the node and op whose inputs do not fit.
 */
int opr_infer_shapes(struct opr_graph *g, struct opr_err *err);

/*
 * Replaces every node whose outputs are computable from initializers and
 * static shapes (Shape/Gather/Unsqueeze/Concat/... chains) by initializers,
 * then removes what no output needs.  Idempotent.
 */
int opr_fold_constants(struct opr_graph *g, struct opr_err *err);

/* Per-layer cost, one per node, as listed by `onnx-prune info`. */
struct opr_layer_stats {
	int node;		/* node index */
	int64_t params;		/* weights the node reads from initializers */
	int64_t macs;		/* multiply-accumulates for batch 1 */
};

/* Whole-model cost. */
struct opr_model_stats {
	int64_t params;		/* total initializer elements read by nodes */
	int64_t macs;		/* total MACs for batch 1 */
	int n_layers;		/* entries in layers[] (= nodes) */
	struct opr_layer_stats *layers;	/* malloc'd; free with opr_stats_free() */
};

/* Computes the parameter and MAC counts of g.  See src/ir/stats.c for rules. */
int opr_model_stats(const struct opr_graph *g, struct opr_model_stats *st,
		    struct opr_err *err);

/* Frees what opr_model_stats() allocated. */
void opr_stats_free(struct opr_model_stats *st);

#ifdef __cplusplus
}
#endif

#endif
