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

/*
 * How an initializer is stored sparse (opr_export_opts.sparse_initializers,
 * and opr_value.is_sparse for what a model held).
 */
enum opr_sparse_form {
	OPR_SPARSE_NONE = 0,		/* dense */
	OPR_SPARSE_INITIALIZER = 1,	/* in GraphProto.sparse_initializer */
	OPR_SPARSE_CONSTANT = 2		/* as the sparse_value of a Constant
					   node (opset >= 11) */
};

/* Options of the exporter.  NULL means all defaults. */
struct opr_export_opts {
	int external_data;	/* 1: write initializers >= external_min bytes
				   to "<out>.data" beside the model */
	size_t external_min;	/* threshold for external_data (default 1024) */
	int no_value_info;	/* 1: do not write value_info for activations */
	int sparse_initializers;	/* enum opr_sparse_form: write every
					   floating-point initializer whose
					   sparse form is smaller in that form
					   (src/exporter/export_sparse.c);
					   OPR_SPARSE_NONE: only values that
					   were sparse when imported, as they
					   were */
};

/*
 * Serialises g to ONNX and writes it to path through a temporary file in the
 * same directory that is renamed into place, so path is either the old file
 * or the complete new one.  Refuses (OPR_EIO) a path equal to the file g
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
	int64_t macs;		/* multiply-accumulates for batch 1, -1 when
				   a shape it needs is unknown */
};

/* Whole-model cost. */
struct opr_model_stats {
	int64_t params;		/* total initializer elements read by nodes */
	int64_t macs;		/* total MACs for batch 1 */
	int n_layers;		/* entries in layers[] (= nodes) */
	int n_unknown;		/* layers whose MACs are unknown (macs = -1,
				   left out of the total) */
	struct opr_layer_stats *layers;	/* malloc'd; free with opr_stats_free() */
};

/* Computes the parameter and MAC counts of g.  See src/ir/stats.c for rules. */
int opr_model_stats(const struct opr_graph *g, struct opr_model_stats *st,
		    struct opr_err *err);

/* Frees what opr_model_stats() allocated. */
void opr_stats_free(struct opr_model_stats *st);

/*
 * Data sets (src/data/): image classification data for evaluation and
 * fine-tuning, read into memory at once.
 *
 * A spec is KIND:PATH:
 *   cifar10:DIR|FILE.bin   CIFAR-10 binary layout, records of 1 label byte
 *                          + 3072 pixel bytes (R, G, B planes of 32x32).
 *                          DIR holds data_batch_1..5.bin (train) and
 *                          test_batch.bin (test); a single .bin file serves
 *                          both splits.  N = file size / 3073.  Class names
 *                          come from batches.meta.txt in that folder (or
 *                          the file's) when it holds 10 lines, else the
 *                          standard names.
 *   cifar100:DIR|FILE.bin  CIFAR-100 binary layout (1 coarse + 1 fine label
 *                          byte + 3072 pixels), DIR/train.bin, DIR/test.bin;
 *                          the fine label (100 classes) is used; names from
 *                          fine_label_names.txt as above, else built in.
 *   idx:DIR                MNIST-style IDX files, gzipped or not:
 *                          train-images-idx3-ubyte[.gz] with
 *                          train-labels-idx1-ubyte[.gz], and t10k-* for test
 *                          (the plain file wins when both exist).  Classes
 *                          are "0".."max label".
 *   mnist:DIR              as idx, 10 classes named "0".."9".
 *   fashion-mnist:DIR      as idx, 10 classes named "T-shirt/top".."Ankle boot".
 *   png:DIR                a folder of class sub-folders (sorted by name =
 *                          class index) holding *.png images (sorted by
 *                          name).  When DIR/train/ or DIR/test/ exists, the
 *                          split reads that sub-folder; otherwise both splits
 *                          read all of DIR.
 *
 * PNG images: gray, gray+alpha, RGB, RGBA and palette images of any bit
 * depth are accepted.  Palette images become RGB, gray images of 1, 2 or 4
 * bits are scaled to 8 bits, alpha (and tRNS) is dropped, not composited.
 * The set has 1 channel when every image is gray, else 3 (gray images are
 * replicated into R, G and B).  When any image has 16 bits per sample the
 * set is stored with 16 bits (8-bit samples v become v * 257, which keeps
 * v / 255 exact); else with 8.  Every image is brought to one size: the size
 * given to opr_dataset_open_sized(), else the size of the first image (first
 * class, first file).  Images of another size are resized bilinearly (see
 * opr_dataset_fill()) and rounded to the nearest integer sample.
 *
 * Errors: a bad spec is OPR_EUSAGE, a missing or unreadable file OPR_EIO,
 * bad contents (truncated, wrong magic, counts that disagree, a label out
 * of range, a corrupt PNG, a folder without images) OPR_EPARSE; messages
 * name the file.
 */
enum opr_split {
	OPR_SPLIT_TRAIN = 0,	/* training images */
	OPR_SPLIT_TEST = 1	/* test images */
};

/* An image data set in memory, as opr_dataset_open() returns it. */
struct opr_dataset {
	int n;			/* number of images */
	int c, h, w;		/* channels (1 or 3), height, width of each */
	int depth;		/* bits per sample: 8 (pixels) or 16 (pixels16) */
	uint8_t *pixels;	/* depth 8: n*c*h*w samples, planar CHW per
				   image, images one after another; else NULL */
	uint16_t *pixels16;	/* depth 16: as pixels, 16-bit; else NULL */
	int *labels;		/* n labels, each in [0, n_classes) */
	int n_classes;		/* number of classes */
	char **class_names;	/* n_classes NUL-terminated names */
	char *source;		/* the spec it was opened from, for messages */
};

/*
 * Opens the data set named by spec (see above) and reads the given split
 * (enum opr_split) into memory.  On success *out owns a new data set (free
 * with opr_dataset_free()); on failure *out is NULL and err says why, naming
 * the file.
 */
int opr_dataset_open(const char *spec, int split, struct opr_dataset **out,
		     struct opr_err *err);

/*
 * As opr_dataset_open(), but PNG images are all resized to h x w (both > 0)
 * instead of the size of the first image.  h = w = 0 means no size given.
 * Other kinds ignore h and w (opr_dataset_fill() resizes them).
 */
int opr_dataset_open_sized(const char *spec, int split, int h, int w,
			   struct opr_dataset **out, struct opr_err *err);

/* Frees ds and everything it owns.  NULL is a no-op. */
void opr_dataset_free(struct opr_dataset *ds);

/*
 * Writes the images idx[0..n-1] (NULL idx: images 0..n-1) of ds into out as
 * an NCHW float batch of n * want_c * want_h * want_w values:
 *   1. x = sample / 255 (depth 8) or / 65535 (depth 16);
 *   2. channels: equal counts are copied; 1 -> 3 replicates the gray plane;
 *      3 -> 1 takes the luminance 0.299 R + 0.587 G + 0.114 B;
 *   3. size: when want_h x want_w differs from h x w, bilinear resize with
 *      half-pixel centres and edges clamped (as OpenCV INTER_LINEAR and
 *      PyTorch interpolate(mode="bilinear", align_corners=False) without
 *      antialiasing);
 *   4. x = (x - mean[c]) / std[c] for each output channel c; mean NULL
 *      means 0, std NULL means 1.
 * mean and std hold want_c values.  Fails, before writing anything, with
 * OPR_EUSAGE for an index out of range, a zero or non-finite std, a
 * non-finite mean, or a want_c that is not ds->c and not 1 <-> 3, and with
 * OPR_ENOMEM.
 */
int opr_dataset_fill(const struct opr_dataset *ds, const int *idx, int n,
		     const float *mean, const float *std, int want_c,
		     int want_h, int want_w, float *out, struct opr_err *err);

/*
 * Parses a comma-separated list of floats such as "0.4914,0.4822,0.4465"
 * (for --mean / --std) into out[0..max-1] and sets *n to the number of
 * values.  A single value is copied into all max slots (*n is then 1), so
 * that it applies to every channel.  Fails with OPR_EUSAGE for an empty
 * list or item, text that is not a finite number, or more than max values.
 */
int opr_parse_floats(const char *s, float *out, int max, int *n,
		     struct opr_err *err);

/* ---- float32 CPU runtime (src/runtime) ---- */

struct opr_rt;

#define OPR_RT_MAX_RANK 8

/* Type and shape of one runtime input or output at a given batch. */
struct opr_rt_info {
	const char *name;		/* value name, owned by the graph */
	int dtype;			/* ONNX TensorProto.DataType number */
	int rank;			/* number of dims */
	int64_t dims[OPR_RT_MAX_RANK];	/* the dims at that batch */
	size_t nbytes;			/* bytes of the tensor */
};

/*
 * Plans g for up to batch images on threads threads (<= 0: one per CPU):
 * computes every shape (a graph-input dim not known statically is the
 * batch), evaluates what depends only on initializers and shapes, and gives
 * every activation a slot in one workspace, reused after its last use,
 * allocated here once.  g must outlive the runtime and stay unchanged.
 * Sets OpenBLAS to one thread (the runtime threads itself).  On success
 * *out owns the runtime (free with opr_rt_free()); on failure *out is NULL
 * and err names the node and op (OPR_EUNSUPPORTED for an op or type the
 * runtime lacks, OPR_ESHAPE for shapes that do not fit).
 */
int opr_rt_new(const struct opr_graph *g, int batch, int threads,
	       struct opr_rt **out, struct opr_err *err);

/*
 * Runs a model with one float input and one float output on n images
 * (1 <= n <= batch): input holds n images, output receives n results.
 * Allocates nothing.  One runtime runs one call at a time.
 */
int opr_rt_run(struct opr_rt *rt, const float *input, int n, float *output,
	       struct opr_err *err);

/*
 * General form: binds every runtime input by name (in[i] holds the bytes
 * opr_rt_input_info() gives for n), runs, and copies the named graph
 * outputs into out[i] (sized by opr_rt_output_info()).  Fails with
 * OPR_EUSAGE for an unknown name or a missing input.
 */
int opr_rt_run_named(struct opr_rt *rt, int n, int n_in,
		     const char *const *in_names, const void *const *in,
		     int n_out, const char *const *out_names, void *const *out,
		     struct opr_err *err);

/* Number of runtime inputs (graph inputs without an initializer). */
int opr_rt_n_inputs(const struct opr_rt *rt);

/* Number of graph outputs. */
int opr_rt_n_outputs(const struct opr_rt *rt);

/* Name, type and shape of runtime input i at batch n. */
int opr_rt_input_info(struct opr_rt *rt, int i, int n,
		      struct opr_rt_info *info, struct opr_err *err);

/* Name, type and shape of graph output i at batch n. */
int opr_rt_output_info(struct opr_rt *rt, int i, int n,
		       struct opr_rt_info *info, struct opr_err *err);

/* Bytes of the workspace (activations and per-thread scratch). */
size_t opr_rt_workspace_bytes(const struct opr_rt *rt);

/* Frees rt and stops its threads.  NULL is a no-op. */
void opr_rt_free(struct opr_rt *rt);

#ifdef __cplusplus
}
#endif

#endif
