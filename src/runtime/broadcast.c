/*
 * broadcast.c - numpy (multidirectional) broadcasting for the element-wise
 * ops: shape rule, a plan that collapses the output into rows whose inner
 * run reads each input either contiguously or as one repeated element, a
 * broadcasting copy (Expand, Gemm's C), and the shared body of
 * Add/Sub/Mul/Div/PRelu (float, plus int64/int32 for shape arithmetic).
 */
#include <string.h>

#include "runtime/runtime.h"

int opr_rt_bcast_shape(int ra, const int64_t *a, int rb, const int64_t *b,
		   int *rank, int64_t *out)
{
	int r = ra > rb ? ra : rb, i;

	for (i = 0; i < r; i++) {
		int64_t da = i - (r - ra) >= 0 ? a[i - (r - ra)] : 1;
		int64_t db = i - (r - rb) >= 0 ? b[i - (r - rb)] : 1;

		if (da != db && da != 1 && db != 1)
			return -1;
		out[i] = da == 1 ? db : da;
	}
	*rank = r;
	return 0;
}

/* Element strides of x (rank rx) aligned to an output of rank ro. */
static void strides_for(int ro, const int64_t *out, int rx, const int64_t *x,
			int64_t *s)
{
	int64_t acc = 1;
	int i;

	for (i = ro - 1; i >= 0; i--) {
		int j = i - (ro - rx);

		if (j < 0 || x[j] == 1 || out[i] == 1) {
			s[i] = 0;
			if (j >= 0)
				acc *= x[j];
		} else {
			s[i] = acc;
			acc *= x[j];
		}
	}
}

void opr_rt_bcast_plan(struct rt_bcast *p, int ro, const int64_t *out, int ra,
		   const int64_t *a, int rb, const int64_t *b)
{
	int64_t sa[OPR_MAX_RANK], sb[OPR_MAX_RANK];
	int i, r = 0;

	strides_for(ro, out, ra, a, sa);
	if (rb >= 0)
		strides_for(ro, out, rb, b, sb);
	else
		memset(sb, 0, sizeof(sb));
	for (i = 0; i < ro; i++) {
		if (out[i] == 1)
			continue;	/* size-1 axes contribute nothing */
		if (r > 0 && p->sa[r - 1] == sa[i] * out[i] &&
		    p->sb[r - 1] == sb[i] * out[i]) {
			p->d[r - 1] *= out[i];
			p->sa[r - 1] = sa[i];
			p->sb[r - 1] = sb[i];
			continue;
		}
		p->d[r] = out[i];
		p->sa[r] = sa[i];
		p->sb[r] = sb[i];
		r++;
	}
	if (r == 0) {
		p->d[0] = 1;
		p->sa[0] = p->sb[0] = 0;
		r = 1;
	}
	for (i = 0; i < ro; i++)
		if (out[i] == 0)
			p->d[0] = 0;	/* empty output */
	p->rank = r;
	p->inner = p->d[r - 1];
	p->rows = opr_rt_prod(p->d, 0, r - 1);
}

void opr_rt_bcast_row(const struct rt_bcast *p, int64_t r, int64_t *oa,
		  int64_t *ob)
{
	int64_t a = 0, b = 0;
	int i;

	for (i = p->rank - 2; i >= 0; i--) {
		int64_t q = r % p->d[i];

		r /= p->d[i];
		a += q * p->sa[i];
		b += q * p->sb[i];
	}
	*oa = a;
	*ob = b;
}

struct copy_job {
	const struct rt_bcast *p;
	const unsigned char *a;
	unsigned char *o;
	size_t es;
};

static void copy_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct copy_job *j = arg;
	const struct rt_bcast *p = j->p;
	int64_t r, i, oa, ob, sin = p->sa[p->rank - 1];

	(void)tid;
	for (r = r0; r < r1; r++) {
		unsigned char *o = j->o + (size_t)(r * p->inner) * j->es;
		const unsigned char *a;

		opr_rt_bcast_row(p, r, &oa, &ob);
		a = j->a + (size_t)oa * j->es;
		if (sin)
			memcpy(o, a, (size_t)p->inner * j->es);
		else
			for (i = 0; i < p->inner; i++)
				memcpy(o + (size_t)i * j->es, a, j->es);
	}
}

void opr_rt_bcast_copy(struct opr_rt *rt, const struct rt_bcast *p,
		   const void *a, void *out, size_t es)
{
	struct copy_job j = { p, a, out, es };
	int64_t grain = 16384 / (p->inner + 1) + 1;

	opr_rt_parallel_range(rt, p->rows, grain, copy_rows, &j);
}

/* ---- Add / Sub / Mul / Div / PRelu ---- */

int opr_rt_binary_prep(struct opr_rt *rt, struct rt_node *rn, int uni,
		   struct opr_err *err)
{
	struct rt_val *a = opr_rt_need_in(rt, rn, 0, 0, err);
	struct rt_val *b = a ? opr_rt_need_in(rt, rn, 1, 0, err) : NULL;
	int64_t dims[OPR_MAX_RANK];
	int rank;

	if (!b)
		return err->code;
	if (a->dtype != b->dtype)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "inputs are %s and %s",
			       opr_dtype_name(a->dtype), opr_dtype_name(b->dtype));
	if (a->dtype != OPR_DT_FLOAT && (uni || (a->dtype != OPR_DT_INT64 &&
						 a->dtype != OPR_DT_INT32)))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "type %s",
			       opr_dtype_name(a->dtype));
	if (opr_rt_bcast_shape(a->rank, a->dims, b->rank, b->dims, &rank, dims))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "shapes do not "
			       "broadcast (ranks %d and %d)", a->rank, b->rank);
	if (uni && (rank != a->rank || memcmp(dims, a->dims,
					       (size_t)rank * sizeof(int64_t))))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "slope does not "
			       "broadcast to the input");
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), a->dtype, rank, dims, err);
}

struct bin_job {
	struct rt_bcast p;
	enum rt_binop op;
	const float *a, *b;
	float *o;
};

/* One inner run: o[i] = a[i*sa] op b[i*sb], sa and sb in {0, 1}. */
#define BIN_LOOP(EXPR)							\
	do {								\
		if (sa && sb)						\
			for (i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (EXPR); } \
		else if (sa)						\
			for (i = 0; i < n; i++) { float x = a[i], y = b[0]; o[i] = (EXPR); } \
		else if (sb)						\
			for (i = 0; i < n; i++) { float x = a[0], y = b[i]; o[i] = (EXPR); } \
		else							\
			for (i = 0; i < n; i++) { float x = a[0], y = b[0]; o[i] = (EXPR); } \
	} while (0)

static void bin_run(enum rt_binop op, const float *a, int sa, const float *b,
		    int sb, float *o, int64_t n)
{
	int64_t i;

	switch (op) {
	case RT_ADD: BIN_LOOP(x + y); break;
	case RT_SUB: BIN_LOOP(x - y); break;
	case RT_MUL: BIN_LOOP(x * y); break;
	case RT_DIV: BIN_LOOP(x / y); break;
	case RT_PRELU: BIN_LOOP(x < 0 ? x * y : x); break;
	}
}

static void bin_range(void *arg, int64_t e0, int64_t e1, int tid)
{
	const struct bin_job *j = arg;
	const struct rt_bcast *p = &j->p;
	int sa = p->sa[p->rank - 1] != 0, sb = p->sb[p->rank - 1] != 0;
	int64_t e = e0;

	(void)tid;
	while (e < e1) {
		int64_t r = e / p->inner, c = e % p->inner, oa, ob, n;

		n = p->inner - c;
		if (n > e1 - e)
			n = e1 - e;
		opr_rt_bcast_row(p, r, &oa, &ob);
		bin_run(j->op, j->a + oa + c * sa, sa, j->b + ob + c * sb, sb,
			j->o + e, n);
		e += n;
	}
}

/* The integer path, for shape arithmetic (small, single-threaded). */
static int bin_int(struct opr_rt *rt, struct rt_node *rn, enum rt_binop op,
		   const struct rt_val *a, const struct rt_val *b,
		   struct rt_val *o, const struct rt_bcast *p,
		   struct opr_err *err)
{
	int64_t r, i, oa, ob, k = 0;

	for (r = 0; r < p->rows; r++) {
		opr_rt_bcast_row(p, r, &oa, &ob);
		for (i = 0; i < p->inner; i++, k++) {
			int64_t x = opr_rt_load_i(a->data, a->dtype,
					      oa + i * (p->sa[p->rank - 1] != 0));
			int64_t y = opr_rt_load_i(b->data, b->dtype,
					      ob + i * (p->sb[p->rank - 1] != 0));
			int64_t z;

			switch (op) {
			case RT_ADD: z = x + y; break;
			case RT_SUB: z = x - y; break;
			case RT_MUL: z = x * y; break;
			case RT_DIV:
				if (y == 0)
					return opr_rt_errf(rt, rn, err, OPR_EINVAL,
						       "integer division by zero");
				z = x / y;
				break;
			default: z = 0; break;
			}
			if (o->dtype == OPR_DT_INT64)
				((int64_t *)o->data)[k] = z;
			else
				((int32_t *)o->data)[k] = (int32_t)z;
		}
	}
	return OPR_OK;
}

int opr_rt_binary_fwd(struct opr_rt *rt, struct rt_node *rn, enum rt_binop op,
		  struct opr_err *err)
{
	struct rt_val *a = opr_rt_in(rt, rn, 0), *b = opr_rt_in(rt, rn, 1);
	struct rt_val *o = opr_rt_out(rt, rn, 0);
	struct bin_job j;

	opr_rt_bcast_plan(&j.p, o->rank, o->dims, a->rank, a->dims, b->rank, b->dims);
	if (o->numel == 0)
		return OPR_OK;
	if (a->dtype != OPR_DT_FLOAT)
		return bin_int(rt, rn, op, a, b, o, &j.p, err);
	j.op = op;
	j.a = a->data;
	j.b = b->data;
	j.o = o->data;
	opr_rt_parallel_range(rt, o->numel, 32768, bin_range, &j);
	return OPR_OK;
}
