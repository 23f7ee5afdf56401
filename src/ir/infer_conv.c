/*
 * infer_conv.c - shape inference for the sliding-window ops: Conv,
 * ConvTranspose, MaxPool, AveragePool and the global pools.
 *
 * Geometry (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode) is
 * read once into a struct geom and validated: a stride, dilation or kernel
 * of 0, a negative pad, a list of the wrong length, an unknown auto_pad or
 * a kernel larger than the padded input is an OPR_ESHAPE error naming the
 * attribute.  The batch dim is copied from the input, symbol included.
 */
#include <string.h>

#include "infer.h"

#define NS_MAX (OPR_MAX_RANK - 2)

enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID };

/* Sliding-window geometry of one node over ns spatial axes. */
struct geom {
	int ns;				/* spatial axes, -1 when unknown */
	int64_t k[NS_MAX];		/* kernel, -1 when unknown */
	int64_t s[NS_MAX];		/* strides */
	int64_t d[NS_MAX];		/* dilations */
	int64_t pb[NS_MAX], pe[NS_MAX];	/* pads at the begin / end */
	int auto_pad;			/* PAD_* */
	int ceil_mode;			/* pools only */
};

/* Reads an INTS attribute of exactly want entries, each >= lo, or dflt. */
static int geom_list(struct opr_graph *g, int node, const char *name, int want,
		     int64_t lo, int64_t dflt, int64_t *out, struct opr_err *err)
{
	int64_t tmp[2 * NS_MAX];
	int n, i, r;

	r = opr_attr_ints(&g->nodes[node], name, tmp, 2 * NS_MAX, &n);
	if (r < 0 || (r > 0 && n != want))
		return opr_infer_errf(g, node, err, "attribute %s has %d values, "
				      "want %d", name, n, want);
	for (i = 0; i < want; i++) {
		out[i] = r > 0 ? tmp[i] : dflt;
		if (r > 0 && out[i] < lo)
			return opr_infer_errf(g, node, err, "attribute %s[%d] = %lld, "
					      "must be %s", name, i,
					      (long long)out[i],
					      lo > 0 ? "positive" : "non-negative");
		if (out[i] > INT32_MAX)
			return opr_infer_errf(g, node, err, "attribute %s[%d] = %lld "
					      "is too large", name, i,
					      (long long)out[i]);
	}
	return OPR_OK;
}

/* Parses auto_pad into *mode. */
static int geom_auto_pad(struct opr_graph *g, int node, int *mode,
			 struct opr_err *err)
{
	static const char *const names[] = { "NOTSET", "SAME_UPPER",
					     "SAME_LOWER", "VALID" };
	const struct opr_attr *a = opr_node_attr(&g->nodes[node], "auto_pad");
	int i;

	*mode = PAD_NOTSET;
	if (!a)
		return OPR_OK;
	for (i = 0; a->type == OPR_AT_STRING && a->s && i < 4; i++)
		if (strcmp(a->s, names[i]) == 0) {
			*mode = i;
			return OPR_OK;
		}
	return opr_infer_errf(g, node, err, "attribute auto_pad = '%s' is not "
			      "NOTSET, SAME_UPPER, SAME_LOWER or VALID",
			      a->type == OPR_AT_STRING && a->s ? a->s : "?");
}

/*
 * Reads the geometry of node for ns spatial axes.  wk holds the kernel the
 * weight implies (NULL for pools, entries -1 when unknown); need_kernel
 * makes kernel_shape mandatory.
 */
static int read_geom(struct opr_graph *g, int node, int ns, const int64_t *wk,
		     int need_kernel, struct geom *gm, struct opr_err *err)
{
	int64_t pads[2 * NS_MAX];
	int i, rc;

	memset(gm, 0, sizeof(*gm));
	gm->ns = ns;
	if (need_kernel && !opr_node_attr(&g->nodes[node], "kernel_shape"))
		return opr_infer_errf(g, node, err, "attribute kernel_shape is missing");
	if ((rc = geom_list(g, node, "kernel_shape", ns, 1, -1, gm->k, err)) ||
	    (rc = geom_list(g, node, "strides", ns, 1, 1, gm->s, err)) ||
	    (rc = geom_list(g, node, "dilations", ns, 1, 1, gm->d, err)) ||
	    (rc = geom_list(g, node, "pads", 2 * ns, 0, 0, pads, err)) ||
	    (rc = geom_auto_pad(g, node, &gm->auto_pad, err)))
		return rc;
	for (i = 0; i < ns; i++) {
		gm->pb[i] = pads[i];
		gm->pe[i] = pads[ns + i];
		if (!wk || wk[i] < 0)
			continue;
		if (gm->k[i] >= 0 && gm->k[i] != wk[i])
			return opr_infer_errf(g, node, err, "attribute kernel_shape[%d] "
					      "= %lld but the weight's kernel is %lld",
					      i, (long long)gm->k[i],
					      (long long)wk[i]);
		gm->k[i] = wk[i];
	}
	gm->ceil_mode = opr_node_attr_int(&g->nodes[node], "ceil_mode", 0) != 0;
	return OPR_OK;
}

/* Output size of spatial axis i for input size in (-1: unknown). */
static int window_out(struct opr_graph *g, int node, const struct geom *gm,
		      int i, int64_t in, int64_t *out, struct opr_err *err)
{
	int64_t ek, total;

	*out = -1;
	if (in < 0 || gm->k[i] < 0)
		return OPR_OK;
	if (gm->k[i] > (INT64_MAX / 4) / gm->d[i] || in > INT64_MAX / 4 ||
	    gm->pb[i] > INT64_MAX / 4 || gm->pe[i] > INT64_MAX / 4)
		return opr_infer_errf(g, node, err, "spatial axis %d: sizes overflow", i);
	ek = (gm->k[i] - 1) * gm->d[i] + 1;
	if (gm->auto_pad == PAD_SAME_UPPER || gm->auto_pad == PAD_SAME_LOWER) {
		*out = (in + gm->s[i] - 1) / gm->s[i];
		return OPR_OK;
	}
	total = gm->auto_pad == PAD_VALID ? in : in + gm->pb[i] + gm->pe[i];
	if (total < ek)
		return opr_infer_errf(g, node, err, "kernel_shape[%d] = %lld "
				      "(dilated %lld) is larger than the padded "
				      "input %lld", i, (long long)gm->k[i],
				      (long long)ek, (long long)total);
	if (!gm->ceil_mode) {
		*out = (total - ek) / gm->s[i] + 1;
		return OPR_OK;
	}
	*out = (total - ek + gm->s[i] - 1) / gm->s[i] + 1;
	/* The last window must start inside the input or its begin padding. */
	if (gm->auto_pad != PAD_VALID && (*out - 1) * gm->s[i] >= in + gm->pb[i])
		(*out)--;
	return OPR_OK;
}

/* Number of spatial axes from the ranks of x and w (-1 each when unknown). */
static int spatial_axes(struct opr_graph *g, int node, int xr, int wr, int *ns,
			struct opr_err *err)
{
	const char *what = g->nodes[node].op == OPR_OP_CONV ||
			   g->nodes[node].op == OPR_OP_CONVTRANSPOSE ? "W" : "";

	if (xr >= 0 && xr < 3)
		return opr_infer_errf(g, node, err, "X has rank %d, want at least 3 "
				      "(N, C, spatial...)", xr);
	if (xr >= 0 && wr >= 0 && xr != wr)
		return opr_infer_errf(g, node, err, "X has rank %d but %s has rank %d",
				      xr, what, wr);
	if (xr < 0 && wr >= 0 && wr < 3)
		return opr_infer_errf(g, node, err, "%s has rank %d, want at least 3",
				      what, wr);
	*ns = xr >= 0 ? xr - 2 : wr >= 0 ? wr - 2 : -1;
	return OPR_OK;
}

/* Checks the group split of Conv / ConvTranspose channels. */
static int check_group(struct opr_graph *g, int node, int64_t group,
		       int64_t c, int64_t wc, int64_t m, struct opr_err *err)
{
	int tr = g->nodes[node].op == OPR_OP_CONVTRANSPOSE;

	if (group <= 0)
		return opr_infer_errf(g, node, err, "attribute group = %lld, must be "
				      "positive", (long long)group);
	if (c >= 0 && c % group)
		return opr_infer_errf(g, node, err, "attribute group = %lld does not "
				      "divide the %lld input channels",
				      (long long)group, (long long)c);
	if (!tr && c >= 0 && wc >= 0 && wc != c / group)
		return opr_infer_errf(g, node, err, "W has %lld input channels per "
				      "group, X has %lld channels in %lld groups",
				      (long long)wc, (long long)c, (long long)group);
	if (tr && c >= 0 && wc >= 0 && wc != c)
		return opr_infer_errf(g, node, err, "W has %lld input channels, X has "
				      "%lld", (long long)wc, (long long)c);
	if (!tr && m >= 0 && m % group)
		return opr_infer_errf(g, node, err, "attribute group = %lld does not "
				      "divide the %lld output channels",
				      (long long)group, (long long)m);
	return OPR_OK;
}

/* Checks the optional bias B against m output channels. */
static int check_bias(struct opr_graph *g, int node, int64_t m,
		      struct opr_err *err)
{
	const struct opr_value *b = opr_infer_in(g, node, 2);

	if (!b || b->rank < 0)
		return OPR_OK;
	if (b->rank != 1 || (m >= 0 && b->dims[0] >= 0 && b->dims[0] != m))
		return opr_infer_errf(g, node, err, "bias B '%s' must be a vector "
				      "of %lld elements", b->name, (long long)m);
	return OPR_OK;
}

/* Shared front of Conv and ConvTranspose: shapes, group, geometry. */
static int conv_front(struct opr_graph *g, int node, struct opr_shape *xs,
		      struct opr_shape *ws, struct geom *gm, int64_t *group,
		      struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *w = opr_infer_in(g, node, 1);
	int64_t wk[NS_MAX];
	int ns, i, rc, tr;

	if (!x || !w)
		return opr_infer_errf(g, node, err, "input %s is missing", x ? "W" : "X");
	opr_infer_get(x, xs);
	opr_infer_get(w, ws);
	if ((rc = spatial_axes(g, node, xs->rank, ws->rank, &ns, err)))
		return rc;
	*group = opr_node_attr_int(&g->nodes[node], "group", 1);
	tr = g->nodes[node].op == OPR_OP_CONVTRANSPOSE;
	if ((rc = check_group(g, node, *group, xs->rank >= 0 ? xs->d[1] : -1,
			      ws->rank >= 0 ? ws->d[tr ? 0 : 1] : -1,
			      ws->rank >= 0 && !tr ? ws->d[0] : -1, err)))
		return rc;
	gm->ns = -1;
	if (ns < 0)
		return OPR_OK;
	for (i = 0; i < ns; i++)
		wk[i] = ws->rank >= 0 ? ws->d[i + 2] : -1;
	return read_geom(g, node, ns, wk, 0, gm, err);
}

int opr_infer_conv(struct opr_graph *g, int node, struct opr_err *err)
{
	struct opr_shape xs, ws, out;
	struct geom gm;
	int64_t group;
	int i, rc;

	if ((rc = conv_front(g, node, &xs, &ws, &gm, &group, err)))
		return rc;
	if ((rc = check_bias(g, node, ws.rank >= 0 ? ws.d[0] : -1, err)))
		return rc;
	opr_shape_unknown(&out);
	if (gm.ns >= 0) {
		out.rank = gm.ns + 2;
		if (xs.rank >= 0)
			out.d[0] = xs.d[0], out.p[0] = xs.p[0];
		if (ws.rank >= 0)
			out.d[1] = ws.d[0];
		for (i = 0; i < gm.ns; i++)
			if ((rc = window_out(g, node, &gm, i,
					     xs.rank >= 0 ? xs.d[i + 2] : -1,
					     &out.d[i + 2], err)))
				return rc;
	}
	return opr_infer_set(g, node, 0, opr_infer_in(g, node, 0)->dtype, &out, err);
}

/* ConvTranspose output size of spatial axis i. */
static int deconv_out(struct opr_graph *g, int node, const struct geom *gm,
		      int i, int64_t in, int64_t opad, int64_t *out,
		      struct opr_err *err)
{
	int64_t ek;

	*out = -1;
	if (in < 0 || gm->k[i] < 0)
		return OPR_OK;
	if (gm->k[i] > (INT64_MAX / 4) / gm->d[i] || in > (INT64_MAX / 4) / gm->s[i])
		return opr_infer_errf(g, node, err, "spatial axis %d: sizes overflow", i);
	if (gm->auto_pad == PAD_SAME_UPPER || gm->auto_pad == PAD_SAME_LOWER) {
		*out = in * gm->s[i];
		return OPR_OK;
	}
	ek = (gm->k[i] - 1) * gm->d[i] + 1;
	*out = gm->s[i] * (in - 1) + opad + ek;
	if (gm->auto_pad != PAD_VALID)
		*out -= gm->pb[i] + gm->pe[i];
	if (*out <= 0)
		return opr_infer_errf(g, node, err, "pads on spatial axis %d leave "
				      "an output size of %lld", i, (long long)*out);
	return OPR_OK;
}

int opr_infer_convtranspose(struct opr_graph *g, int node, struct opr_err *err)
{
	struct opr_shape xs, ws, out;
	int64_t group, opad[NS_MAX], oshape[OPR_MAX_RANK];
	struct geom gm;
	int i, rc, n_os, has_os;

	if ((rc = conv_front(g, node, &xs, &ws, &gm, &group, err)))
		return rc;
	opr_shape_unknown(&out);
	if (ws.rank >= 2 && ws.d[1] > INT64_MAX / group)
		return opr_infer_errf(g, node, err, "attribute group = %lld times "
				      "%lld channels overflows", (long long)group,
				      (long long)ws.d[1]);
	if (ws.rank >= 2 && ws.d[1] >= 0)
		out.d[1] = ws.d[1] * group;
	if ((rc = check_bias(g, node, out.d[1], err)))
		return rc;
	if (gm.ns < 0)
		return opr_infer_set(g, node, 0, opr_infer_in(g, node, 0)->dtype,
				     &out, err);
	if ((rc = geom_list(g, node, "output_padding", gm.ns, 0, 0, opad, err)))
		return rc;
	has_os = opr_attr_ints(&g->nodes[node], "output_shape", oshape,
			       OPR_MAX_RANK, &n_os);
	if (has_os < 0 || (has_os && n_os != gm.ns && n_os != gm.ns + 2))
		return opr_infer_errf(g, node, err, "attribute output_shape has %d "
				      "values, want %d", n_os, gm.ns);
	out.rank = gm.ns + 2;
	if (xs.rank >= 0)
		out.d[0] = xs.d[0], out.p[0] = xs.p[0];
	for (i = 0; i < gm.ns; i++) {
		if (has_os) {
			out.d[i + 2] = oshape[i + n_os - gm.ns];
			if (out.d[i + 2] <= 0)
				return opr_infer_errf(g, node, err, "attribute "
						      "output_shape[%d] = %lld", i,
						      (long long)out.d[i + 2]);
		} else if ((rc = deconv_out(g, node, &gm, i,
					    xs.rank >= 0 ? xs.d[i + 2] : -1,
					    opad[i], &out.d[i + 2], err))) {
			return rc;
		}
	}
	return opr_infer_set(g, node, 0, opr_infer_in(g, node, 0)->dtype, &out, err);
}

/* MaxPool and AveragePool. */
int opr_infer_pool(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape xs, out;
	struct geom gm;
	int i, rc, ns;

	if (!x)
		return opr_infer_errf(g, node, err, "input X is missing");
	opr_infer_get(x, &xs);
	if ((rc = spatial_axes(g, node, xs.rank, -1, &ns, err)))
		return rc;
	if (ns < 0) {
		if (!opr_node_attr(&g->nodes[node], "kernel_shape"))
			return opr_infer_errf(g, node, err,
					      "attribute kernel_shape is missing");
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	}
	if ((rc = read_geom(g, node, ns, NULL, 1, &gm, err)))
		return rc;
	out = xs;
	for (i = 0; i < ns; i++) {
		if ((rc = window_out(g, node, &gm, i, xs.d[i + 2], &out.d[i + 2], err)))
			return rc;
		out.p[i + 2] = NULL;
	}
	if ((rc = opr_infer_set(g, node, 0, x->dtype, &out, err)))
		return rc;
	return opr_infer_set(g, node, 1, OPR_DT_INT64, &out, err);
}

/* GlobalAveragePool and GlobalMaxPool: spatial axes become 1. */
int opr_infer_global_pool(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape s;
	int i, rc, ns;

	if (!x)
		return opr_infer_errf(g, node, err, "input X is missing");
	opr_infer_get(x, &s);
	if ((rc = spatial_axes(g, node, s.rank, -1, &ns, err)))
		return rc;
	for (i = 2; i < s.rank; i++) {
		s.d[i] = 1;
		s.p[i] = NULL;
	}
	return opr_infer_set(g, node, 0, x->dtype, &s, err);
}
