/*
 * surgery_tensor.c - cutting tensors: the kept indices of every axis of an
 * initializer, conv weights with per-group columns, and reading float
 * initializers.  Results are new blocks of the graph's arena (style.md §8:
 * pruned weights are new arena blocks; the old ones stay until the graph
 * is freed).
 */
#include <stdlib.h>
#include <string.h>

#include "passes/surgery_internal.h"

/* Arena block of n bytes (at least 1, so that empty tensors work too). */
static void *block(struct opr_graph *g, size_t n)
{
	return opr_arena_alloc(&g->arena, n ? n : 1);
}

void *surg_take(struct opr_graph *g, const void *data, int rank,
		const int64_t *dims, size_t esz,
		const unsigned char *const *keep, int64_t *out_dims,
		size_t *nbytes)
{
	int64_t *idx[OPR_MAX_RANK] = { 0 }, pos[OPR_MAX_RANK] = { 0 };
	int64_t stride[OPR_MAX_RANK], run = 1, total = 1, i, off;
	int a, inner = rank, ok = 1;
	char *out = NULL, *dst;

	for (a = rank - 1; a >= 0; a--) {
		stride[a] = run;
		run *= dims[a];
	}
	/* trailing axes kept whole are copied as one run */
	while (inner > 0 && !keep[inner - 1])
		inner--;
	run = (int64_t)esz;
	for (a = inner; a < rank; a++)
		run *= dims[a];
	for (a = 0; a < rank; a++) {
		out_dims[a] = dims[a];
		if (a >= inner)
			continue;
		idx[a] = malloc(((size_t)dims[a] + 1) * sizeof(int64_t));
		if (!idx[a]) {
			ok = 0;
			break;
		}
		for (i = out_dims[a] = 0; i < dims[a]; i++)
			if (!keep[a] || keep[a][i])
				idx[a][out_dims[a]++] = i;
	}
	for (a = 0; ok && a < rank; a++)
		total *= out_dims[a];
	if (ok)
		out = block(g, (size_t)total * esz);
	*nbytes = (size_t)total * esz;
	if (!out || total == 0)
		goto done;
	for (dst = out;;) {
		for (a = 0, off = 0; a < inner; a++)
			off += idx[a][pos[a]] * stride[a];
		memcpy(dst, (const char *)data + off * (int64_t)esz, (size_t)run);
		dst += run;
		for (a = inner - 1; a >= 0; a--) {
			if (++pos[a] < out_dims[a])
				break;
			pos[a] = 0;
		}
		if (a < 0)
			break;
	}
done:
	for (a = 0; a < rank; a++)
		free(idx[a]);
	return out;
}

int surg_take_conv(struct opr_graph *g, const struct opr_value *w,
		   int64_t group, const unsigned char *keep_out,
		   const unsigned char *keep_in, void **out, int64_t *out_dims,
		   size_t *nbytes, struct opr_err *err)
{
	size_t esz = opr_dtype_size(w->dtype);
	int64_t cout = w->dims[0], cin_g = w->dims[1], per_out, inner = 1;
	int64_t o, i, j, cols = -1, rows = 0, n;
	char *dst;
	int a;

	for (a = 2; a < w->rank; a++)
		inner *= w->dims[a];
	per_out = cout / group;
	for (j = 0; j < group; j++) {
		for (o = j * per_out, n = 0; o < (j + 1) * per_out; o++)
			n += !keep_out || keep_out[o];
		rows += n;
		if (n == 0)
			continue;	/* the group goes whole (depthwise) */
		for (i = n = 0; i < cin_g; i++)
			n += !keep_in || keep_in[j * cin_g + i];
		if (cols >= 0 && n != cols)
			return opr_errf(err, OPR_EINTERNAL, "surgery: conv group "
					"%lld keeps %lld input channels, group 0 "
					"%lld", (long long)j, (long long)n,
					(long long)cols);
		cols = n;
	}
	if (cols < 0)
		cols = cin_g;	/* no row left: cannot happen for a valid plan */
	memcpy(out_dims, w->dims, sizeof(w->dims));
	out_dims[0] = rows;
	out_dims[1] = cols;
	*nbytes = (size_t)(rows * cols * inner) * esz;
	*out = dst = block(g, *nbytes);
	if (!dst)
		return opr_errf(err, OPR_ENOMEM, "out of memory cutting weights");
	for (o = 0; o < cout; o++) {
		if (keep_out && !keep_out[o])
			continue;
		j = o / per_out;
		for (i = 0; i < cin_g; i++) {
			if (keep_in && !keep_in[j * cin_g + i])
				continue;
			memcpy(dst, (const char *)w->data +
			       (size_t)((o * cin_g + i) * inner) * esz,
			       (size_t)inner * esz);
			dst += inner * (int64_t)esz;
		}
	}
	return OPR_OK;
}

int surg_floats(const struct surg *s, int v, const float **data, int64_t *n)
{
	const struct opr_value *x;

	if (!surg_is_const(s, v))
		return -1;
	x = &s->g->values[v];
	if (x->dtype != OPR_DT_FLOAT || opr_numel(x->dims, x->rank, n) ||
	    (size_t)*n * 4 != x->nbytes)
		return -1;
	*data = x->data;
	return 0;
}
