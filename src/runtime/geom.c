/*
 * geom.c - window geometry shared by Conv, MaxPool and AveragePool: reads
 * kernel_shape, strides, dilations, pads, auto_pad and ceil_mode and
 * computes the output size per spatial axis, following the ONNX spec
 * (and, for ceil_mode, the rule that the last window must start inside
 * the input or its begin padding, as PyTorch and ONNX Runtime do).
 * A 1-D op is laid out as 2-D with H = 1.
 */
#include <string.h>

#include "runtime/runtime.h"

/* Reads an INTS attribute that must have exactly want entries when present. */
static int ints_n(struct opr_rt *rt, const struct rt_node *rn, const char *name,
		  int64_t *out, int want, struct opr_err *err)
{
	int cnt, rc = opr_rt_attr_ints(rt, rn, name, out, 2 * RT_MAX_SPATIAL, &cnt,
				   err);

	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 1 && cnt != want)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "attribute '%s' has %d "
			       "values, want %d", name, cnt, want);
	return OPR_OK;
}

/* Output size and pads of one axis. */
static int axis_geom(struct opr_rt *rt, const struct rt_node *rn,
		     const char *ap, int ceil_mode, int64_t in, int64_t k,
		     int64_t s, int64_t d, int64_t *pb, int64_t *pe,
		     int64_t *out, struct opr_err *err)
{
	int64_t ek = (k - 1) * d + 1, span;

	if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
		int64_t total;

		*out = (in + s - 1) / s;
		total = (*out - 1) * s + ek - in;
		if (total < 0)
			total = 0;
		*pb = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
		*pe = total - *pb;
		return OPR_OK;
	}
	if (!strcmp(ap, "VALID"))
		*pb = *pe = 0;
	else if (strcmp(ap, "NOTSET"))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "auto_pad '%s'", ap);
	span = in + *pb + *pe - ek;
	if (span < 0)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "window of %lld is larger "
			       "than the padded input of %lld", (long long)ek,
			       (long long)(in + *pb + *pe));
	*out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
	if (ceil_mode && (*out - 1) * s >= in + *pb)
		(*out)--;
	return OPR_OK;
}

int opr_rt_geom_read(struct opr_rt *rt, const struct rt_node *rn, int xr,
		 const int64_t *xs, const int64_t *kernel, int is_pool,
		 struct rt_geom *gm, struct opr_err *err)
{
	int64_t k[2] = { 1, 1 }, s[2] = { 1, 1 }, d[2] = { 1, 1 };
	int64_t pads[4] = { 0, 0, 0, 0 };
	const char *ap = opr_rt_attr_str(rn, "auto_pad", "NOTSET");
	int ns = xr - 2, ceil_mode = 0, i, rc, cnt;

	if (ns < 1 || ns > RT_MAX_SPATIAL)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "%d spatial axes; "
			       "the runtime handles 1 and 2", ns);
	rc = opr_rt_attr_ints(rt, rn, "kernel_shape", k, 2, &cnt, err);
	if (rc > 1 || rc < 0)
		return rc;
	if (rc == 1 && cnt != ns)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "kernel_shape has %d "
			       "values for %d spatial axes", cnt, ns);
	if (rc == 0 && !kernel)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no kernel_shape");
	if (rc == 0)
		memcpy(k, kernel, (size_t)ns * sizeof(int64_t));
	if ((rc = ints_n(rt, rn, "strides", s, ns, err)) ||
	    (rc = ints_n(rt, rn, "dilations", d, ns, err)) ||
	    (rc = ints_n(rt, rn, "pads", pads, 2 * ns, err)))
		return rc;
	if (is_pool)
		ceil_mode = opr_node_attr_int(rn->n, "ceil_mode", 0) != 0;
	memset(gm, 0, sizeof(*gm));
	gm->ns = ns;
	for (i = 0; i < 2; i++) {
		gm->in[i] = gm->k[i] = gm->s[i] = gm->d[i] = gm->out[i] = 1;
	}
	for (i = 0; i < ns; i++) {
		int a = i + 2 - ns;	/* 1-D uses slot 1 (W) */

		if (k[i] < 1 || s[i] < 1 || d[i] < 1 || pads[i] < 0 ||
		    pads[i + ns] < 0)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "kernel, stride "
				       "and dilation must be >= 1, pads >= 0");
		gm->in[a] = xs[i];
		gm->k[a] = k[i];
		gm->s[a] = s[i];
		gm->d[a] = d[i];
		gm->pb[a] = pads[i];
		gm->pe[a] = pads[i + ns];
		if ((rc = axis_geom(rt, rn, ap, ceil_mode, xs[i], k[i], s[i], d[i],
				    &gm->pb[a], &gm->pe[a], &gm->out[a], err)))
			return rc;
	}
	return OPR_OK;
}
