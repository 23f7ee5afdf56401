/*
 * deps_maps.c - the mapped channel rules (see deps_rules.c for the others)
 * and the split channel views they make.  Index maps, all read from static
 * shapes and constant inputs:
 *   Concat     input k channel c -> c + offset_k
 *   Split      output k channel c <- c + offset_k
 *   Slice      output channel c <- c + start (step 1 only)
 *   Pad        c -> c + pad_begin; the padded channels are constants of
 *              no producer
 *   Reshape    flat channel index kept (a split view [N,48] -> [N,2,24],
 *              or its merge), or c -> [c*t, (c+1)*t) (Flatten: t = H*W),
 *              or its inverse ([N,C*H*W] -> [N,C,H,W])
 *   Transpose  permutation of the channel dims of a split view
 * On any other axis than the channel dims these ops are pass-through.
 */
#include <string.h>

#include "infer.h"
#include "passes/deps_internal.h"

/*
 * Couples axis-1 channel c of x with channel c + off of y for c < n and
 * records the MAP_IN (x at input xport) and MAP_OUT (y at output yport)
 * members.
 */
static int couple_map(struct deps_build *b, int node, int x, int xport,
		      int xoff, int y, int yport, int yoff, int n)
{
	int c, sx, sy, rc = OPR_OK;

	for (c = 0; c < n && rc == OPR_OK; c++) {
		sx = deps_chan_slot(b, x, xoff + c);
		sy = deps_chan_slot(b, y, yoff + c);
		deps_union(b, sx, sy);
		rc = deps_add(b, node, OPR_ROLE_MAP_IN, 0, xport, x, 1, xoff + c, sx);
		if (rc == OPR_OK)
			rc = deps_add(b, node, OPR_ROLE_MAP_OUT, 1, yport, y, 1,
				      yoff + c, sy);
	}
	return rc;
}

/* ---- views ---- */

/* How a Reshape-like node maps flat channel indices. */
enum { RM_NONE, RM_IDENT, RM_SPLIT, RM_MERGE };

struct rmap {
	int kind;	/* RM_* */
	int k, free;	/* RM_IDENT: the output view */
	int64_t t;	/* RM_SPLIT: in c -> out [c*t, (c+1)*t); RM_MERGE:
			   out c -> in [c*t, (c+1)*t) */
};

/* Product of dims[lo..hi) of v into *p; -1 when unknown or huge. */
static int dims_prod(const struct opr_value *v, int lo, int hi, int64_t *p)
{
	if (lo > hi)
		return -1;
	return opr_numel(v->dims + lo, hi - lo, p);
}

/*
 * The index map of Reshape/Flatten/Squeeze/Unsqueeze node into *m.
 * Returns NULL, or why the node cannot be mapped (m->kind = RM_NONE).
 */
static const char *reshape_map(const struct deps_build *b, int node,
			       struct rmap *m)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0), kk, big = 1;
	const struct opr_deps_view *xv = deps_view(b, x);
	const struct opr_value *xs, *ys;
	int64_t ex, ey, p = 1, c, d1;

	m->kind = RM_NONE;
	if (!xv || !deps_act(b, y) || deps_val(b, y)->rank < 2)
		return "reshape without a channel axis on both sides";
	xs = deps_val(b, x);
	ys = deps_val(b, y);
	if (dims_prod(xs, 1, xs->rank, &ex) || dims_prod(ys, 1, ys->rank, &ey) ||
	    ex != ey)
		return "reshape that is not per sample (or shapes not static)";
	if ((xs->dims[0] >= 0 || ys->dims[0] >= 0) && xs->dims[0] != ys->dims[0])
		return "reshape that changes the batch dim";
	if (n->op == OPR_OP_FLATTEN && opr_node_attr_int(n, "axis", 1) != 1)
		return "Flatten at an axis other than 1";
	c = xv->n;
	d1 = ys->dims[1];
	for (kk = 1; kk < ys->rank && p < c; kk++)
		p *= ys->dims[kk];
	if (p == c && kk - 1 == 1) {
		m->kind = RM_IDENT;
		m->k = m->free = 1;
		return NULL;
	}
	if (xv->k == 1 && ex == c && d1 > 0 && c % d1 == 0) {
		m->kind = RM_MERGE;	/* [N, C*H*W] -> [N, C, H, W] */
		m->t = c / d1;
		return NULL;
	}
	if (p == c && xv->k == 1) {
		m->kind = RM_IDENT;	/* split of axis 1: keep the largest dim free */
		m->k = kk - 1;
		for (kk = 2; kk <= m->k; kk++)
			if (ys->dims[kk] >= ys->dims[big])
				big = kk;
		m->free = big;
		return NULL;
	}
	if (p == c) {
		if (kk - 1 != xv->k || memcmp(xs->dims + 1, ys->dims + 1,
					       (size_t)xv->k * sizeof(int64_t)))
			return "reshape that regroups a split channel view";
		m->kind = RM_IDENT;
		m->k = xv->k;
		m->free = xv->free;
		return NULL;
	}
	if (d1 > 0 && d1 % c == 0 && (ex / c) % (d1 / c) == 0) {
		m->kind = RM_SPLIT;
		m->t = d1 / c;
		return NULL;
	}
	if (d1 > 0 && c % d1 == 0) {
		m->kind = RM_MERGE;
		m->t = c / d1;
		return NULL;
	}
	return "reshape that mixes channels with other dims";
}

/* Reads Transpose's perm into p (rank entries).  0 when valid. */
static int transpose_perm(const struct deps_build *b, int node, int rank,
			  int64_t *p)
{
	int n, i;

	if (opr_attr_ints(&b->g->nodes[node], "perm", p, OPR_MAX_RANK, &n) != 1 ||
	    n != rank)
		return -1;
	for (i = 0; i < n; i++)
		if (p[i] < 0 || p[i] >= rank)
			return -1;
	return 0;
}

/*
 * The Transpose's view: perm must keep the batch first and the channel
 * dims 1..k among themselves.  Returns NULL or why not.
 */
static const char *transpose_check(const struct deps_build *b, int node,
				   int64_t *perm)
{
	int x = deps_in(b, node, 0), i, seen = 0;
	const struct opr_deps_view *xv = deps_view(b, x);

	if (!xv || !deps_view(b, deps_out(b, node, 0)))
		return "transpose without a channel axis on both sides";
	if (transpose_perm(b, node, deps_val(b, x)->rank, perm) || perm[0] != 0)
		return "transpose that moves the batch axis";
	for (i = 1; i <= xv->k; i++) {
		if (perm[i] < 1 || perm[i] > xv->k)
			return "transpose that moves the channel axis";
		seen |= 1 << perm[i];
	}
	return seen == ((1 << (xv->k + 1)) - 2) ? NULL :
	       "transpose that moves the channel axis";
}

/* Gives output y the view (k, free) over x's n slots. */
static void set_view(struct deps_build *b, int y, int k, int free, int n)
{
	struct opr_deps_view *v = &b->d->views[y];

	v->k = k;
	v->free = free;
	v->n = n;
}

void deps_rule_view(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int rule = n->op > 0 && n->op < OPR_OP_COUNT ? (int)opr_ops[n->op].chan :
		   OPR_CHAN_BLOCK;
	const struct opr_deps_view *xv;
	int64_t perm[OPR_MAX_RANK];
	struct rmap m;
	int i, j, x, y;

	if (rule == OPR_CHAN_RESHAPE) {
		if (!reshape_map(b, node, &m) && m.kind == RM_IDENT && m.k > 1)
			set_view(b, deps_out(b, node, 0), m.k, m.free,
				 deps_view(b, deps_in(b, node, 0))->n);
	} else if (rule == OPR_CHAN_TRANSPOSE) {
		x = deps_in(b, node, 0);
		xv = deps_view(b, x);
		if (xv && xv->k > 1 && !transpose_check(b, node, perm))
			for (i = 1; i <= xv->k; i++)
				if (perm[i] == xv->free)
					set_view(b, deps_out(b, node, 0), xv->k, i, xv->n);
	} else if (rule == OPR_CHAN_PASSTHRU || rule == OPR_CHAN_ELEMWISE ||
		   rule == OPR_CHAN_REDUCE || rule == OPR_CHAN_SLICE ||
		   rule == OPR_CHAN_PAD || rule == OPR_CHAN_CONCAT ||
		   rule == OPR_CHAN_SPLIT) {
		/* a split view survives ops that keep its dims in place */
		for (i = 0; i < n->n_in; i++) {
			x = n->in[i];
			xv = deps_view(b, x);
			if (!xv || xv->k < 2)
				continue;
			for (j = 0; j < n->n_out; j++) {
				y = n->out[j];
				if (!deps_act(b, y) || deps_val(b, y)->rank <= xv->k ||
				    memcmp(deps_val(b, y)->dims + 1, deps_val(b, x)->dims + 1,
					   (size_t)xv->k * sizeof(int64_t)))
					continue;
				set_view(b, y, xv->k, xv->free, xv->n);
			}
			break;
		}
	}
}

/* Concat: on axis 1 input k lands at its offset; elsewhere pass-through. */
int deps_couple_concat(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int y = deps_out(b, node, 0), ax, i, c, v, cn, off = 0, rc = OPR_OK;
	const struct opr_deps_view *yv = deps_view(b, y);

	if (!yv || opr_norm_axis(opr_node_attr_int(n, "axis", 0),
				 deps_val(b, y)->rank, &ax) || ax == 0)
		return deps_block(b, node, "concat over the batch axis, or no "
				  "channel axis");
	if (ax > yv->k) {
		for (i = 0; i < n->n_in; i++)
			if (!deps_act(b, n->in[i]) || !deps_same_view(b, n->in[i], y))
				return deps_block(b, node, "inputs with other channels");
		for (i = 0; i < n->n_in && rc == OPR_OK; i++)
			rc = deps_couple_flat(b, node, i ? -1 : OPR_ROLE_PASS, 0,
					      n->in[i], y);
		return rc;
	}
	if (yv->k != 1)
		return deps_block(b, node, "concat inside a split channel view");
	for (i = 0; i < n->n_in; i++) {
		v = n->in[i];
		if (v < 0 || (deps_val(b, v)->is_initializer ? !deps_own_const(b, v) ||
			      deps_val(b, v)->rank < 2 : deps_chan_n(b, v) < 0))
			return deps_block(b, node, "an input without channels, or "
					  "a shared constant");
		off += deps_val(b, v)->is_initializer ? (int)deps_val(b, v)->dims[1] :
			deps_chan_n(b, v);
	}
	if (off != deps_chan_n(b, y))
		return deps_block(b, node, "channel counts do not add up");
	for (i = off = 0; i < n->n_in && rc == OPR_OK; i++) {
		v = n->in[i];
		if (!deps_val(b, v)->is_initializer) {
			cn = deps_chan_n(b, v);
			rc = couple_map(b, node, v, i, 0, y, 0, off, cn);
			off += cn;
			continue;
		}
		for (c = 0; c < deps_val(b, v)->dims[1] && rc == OPR_OK; c++, off++)
			rc = deps_add(b, node, OPR_ROLE_PARAM, 0, i, v, 1, c,
				      deps_chan_slot(b, y, off));
	}
	return rc;
}

/* Split: on axis 1 output k starts at its offset; elsewhere pass-through. */
int deps_couple_split(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	int x = deps_in(b, node, 0), ax, i, off = 0, rc = OPR_OK;
	const struct opr_deps_view *xv = deps_view(b, x);

	if (!xv || opr_norm_axis(opr_node_attr_int(n, "axis", 0),
				 deps_val(b, x)->rank, &ax) || ax == 0)
		return deps_block(b, node, "split over the batch axis, or no "
				  "channel axis");
	for (i = 0; i < n->n_out; i++)
		if (ax > xv->k ? !deps_same_view(b, x, n->out[i]) :
		    xv->k != 1 || deps_chan_n(b, n->out[i]) < 0)
			return deps_block(b, node, "outputs without the input's "
					  "channels");
	for (i = 0; i < n->n_out && ax <= xv->k; i++)
		off += deps_chan_n(b, n->out[i]);
	if (ax <= xv->k && off != deps_chan_n(b, x))
		return deps_block(b, node, "channel counts do not add up");
	for (i = off = 0; i < n->n_out && rc == OPR_OK; i++) {
		if (ax > xv->k) {
			rc = deps_couple_flat(b, node, OPR_ROLE_PASS, i, x, n->out[i]);
			continue;
		}
		rc = couple_map(b, node, x, 0, off, n->out[i], i, 0,
				deps_chan_n(b, n->out[i]));
		off += deps_chan_n(b, n->out[i]);
	}
	return rc;
}

/* Reads a Slice parameter: input k (opset >= 10) or attribute name. */
static int slice_param(const struct deps_build *b, int node, int k,
		       const char *name, int64_t *out, int *cnt)
{
	const struct opr_node *n = &b->g->nodes[node];

	if (n->n_in > 1)
		return opr_const_ints(b->g, deps_in(b, node, k), out, OPR_MAX_RANK, cnt);
	return opr_attr_ints(n, name, out, OPR_MAX_RANK, cnt);
}

/*
 * Slice: on axis 1 (step 1) output channel c is input channel start + c;
 * other axes are pass-through.  The bounds must be constants.
 */
int deps_couple_slice(struct deps_build *b, int node)
{
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0);
	int r[4], i, a, ns, ne, na, nt;
	int64_t st[OPR_MAX_RANK], en[OPR_MAX_RANK], ax[OPR_MAX_RANK];
	int64_t sp[OPR_MAX_RANK], dim, s = -1;
	const struct opr_deps_view *xv = deps_view(b, x);

	if (!xv || !deps_view(b, y))
		return deps_block(b, node, "no channel axis");
	r[0] = slice_param(b, node, 1, "starts", st, &ns);
	r[1] = slice_param(b, node, 2, "ends", en, &ne);
	r[2] = slice_param(b, node, 3, "axes", ax, &na);
	r[3] = slice_param(b, node, 4, "steps", sp, &nt);
	if (r[0] != 1 || r[1] != 1 || r[2] < 0 || r[3] < 0 || ne != ns ||
	    (r[2] && na != ns) || (r[3] && nt != ns) ||
	    (deps_in(b, node, 3) >= 0 && !r[2]) || (deps_in(b, node, 4) >= 0 && !r[3]))
		return deps_block(b, node, "slice bounds not constant");
	for (i = 0; i < ns; i++) {
		if (opr_norm_axis(r[2] ? ax[i] : i, deps_val(b, x)->rank, &a))
			return deps_block(b, node, "slice axis out of range");
		dim = deps_val(b, x)->dims[a];
		if (a > xv->k || (a == 0 && st[i] == 0 && en[i] >= INT32_MAX &&
				  (!r[3] || sp[i] == 1)))
			continue;	/* a spatial axis, or all of the batch */
		if (a == 0)
			return deps_block(b, node, "slice of the batch axis");
		if (xv->k != 1 || dim < 0)
			return deps_block(b, node, "slice of a split channel view");
		if (r[3] && sp[i] != 1)
			return deps_block(b, node, "slice with a step on the "
					  "channel axis");
		s = st[i] < 0 ? st[i] + dim : st[i];
		s = s < 0 ? 0 : s > dim ? dim : s;
	}
	if (s < 0)
		return deps_same_view(b, x, y) ?
		       deps_couple_flat(b, node, OPR_ROLE_PASS, 0, x, y) :
		       deps_block(b, node, "output channels differ from the input's");
	if (deps_chan_n(b, y) < 0 || s + deps_chan_n(b, y) > deps_chan_n(b, x))
		return deps_block(b, node, "slice does not fit the channels");
	return couple_map(b, node, x, 0, (int)s, y, 0, 0, deps_chan_n(b, y));
}

/*
 * Pad: constant padding of axis 1 puts input channel c at c + begin; the
 * padded channels are constants of no producer (PADDED members).
 */
int deps_couple_pad(struct deps_build *b, int node)
{
	const struct opr_node *n = &b->g->nodes[node];
	const struct opr_attr *mode = opr_node_attr(n, "mode");
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0), np, na, r, i, a, c;
	int64_t p[2 * OPR_MAX_RANK], ax[OPR_MAX_RANK], pb = 0, pe = 0;
	const struct opr_deps_view *xv = deps_view(b, x);
	int rank = xv ? deps_val(b, x)->rank : 0, rc, cn;

	if (!xv || !deps_view(b, y))
		return deps_block(b, node, "no channel axis");
	if (n->n_in > 1)
		r = opr_const_ints(b->g, deps_in(b, node, 1), p, 2 * OPR_MAX_RANK, &np);
	else if ((r = opr_attr_ints(n, "pads", p, 2 * OPR_MAX_RANK, &np)) == 0)
		r = opr_attr_ints(n, "paddings", p, 2 * OPR_MAX_RANK, &np);
	na = rank;
	if (deps_in(b, node, 3) >= 0 &&
	    opr_const_ints(b->g, deps_in(b, node, 3), ax, OPR_MAX_RANK, &na) != 1)
		return deps_block(b, node, "pad axes not constant");
	if (r != 1 || np != 2 * na)
		return deps_block(b, node, "pads not constant");
	for (i = 0; i < na; i++) {
		if (opr_norm_axis(deps_in(b, node, 3) >= 0 ? ax[i] : i, rank, &a))
			return deps_block(b, node, "pad axis out of range");
		if (a > xv->k || (p[i] == 0 && p[na + i] == 0))
			continue;
		if (a != 1)
			return deps_block(b, node, "pad of the batch axis");
		if (xv->k != 1)
			return deps_block(b, node, "pad of a split channel view");
		if (p[i] < 0 || p[na + i] < 0)
			return deps_block(b, node, "negative pad of the channel axis");
		if (mode && (!mode->s || strcmp(mode->s, "constant")))
			return deps_block(b, node, "pad of the channel axis that "
					  "copies channels (mode not constant)");
		pb = p[i];
		pe = p[na + i];
	}
	if (pb == 0 && pe == 0)
		return deps_same_view(b, x, y) ?
		       deps_couple_flat(b, node, OPR_ROLE_PASS, 0, x, y) :
		       deps_block(b, node, "output channels differ from the input's");
	cn = deps_chan_n(b, x);
	if (deps_chan_n(b, y) != pb + cn + pe)
		return deps_block(b, node, "pads do not fit the channels");
	rc = couple_map(b, node, x, 0, 0, y, 0, (int)pb, cn);
	for (c = 0; c < deps_chan_n(b, y) && rc == OPR_OK; c++)
		if (c < pb || c >= pb + cn)
			rc = deps_add(b, node, OPR_ROLE_PADDED, 1, 0, y, 1, c,
				      deps_chan_slot(b, y, c));
	return rc;
}

/* Reshape, Flatten, Squeeze, Unsqueeze. */
int deps_couple_reshape(struct deps_build *b, int node)
{
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0), rc = OPR_OK;
	const char *why;
	struct rmap m;
	int64_t c, j, n;

	why = reshape_map(b, node, &m);
	if (why)
		return deps_block(b, node, why);
	if (m.kind == RM_IDENT) {
		if (!deps_view(b, y) || deps_view(b, y)->n != deps_view(b, x)->n)
			return deps_block(b, node, "output view does not fit");
		rc = deps_couple_flat(b, node, OPR_ROLE_MAP_OUT, 0, x, y);
		for (c = 0; c < deps_view(b, x)->n && rc == OPR_OK; c++)
			rc = deps_add(b, node, OPR_ROLE_MAP_IN, 0, 0, x, 1, (int)c,
				      deps_view(b, x)->base + (int)c);
		return rc;
	}
	n = deps_view(b, m.kind == RM_SPLIT ? x : y)->n;
	for (c = 0; c < n && rc == OPR_OK; c++) {
		int xs = m.kind == RM_SPLIT ? (int)c : 0;

		for (j = 0; j < m.t && rc == OPR_OK; j++) {
			int xi = m.kind == RM_SPLIT ? xs : (int)(c * m.t + j);
			int yi = m.kind == RM_SPLIT ? (int)(c * m.t + j) : (int)c;
			int sx = deps_view(b, x)->base + xi;
			int sy = deps_view(b, y)->base + yi;

			deps_union(b, sx, sy);
			if (m.kind == RM_SPLIT || j == 0)
				rc = deps_add(b, node, OPR_ROLE_MAP_OUT, 1, 0, y, 1,
					      yi, sy);
			if (rc == OPR_OK && (m.kind == RM_MERGE || j == 0))
				rc = deps_add(b, node, OPR_ROLE_MAP_IN, 0, 0, x, 1,
					      xi, sx);
		}
	}
	return rc;
}

/* Transpose: permutes the channel dims of a split view. */
int deps_couple_transpose(struct deps_build *b, int node)
{
	int x = deps_in(b, node, 0), y = deps_out(b, node, 0), k, i, rc = OPR_OK;
	const struct opr_deps_view *xv, *yv;
	int64_t perm[OPR_MAX_RANK], idx[OPR_MAX_RANK], c, rest, o;
	const char *why = transpose_check(b, node, perm);

	if (why)
		return deps_block(b, node, why);
	xv = deps_view(b, x);
	yv = deps_view(b, y);
	k = xv->k;
	if (yv->k != k || yv->n != xv->n)
		return deps_block(b, node, "output view does not fit");
	for (c = 0; c < xv->n && rc == OPR_OK; c++) {
		for (i = k, rest = c; i >= 1; i--) {
			idx[i] = rest % deps_val(b, x)->dims[i];
			rest /= deps_val(b, x)->dims[i];
		}
		for (i = 1, o = 0; i <= k; i++)
			o = o * deps_val(b, y)->dims[i] + idx[perm[i]];
		deps_union(b, xv->base + (int)c, yv->base + (int)o);
		rc = deps_add(b, node, OPR_ROLE_MAP_IN, 0, 0, x, 1, (int)c,
			      xv->base + (int)c);
		if (rc == OPR_OK)
			rc = deps_add(b, node, OPR_ROLE_MAP_OUT, 1, 0, y, 1, (int)o,
				      yv->base + (int)o);
	}
	return rc;
}
