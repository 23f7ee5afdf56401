/*
 * surg_testlib.c - helpers of the surgery tests (surg_testlib.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surg_testlib.h"

void trng_seed(struct trng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (!r->s)
		r->s = 1;
}

uint64_t trng_next(struct trng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1Dull;
}

double trng_unit(struct trng *r)
{
	return (double)(trng_next(r) >> 11) / 9007199254740992.0;
}

/* Picks k of the n entries of idx at random into the front of idx. */
static void pick(struct trng *r, int *idx, int n, int k)
{
	int i, j, t;

	for (i = 0; i < k && i < n; i++) {
		j = i + (int)(trng_next(r) % (uint64_t)(n - i));
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

/* Channels on the side (0 in, 1 out) of conv node: max member index + 1. */
static int conv_side(const struct opr_deps *d, int node, int side)
{
	int i, n = 0;

	for (i = 0; i < d->n_members; i++) {
		const struct opr_deps_member *m = &d->members[i];

		if (m->node == node && m->role == (side ? OPR_ROLE_OUT : OPR_ROLE_IN) &&
		    m->index + 1 > n)
			n = m->index + 1;
	}
	return n;
}

/*
 * Grouped draw: classes of gi bucketed by the conv group of their member
 * at the grouped conv rs; the same number from each bucket.
 */
static int draw_grouped(const struct opr_deps *d, int gi,
			const struct opr_deps_reason *rs, struct trng *r,
			double share, int max, unsigned char *sel)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int *bk = malloc((size_t)gr->n_classes * sizeof(int) + 1);
	int *lst = malloc((size_t)gr->n_classes * sizeof(int) + 1);
	int c, i, b, n, side = -1, size = 0, per, minb = 1 << 30, k;

	if (!bk || !lst) {
		free(bk);
		free(lst);
		return -1;
	}
	for (c = 0; c < gr->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[gr->first_class + c];

		bk[c] = -1;
		for (i = 0; i < cl->n; i++) {
			const struct opr_deps_member *m = &d->members[cl->first + i];

			if (m->node != rs->node ||
			    (m->role != OPR_ROLE_IN && m->role != OPR_ROLE_OUT))
				continue;
			if (side < 0) {
				side = m->role == OPR_ROLE_OUT;
				size = conv_side(d, rs->node, side);
			}
			if (m->role == (side ? OPR_ROLE_OUT : OPR_ROLE_IN)) {
				per = size / rs->n;
				bk[c] = per > 0 ? m->index / per : -1;
				break;
			}
		}
	}
	for (b = 0; b < rs->n; b++) {
		for (c = n = 0; c < gr->n_classes; c++)
			n += bk[c] == b;
		minb = n < minb ? n : minb;
	}
	k = max ? minb - 1 : 1 + (int)(share * (minb - 1));
	k = k > minb - 1 ? minb - 1 : k;
	for (b = 0; k > 0 && b < rs->n; b++) {
		for (c = n = 0; c < gr->n_classes; c++)
			if (bk[c] == b)
				lst[n++] = c;
		pick(r, lst, n, k);
		for (i = 0; i < k; i++)
			sel[gr->first_class + lst[i]] = 1;
	}
	free(bk);
	free(lst);
	return 0;
}

/* Draws within group gi.  0, -1 when out of memory. */
static int draw_group(const struct opr_deps *d, int gi, struct trng *r,
		      double share, int max, unsigned char *sel)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int *lst, i, n = gr->n_classes, k;

	for (i = 0; i < gr->n_reasons; i++)
		if (d->reasons[gr->first_reason + i].kind == OPR_WHY_GROUPED)
			return draw_grouped(d, gi, &d->reasons[gr->first_reason + i],
					    r, share, max, sel);
	k = max ? n - 1 : 1 + (int)(share * (n - 1));
	k = k > n - 1 ? n - 1 : k;
	if (!(lst = malloc((size_t)n * sizeof(int))))
		return -1;
	for (i = 0; i < n; i++)
		lst[i] = i;
	pick(r, lst, n, k);
	for (i = 0; i < k; i++)
		sel[gr->first_class + lst[i]] = 1;
	free(lst);
	return 0;
}

int group_foldable(const struct opr_graph *g, const struct opr_deps *d, int gi)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int i, k, np;
	int64_t pads[16];

	for (i = 0; i < gr->n_members; i++) {
		const struct opr_deps_member *m = &d->members[gr->first_member + i];
		const struct opr_node *n;
		const struct opr_attr *a;

		if ((m->role == OPR_ROLE_PASS || m->role == OPR_ROLE_PARAM) &&
		    g->nodes[m->node].op == OPR_OP_CONCAT)
			return 0;	/* concat over H or W, or of a constant
					   tensor: not one constant per channel */
		if (m->role != OPR_ROLE_IN)
			continue;
		n = &g->nodes[m->node];
		if (n->op == OPR_OP_GEMM || n->op == OPR_OP_MATMUL)
			continue;
		if (n->op != OPR_OP_CONV)
			return 0;
		if (opr_node_attr_int(n, "group", 1) > 1 && n->in[1] >= 0 &&
		    g->values[n->in[1]].dims[1] == 1)
			continue;	/* depthwise: its outputs go too */
		a = opr_node_attr(n, "pads");
		np = a && a->type == OPR_AT_INTS ? a->n : 0;
		for (k = 0; k < np && k < 16; k++)
			pads[k] = a->ints[k];
		for (k = 0; k < np && k < 16; k++)
			if (pads[k])
				return 0;
	}
	return 1;
}

int sel_draw(const struct opr_graph *g, const struct opr_deps *d,
	     struct trng *r, int mode, unsigned char *sel)
{
	int gi, t, c, n = 0;
	double share;

	memset(sel, 0, (size_t)d->n_classes);
	for (gi = 0; gi < d->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		if (gr->frozen || gr->n_classes < 2)
			continue;
		if (mode == SEL_RANDOM && trng_unit(r) < 0.25)
			continue;
		if (mode == SEL_FOLDABLE && !group_foldable(g, d, gi))
			continue;
		if (mode == SEL_UNFOLDABLE && group_foldable(g, d, gi))
			continue;
		for (t = 0; t < 50; t++) {
			share = mode == SEL_RANDOM ? 0.9 * trng_unit(r) :
				0.3 + 0.6 * trng_unit(r);
			if (draw_group(d, gi, r, share, mode == SEL_MAX, sel))
				return -1;
			if (opr_prune_check_graph(g, d, sel, NULL) == OPR_OK)
				break;
			memset(sel + gr->first_class, 0, (size_t)gr->n_classes);
		}
	}
	for (c = 0; c < d->n_classes; c++)
		n += sel[c] != 0;
	return n;
}

int run_graph(const struct opr_graph *g, const float *input, int n,
	      float **out, size_t *len, struct opr_err *err)
{
	struct opr_rt *rt;
	struct opr_rt_info info;
	int rc;

	*out = NULL;
	rc = opr_rt_new(g, n, 1, &rt, err);
	if (rc)
		return rc;
	rc = opr_rt_output_info(rt, 0, n, &info, err);
	if (rc == OPR_OK && !(*out = malloc(info.nbytes ? info.nbytes : 1)))
		rc = opr_errf(err, OPR_ENOMEM, "out of memory");
	if (rc == OPR_OK)
		rc = opr_rt_run(rt, input, n, *out, err);
	*len = info.nbytes / sizeof(float);
	opr_rt_free(rt);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int64_t input_numel(const struct opr_graph *g)
{
	const struct opr_value *x;
	int64_t n;

	if (g->n_inputs < 1)
		return -1;
	x = &g->values[g->inputs[0]];
	if (x->rank < 1 || opr_numel(x->dims + 1, x->rank - 1, &n))
		return -1;
	return n;
}

/*
 * Zeroes index idx of axis ax of initializer v (copied into the arena the
 * first time: copied[v]).
 */
static int zero_plane(struct opr_graph *g, int v, int ax, int64_t idx,
		      char *copied)
{
	struct opr_value *x = &g->values[v];
	int64_t outer = 1, inner = 1, o;
	size_t esz = opr_dtype_size(x->dtype);
	char *p = x->data;
	int a;

	if (ax >= x->rank || idx >= x->dims[ax])
		return 0;
	if (!copied[v] && !(p = opr_arena_memdup(&g->arena, x->data, x->nbytes)))
		return -1;
	copied[v] = 1;
	for (a = 0; a < ax; a++)
		outer *= x->dims[a];
	for (a = ax + 1; a < x->rank; a++)
		inner *= x->dims[a];
	for (o = 0; o < outer; o++)
		memset(p + (size_t)((o * x->dims[ax] + idx) * inner) * esz, 0,
		       (size_t)inner * esz);
	x->data = p;
	return 0;
}

int zero_filters(struct opr_graph *g, const struct opr_deps *d,
		 const unsigned char *sel)
{
	char *copied = calloc((size_t)g->n_values + 1, 1);
	int i, ax, rc = 0;

	for (i = 0; copied && i < d->n_members && !rc; i++) {
		const struct opr_deps_member *m = &d->members[i];
		const struct opr_node *n;

		if (!sel[m->cls] || m->role != OPR_ROLE_OUT)
			continue;
		n = &g->nodes[m->node];
		if (n->op == OPR_OP_CONV)
			ax = 0;
		else if (n->op == OPR_OP_GEMM)
			ax = opr_node_attr_int(n, "transB", 0) ? 0 : 1;
		else
			ax = 1;	/* ConvTranspose, MatMul */
		if (n->in[1] >= 0)
			rc = zero_plane(g, n->in[1], ax, m->index, copied);
	}
	if (!copied)
		rc = -1;
	free(copied);
	return rc;
}

double max_diff(const float *a, const float *b, size_t n, double *scale)
{
	double m = 0, s = 0, t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = fabs((double)a[i] - (double)b[i]);
		if (t > m || isnan(t))
			m = isnan(t) ? INFINITY : t;
		if (fabs((double)b[i]) > s)
			s = fabs((double)b[i]);
	}
	*scale = s;
	return m;
}
