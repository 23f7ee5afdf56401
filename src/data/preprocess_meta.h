/*
 * preprocess_meta.h - the input preprocessing of a model (per-channel mean
 * and std applied to pixels scaled to [0, 1]) and where it comes from: the
 * --mean / --std options, else the model's metadata_props, else mean 0 and
 * std 1.
 *
 * A model written by `onnx-prune IN OUT --mean M --std S` carries
 *   onnx_prune.mean = "m1,m2,..."   one value per channel, or one for all
 *   onnx_prune.std  = "s1,s2,..."
 * in its metadata_props (values printed with the fewest digits that read
 * back as the same float), so that later commands on it need no flags.
 */
#ifndef OPR_PREPROCESS_META_H
#define OPR_PREPROCESS_META_H

#include "onnx_prune.h"

struct opr_graph;

#define OPR_META_MEAN "onnx_prune.mean"	/* metadata key of the mean list */
#define OPR_META_STD "onnx_prune.std"		/* metadata key of the std list */
#define OPR_PRE_MAX_CH 64	/* most channels a mean/std list may name */

/* Where a mean or std list came from. */
enum opr_pre_src {
	OPR_PRE_DEFAULT = 0,	/* neither given: mean 0, std 1 */
	OPR_PRE_FLAG,		/* --mean / --std */
	OPR_PRE_META		/* the model's metadata_props */
};

/* Resolved preprocessing for a model input of c channels. */
struct opr_preprocess {
	int c;				/* channels (1..OPR_PRE_MAX_CH) */
	float mean[OPR_PRE_MAX_CH];	/* mean[0..c-1] */
	float std[OPR_PRE_MAX_CH];	/* std[0..c-1], all > 0 */
	int mean_src, std_src;		/* enum opr_pre_src of each */
};

/*
 * The value of metadata_props entry key in g (the last one when the key
 * appears twice), or NULL when there is none.  The string is g's.
 */
const char *opr_meta_get(const struct opr_graph *g, const char *key);

/*
 * Sets metadata_props entry key of g to value: replaces the value of every
 * entry with that key, or appends an entry.  Copies both strings into g's
 * arena.  Returns OPR_OK or OPR_ENOMEM.
 */
int opr_meta_set(struct opr_graph *g, const char *key, const char *value,
		 struct opr_err *err);

/*
 * Fills p for an input of c channels (1..OPR_PRE_MAX_CH): mean from the
 * list mean (an --mean argument; NULL: not given), else from g's
 * onnx_prune.mean, else 0; std likewise (default 1).  A list holds one
 * value (used for every channel) or c values; std values must be > 0.
 * A bad argument is OPR_EUSAGE naming the option; a bad metadata value is
 * OPR_EINVAL naming g's file and the key.
 */
int opr_pre_resolve(const struct opr_graph *g, const char *mean,
		    const char *std, int c, struct opr_preprocess *p,
		    struct opr_err *err);

/*
 * Checks the --mean and --std arguments (either may be NULL: left as it
 * is) as opr_pre_resolve() does for an input of c channels (0: unknown,
 * any count up to OPR_PRE_MAX_CH) and stores them, normalised, as g's
 * onnx_prune.mean / onnx_prune.std.  OPR_EUSAGE for a bad list, else
 * OPR_OK or OPR_ENOMEM.
 */
int opr_pre_store(struct opr_graph *g, const char *mean, const char *std,
		  int c, struct opr_err *err);

/*
 * Channels of g's image input: dim 1 of the one graph input that is not an
 * initializer when it has rank 4 and that dim is static, else 0.
 */
int opr_pre_input_channels(const struct opr_graph *g);

/*
 * Writes list[0..n-1] (n >= 1) comma-separated into buf (len bytes, always
 * NUL-terminated), each value with the fewest significant digits that
 * read back as the same float.  Returns buf.
 */
char *opr_pre_format(const float *list, int n, char *buf, size_t len);

#endif
