/*
 * fc3sigma_internal.h - what fc3sigma.c (layers, threshold, masks),
 * fc3sigma_struct.c (structural removal) and fc3sigma_report.c (report,
 * the registered pass) share.  Not used elsewhere, except that report.c's
 * opr_nonzero_params() is fc_nonzero_params().
 */
#ifndef OPR_FC3SIGMA_INTERNAL_H
#define OPR_FC3SIGMA_INTERNAL_H

#include "ir.h"
#include "passes/fc3sigma.h"

/* The state of one opr_fc3sigma() call. */
struct fc_run {
	struct opr_graph *g;			/* graph being pruned */
	const struct opr_fc3sigma_opts *o;	/* options */
	struct opr_fc3sigma_result *r;		/* result being filled */
	int *node;		/* per layer: its node index before removal */
	int *trans;		/* per layer: 1 when W is [out, in] */
	int *mask;		/* per layer: index in r->masks */
	unsigned char **drop_out;	/* per layer: out_before bytes, 1 for
					   an output feature removed */
	unsigned char **drop_in;	/* per layer: in_before bytes, 1 for
					   an input feature removed */
};

/* 1 when node name is in o's exclude list. */
int fc_excluded(const struct opr_fc3sigma_opts *o, const char *name);

/*
 * Picks the channel classes the zeros made dead (fc3sigma.h), records in
 * run->drop_out / drop_in which features of each layer they take, and
 * removes them with the surgery.  Fills the class counts of run->r.
 * Returns OPR_OK, OPR_ENOMEM, or the analysis' or the surgery's error.
 */
int fc_structural(struct fc_run *run, struct opr_err *err);

/*
 * Elements of the float initializers that opr_model_stats() counts as
 * parameters (each once) that are non-zero (some byte not zero).
 */
int64_t fc_nonzero_params(const struct opr_graph *g);

/* Elements of value v whose bytes are not all zero (0 for no data). */
int64_t fc_nonzero(const struct opr_value *v);

#endif
