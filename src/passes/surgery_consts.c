/*
 * surgery_consts.c - the shape constants and attributes that name channel
 * counts: Reshape shapes (the importer has folded shape chains into
 * constants; explicit counts are rewritten, 0 and -1 entries stay where
 * they still mean the same), Slice starts/ends on axis 1, Pad amounts on
 * axis 1 (an option-A shortcut pads fewer channels when padded channels
 * go), Split sizes (input from opset 13, attribute before), Resize sizes,
 * and the group of a depthwise Conv.  Channel shuffles need only their
 * Reshapes: the free dim of the split view shrinks, the fixed one stays.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

static int changed(const struct surg *s, int v)
{
	return v >= 0 && v < s->n_values && s->changed[v];
}

/* OPR_EUNSUPPORTED naming node: `what` is not a constant. */
static int computed(const struct surg *s, int node, const char *what,
		    struct opr_err *err)
{
	char nd[320];

	return opr_errf(err, OPR_EUNSUPPORTED, "%s%s%s: %s is computed at run "
			"time; the surgery cannot change it",
			s->g->path ? s->g->path : "", s->g->path ? ": " : "",
			opr_node_desc(s->g, node, nd, sizeof(nd)), what);
}

/* Dtype of constant input k of node (INT32 or INT64). */
static int int_dtype(const struct surg *s, int node, int k)
{
	int v = surg_in(s, node, k);

	return v >= 0 && s->g->values[v].dtype == OPR_DT_INT32 ? OPR_DT_INT32 :
	       OPR_DT_INT64;
}

/*
 * Reshape: entry i of the shape becomes the new dim i; 0 (copy the input's
 * dim) and -1 (inferred) stay when they still give it.
 */
static int fix_reshape(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), y = surg_out(s, node, 0), n, i, diff = 0;
	int az = (int)opr_node_attr_int(&s->g->nodes[node], "allowzero", 0);
	int64_t shp[OPR_MAX_RANK], nw[OPR_MAX_RANK], want;

	if (!changed(s, y) && !changed(s, x))
		return OPR_OK;
	if (opr_const_ints(s->g, surg_in(s, node, 1), shp, OPR_MAX_RANK, &n) != 1)
		return computed(s, node, "the shape", err);
	if (n != s->g->values[y].rank)
		return opr_errf(err, OPR_EINTERNAL, "surgery: Reshape '%s' has %d "
				"shape entries for rank %d",
				s->g->nodes[node].name, n, s->g->values[y].rank);
	for (i = 0; i < n; i++) {
		want = s->dims[y][i];
		nw[i] = shp[i];
		if (shp[i] == -1)
			continue;
		if (shp[i] == 0 && !az) {
			if (i < s->g->values[x].rank && s->dims[x][i] == want)
				continue;
			if (want < 0)
				return computed(s, node, "a copied dim", err);
		}
		if (want >= 0)
			nw[i] = want;
		diff |= nw[i] != shp[i];
	}
	if (!diff)
		return OPR_OK;
	return surg_set_ints_input(s, node, 1, int_dtype(s, node, 1), nw, n, err);
}

/* Reads Slice parameter k (input) or attribute name (before opset 10). */
static int slice_param(const struct surg *s, int node, int k,
		       const char *name, int64_t *out, int *cnt)
{
	const struct opr_node *n = &s->g->nodes[node];

	*cnt = 0;
	if (n->n_in > 1)
		return opr_const_ints(s->g, surg_in(s, node, k), out, OPR_MAX_RANK,
				      cnt);
	return opr_attr_ints(n, name, out, OPR_MAX_RANK, cnt);
}

/* Slice on axis 1: start = kept channels before it, end = start + kept. */
static int fix_slice(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), y = surg_out(s, node, 0), ns, ne, na, i, a;
	int64_t st[OPR_MAX_RANK], en[OPR_MAX_RANK], ax[OPR_MAX_RANK], dim, b;
	int r[3], rc;

	if (!changed(s, x) && !changed(s, y))
		return OPR_OK;
	r[0] = slice_param(s, node, 1, "starts", st, &ns);
	r[1] = slice_param(s, node, 2, "ends", en, &ne);
	r[2] = slice_param(s, node, 3, "axes", ax, &na);
	if (r[0] != 1 || r[1] != 1 || r[2] < 0 || ne != ns ||
	    (surg_in(s, node, 3) >= 0 && r[2] != 1))
		return computed(s, node, "starts, ends or axes", err);
	for (i = 0; i < ns; i++)
		if (!opr_norm_axis(r[2] == 1 ? ax[i] : i, s->g->values[x].rank, &a) &&
		    a == 1)
			break;
	if (i == ns)
		return OPR_OK;	/* channels pass through */
	dim = s->g->values[x].dims[1];
	b = st[i] < 0 ? st[i] + dim : st[i];
	b = b < 0 ? 0 : b > dim ? dim : b;
	st[i] = surg_count1(s, x, 0, b);
	en[i] = st[i] + s->dims[y][1];
	if (s->g->nodes[node].n_in == 1) {
		rc = surg_set_attr_ints(s, node, "starts", st, ns, err);
		return rc ? rc : surg_set_attr_ints(s, node, "ends", en, ns, err);
	}
	rc = surg_set_ints_input(s, node, 1, int_dtype(s, node, 1), st, ns, err);
	if (rc == OPR_OK)
		rc = surg_set_ints_input(s, node, 2, int_dtype(s, node, 2), en, ns,
					 err);
	return rc;
}

/* Pad's amounts and where they come from. */
struct padinfo {
	int64_t p[2 * OPR_MAX_RANK];	/* begins of the listed axes, then ends */
	int na;				/* axes listed */
	int ch;				/* position of axis 1 in the list, -1 */
	const char *attr;		/* attribute holding p, NULL: input 1 */
};

/* Reads node's pads.  0 when read, -1 when not constant. */
static int pad_read(const struct surg *s, int node, struct padinfo *pi)
{
	const struct opr_node *n = &s->g->nodes[node];
	int64_t ax[OPR_MAX_RANK];
	int rank = s->g->values[surg_in(s, node, 0)].rank, np, r, i, a;

	pi->attr = NULL;
	pi->ch = -1;
	if (n->n_in > 1) {
		r = opr_const_ints(s->g, surg_in(s, node, 1), pi->p,
				   2 * OPR_MAX_RANK, &np);
	} else {
		pi->attr = opr_node_attr(n, "pads") ? "pads" : "paddings";
		r = opr_attr_ints(n, pi->attr, pi->p, 2 * OPR_MAX_RANK, &np);
	}
	pi->na = rank;
	if (surg_in(s, node, 3) >= 0 &&
	    opr_const_ints(s->g, surg_in(s, node, 3), ax, OPR_MAX_RANK,
			   &pi->na) != 1)
		return -1;
	if (r != 1 || np != 2 * pi->na)
		return -1;
	for (i = 0; i < pi->na; i++)
		if (!opr_norm_axis(surg_in(s, node, 3) >= 0 ? ax[i] : i, rank, &a) &&
		    a == 1)
			pi->ch = i;
	return 0;
}

int surg_pad_chan(const struct surg *s, int node, int64_t *pb, int64_t *pe,
		  double *val, int *spatial)
{
	const struct opr_node *n = &s->g->nodes[node];
	const struct opr_attr *mode = opr_node_attr(n, "mode");
	struct padinfo pi;
	double v[1];
	int cnt, i;

	if (pad_read(s, node, &pi))
		return -1;
	*spatial = 0;
	for (i = 0; i < pi.na; i++)
		if (i != pi.ch && (pi.p[i] || pi.p[pi.na + i]))
			*spatial = 1;
	*pb = pi.ch >= 0 ? pi.p[pi.ch] : 0;
	*pe = pi.ch >= 0 ? pi.p[pi.na + pi.ch] : 0;
	*val = 0;
	if (mode && (!mode->s || strcmp(mode->s, "constant")))
		*val = NAN;
	else if (n->n_in > 2 && n->in[2] >= 0)
		*val = opr_const_floats(s->g, n->in[2], v, 1, &cnt) == 1 && cnt == 1 ?
		       v[0] : NAN;
	else if (n->n_in <= 1)
		*val = opr_node_attr_float(n, "value", 0);
	return 0;
}

/* Pad on axis 1: the kept padded channels before and after the input. */
static int fix_pad(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), y = surg_out(s, node, 0);
	int64_t pb, pe, cn;
	struct padinfo pi;

	if (!changed(s, x) && !changed(s, y))
		return OPR_OK;
	if (pad_read(s, node, &pi))
		return computed(s, node, "the pads", err);
	if (pi.ch < 0)
		return OPR_OK;
	pb = pi.p[pi.ch];
	pe = pi.p[pi.na + pi.ch];
	cn = s->g->values[x].dims[1];
	pi.p[pi.ch] = surg_count1(s, y, 0, pb);
	pi.p[pi.na + pi.ch] = surg_count1(s, y, pb + cn, pb + cn + pe);
	if (pi.p[pi.ch] == pb && pi.p[pi.na + pi.ch] == pe)
		return OPR_OK;
	if (pi.attr)
		return surg_set_attr_ints(s, node, pi.attr, pi.p, 2 * pi.na, err);
	return surg_set_ints_input(s, node, 1, int_dtype(s, node, 1), pi.p,
				   2 * pi.na, err);
}

/* Split on axis 1: sizes = the outputs' new channel counts. */
static int fix_split(struct surg *s, int node, struct opr_err *err)
{
	const struct opr_node *n = &s->g->nodes[node];
	int x = surg_in(s, node, 0), ax, j, same = 1, rc;
	const struct opr_deps_view *xv = surg_view(s, x);
	int64_t sz[OPR_MAX_INPUTS];
	struct surg_edit e;

	if (!changed(s, x) || !xv || xv->k != 1 || n->n_out > OPR_MAX_INPUTS ||
	    opr_norm_axis(opr_node_attr_int(n, "axis", 0), s->g->values[x].rank,
			  &ax) || ax != 1)
		return OPR_OK;
	for (j = 0; j < n->n_out; j++) {
		if (n->out[j] < 0)
			return opr_errf(err, OPR_EINTERNAL, "surgery: Split '%s' "
					"has an omitted output", n->name);
		sz[j] = s->dims[n->out[j]][1];
		same &= sz[j] == sz[0];
	}
	if (n->n_in > 1 && n->in[1] >= 0) {
		if (!surg_is_const(s, n->in[1]))
			return computed(s, node, "the split sizes", err);
		return surg_set_ints_input(s, node, 1, int_dtype(s, node, 1), sz,
					   n->n_out, err);
	}
	if (opr_node_attr(n, "split") || (s->opset < 13 && !same))
		return surg_set_attr_ints(s, node, "split", sz, n->n_out, err);
	if (same)
		return OPR_OK;	/* still an even split */
	rc = surg_set_ints_input(s, node, 1, OPR_DT_INT64, sz, n->n_out, err);
	if (rc == OPR_OK && opr_node_attr(n, "num_outputs")) {
		memset(&e, 0, sizeof(e));
		e.kind = SURG_DEL_ATTR;
		e.node = node;
		e.attr = "num_outputs";
		rc = surg_push(s, &e, err);
	}
	return rc;
}

/* Resize with constant sizes: entry of axis 1 = the new channel count. */
static int fix_resize(struct surg *s, int node, struct opr_err *err)
{
	int y = surg_out(s, node, 0), sv = surg_in(s, node, 3), n, na, i, a;
	int64_t sz[OPR_MAX_RANK], ax[OPR_MAX_RANK];
	int r;

	if (!changed(s, y) || sv < 0)
		return OPR_OK;
	if (opr_const_ints(s->g, sv, sz, OPR_MAX_RANK, &n) != 1)
		return computed(s, node, "the sizes", err);
	r = opr_attr_ints(&s->g->nodes[node], "axes", ax, OPR_MAX_RANK, &na);
	for (i = 0; i < n; i++)
		if (!opr_norm_axis(r == 1 && i < na ? ax[i] : i,
				   s->g->values[y].rank, &a) && a == 1)
			sz[i] = s->dims[y][1];
	return surg_set_ints_input(s, node, 3, int_dtype(s, node, 3), sz, n, err);
}

/* Depthwise Conv (group = input channels): group = new input channels. */
static int fix_group(struct surg *s, int node, struct opr_err *err)
{
	int x = surg_in(s, node, 0), w = surg_in(s, node, 1);
	int64_t grp = opr_node_attr_int(&s->g->nodes[node], "group", 1);
	struct surg_edit e;

	if (grp < 2 || !changed(s, x) || !surg_is_const(s, w) ||
	    s->g->values[w].rank < 2 || s->g->values[w].dims[1] != 1 ||
	    s->dims[x][1] == grp)
		return OPR_OK;
	memset(&e, 0, sizeof(e));
	e.kind = SURG_SET_INT;
	e.node = node;
	e.attr = "group";
	e.i = s->dims[x][1];
	return surg_push(s, &e, err);
}

int surg_consts_node(struct surg *s, int node, struct opr_err *err)
{
	switch (s->g->nodes[node].op) {
	case OPR_OP_RESHAPE:
		return fix_reshape(s, node, err);
	case OPR_OP_SLICE:
		return fix_slice(s, node, err);
	case OPR_OP_PAD:
		return fix_pad(s, node, err);
	case OPR_OP_SPLIT:
		return fix_split(s, node, err);
	case OPR_OP_RESIZE:
		return fix_resize(s, node, err);
	case OPR_OP_CONV:
		return fix_group(s, node, err);
	default:
		return OPR_OK;
	}
}
