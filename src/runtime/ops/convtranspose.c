/*
 * convtranspose.c - ConvTranspose over 1-D or 2-D inputs with groups,
 * strides, dilations, pads, output_padding, output_shape and auto_pad
 * (pads from SAME_* split as the ONNX spec says, those from output_shape
 * as ONNX Runtime does).  Per
 * (image, group): col = W_g^T x_g by sgemm into the thread's scratch, then
 * col2im adds every column into the output.
 */
#include <string.h>

#include <cblas.h>

#include "runtime/runtime.h"

/* The geometry of one ConvTranspose. */
struct convt_param {
	int ns;				/* spatial axes (1 or 2) */
	int64_t n, c, m, group, cg, mg;	/* batch, channels, groups */
	int64_t in[2], k[2], s[2], d[2];	/* H/W input, kernel, stride, dilation */
	int64_t pb[2], out[2];		/* pad at begin, output size */
	int64_t kk, hw;			/* mg * kh * kw, input positions */
};

/* Reads the INTS attribute name of ns entries (when present) into v. */
static int read_n(struct opr_rt *rt, struct rt_node *rn, const char *name,
		  int64_t *v, int ns, struct opr_err *err)
{
	int64_t t[2 * RT_MAX_SPATIAL];
	int cnt, rc = opr_rt_attr_ints(rt, rn, name, t, 2 * RT_MAX_SPATIAL, &cnt, err);
	int i;

	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 0)
		return OPR_OK;
	if (cnt != ns)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "attribute '%s' has %d "
			       "values, want %d", name, cnt, ns);
	for (i = 0; i < ns; i++)
		v[i] = t[i];
	return OPR_OK;
}

/* Output size and begin pad of spatial axis i (of ns). */
static int axis_out(struct opr_rt *rt, struct rt_node *rn, struct convt_param *p,
		    int a, int64_t op, int64_t want, int64_t pb, int64_t pe,
		    struct opr_err *err)
{
	const char *ap = opr_rt_attr_str(rn, "auto_pad", "NOTSET");
	int64_t ek = (p->k[a] - 1) * p->d[a] + 1, full, total;
	int upper = !strcmp(ap, "SAME_UPPER");

	full = p->s[a] * (p->in[a] - 1) + op + ek;
	if (want >= 0) {
		/* As ONNX Runtime: no negative padding (a larger output_shape
		 * gets zeros at the end); SAME_UPPER pads more at the head. */
		total = full - want > 0 ? full - want : 0;
		p->pb[a] = upper ? total - total / 2 : total / 2;
		p->out[a] = want;
	} else if (upper || !strcmp(ap, "SAME_LOWER")) {
		total = full - p->in[a] * p->s[a];
		p->pb[a] = upper ? total / 2 : total - total / 2;
		p->out[a] = p->in[a] * p->s[a];
	} else {
		if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "auto_pad '%s'", ap);
		p->pb[a] = pb;
		p->out[a] = full - pb - pe;
	}
	if (p->out[a] < 0)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output size %lld",
			       (long long)p->out[a]);
	return OPR_OK;
}

static int convt_geom(struct opr_rt *rt, struct rt_node *rn,
		      struct convt_param *p, const struct rt_val *x,
		      const struct rt_val *w, struct opr_err *err)
{
	int64_t k[2], s[2] = { 1, 1 }, d[2] = { 1, 1 }, op[2] = { 0, 0 };
	int64_t pads[4] = { 0, 0, 0, 0 }, os[OPR_MAX_RANK];
	int ns = p->ns, i, a, rc, cnt;

	for (i = 0; i < ns; i++)
		k[i] = w->dims[2 + i];
	if ((rc = read_n(rt, rn, "kernel_shape", k, ns, err)) ||
	    (rc = read_n(rt, rn, "strides", s, ns, err)) ||
	    (rc = read_n(rt, rn, "dilations", d, ns, err)) ||
	    (rc = read_n(rt, rn, "output_padding", op, ns, err)) ||
	    (rc = read_n(rt, rn, "pads", pads, 2 * ns, err)))
		return rc;
	rc = opr_rt_attr_ints(rt, rn, "output_shape", os, OPR_MAX_RANK, &cnt, err);
	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 1 && cnt != ns && cnt != ns + 2)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output_shape has %d "
			       "values", cnt);
	for (i = 0; i < 2; i++) {
		p->in[i] = p->k[i] = p->s[i] = p->d[i] = p->out[i] = 1;
		p->pb[i] = 0;
	}
	for (i = 0; i < ns; i++) {
		a = i + 2 - ns;
		if (k[i] != w->dims[2 + i] || s[i] < 1 || d[i] < 1)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "kernel, strides or "
				       "dilations do not fit the weight");
		p->in[a] = x->dims[2 + i];
		p->k[a] = k[i];
		p->s[a] = s[i];
		p->d[a] = d[i];
		if ((rc = axis_out(rt, rn, p, a, op[i],
				   cnt ? os[cnt - ns + i] : -1, pads[i],
				   pads[i + ns], err)))
			return rc;
	}
	return OPR_OK;
}

static int convt_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct convt_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	struct rt_val *w = x ? opr_rt_need_in(rt, rn, 1, OPR_DT_FLOAT, err) : NULL;
	struct rt_val *b = opr_rt_in(rt, rn, 2);
	int64_t d[4];
	int rc;

	if (!w)
		return err->code;
	p->ns = x->rank - 2;
	if (p->ns < 1 || p->ns > RT_MAX_SPATIAL || w->rank != x->rank)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "input rank %d, "
			       "weight rank %d", x->rank, w->rank);
	p->n = x->dims[0];
	p->c = x->dims[1];
	p->group = opr_node_attr_int(rn->n, "group", 1);
	if (p->group < 1 || p->c % p->group || w->dims[0] != p->c)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "%lld channels, weight "
			       "[%lld, ...], group %lld", (long long)p->c,
			       (long long)w->dims[0], (long long)p->group);
	p->cg = p->c / p->group;
	p->mg = w->dims[1];
	p->m = p->mg * p->group;
	if (b && (b->dtype != OPR_DT_FLOAT || b->numel != p->m))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "bias has %lld values",
			       (long long)b->numel);
	if ((rc = convt_geom(rt, rn, p, x, w, err)))
		return rc;
	p->kk = p->mg * p->k[0] * p->k[1];
	p->hw = p->in[0] * p->in[1];
	rn->scratch = (size_t)(p->kk * p->hw) * sizeof(float);
	d[0] = p->n;
	d[1] = p->m;
	d[2] = p->out[2 - p->ns];
	d[3] = p->out[1];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, x->rank, d, err);
}

struct convt_job {
	struct opr_rt *rt;
	const struct convt_param *p;
	const float *x, *w, *b;
	float *y;
};

/* Adds the columns of one group into its output planes y. */
static void col2im(const struct convt_param *p, const float *col, float *y)
{
	int64_t m, ki, kj, ih, iw, OH = p->out[0], OW = p->out[1];

	for (m = 0; m < p->mg; m++)
		for (ki = 0; ki < p->k[0]; ki++)
			for (kj = 0; kj < p->k[1]; kj++) {
				const float *r = col + ((m * p->k[0] + ki) * p->k[1] + kj) *
						 p->hw;
				float *ym = y + m * OH * OW;

				for (ih = 0; ih < p->in[0]; ih++) {
					int64_t oh = ih * p->s[0] - p->pb[0] + ki * p->d[0];

					if (oh < 0 || oh >= OH)
						continue;
					for (iw = 0; iw < p->in[1]; iw++) {
						int64_t ow = iw * p->s[1] - p->pb[1] +
							     kj * p->d[1];

						if (ow >= 0 && ow < OW)
							ym[oh * OW + ow] += r[ih * p->in[1] + iw];
					}
				}
			}
}

static void convt_task(void *arg, int64_t t, int tid)
{
	const struct convt_job *j = arg;
	const struct convt_param *p = j->p;
	int64_t n = t / p->group, gi = t % p->group, m, i;
	int64_t op = p->out[0] * p->out[1];
	float *y = j->y + (n * p->m + gi * p->mg) * op;
	float *col = opr_rt_scratch(j->rt, tid);

	for (m = 0; m < p->mg; m++)
		for (i = 0; i < op; i++)
			y[m * op + i] = j->b ? j->b[gi * p->mg + m] : 0;
	if (!p->cg || !p->hw || !p->kk)
		return;
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p->kk,
		    (int)p->hw, (int)p->cg, 1.0f, j->w + gi * p->cg * p->kk,
		    (int)p->kk, j->x + (n * p->c + gi * p->cg) * p->hw,
		    (int)p->hw, 0.0f, col, (int)p->hw);
	col2im(p, col, y);
}

static int convt_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct convt_param *p = rn->param;
	struct rt_val *b = opr_rt_in(rt, rn, 2);
	struct convt_job j = { rt, p, opr_rt_in(rt, rn, 0)->data,
			       opr_rt_in(rt, rn, 1)->data, b ? b->data : NULL,
			       opr_rt_out(rt, rn, 0)->data };

	(void)err;
	opr_rt_pool_run(&rt->pool, p->n * p->group, convt_task, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_convtranspose = {
	.param_size = sizeof(struct convt_param),
	.prep = convt_prep, .fwd = convt_fwd
};
