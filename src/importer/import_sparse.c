/*
 * import_sparse.c - sparse tensors (GraphProto.sparse_initializer, and the
 * sparse_value of a Constant node) to dense initializers.
 *
 * A SparseTensorProto holds the non-zero values of a tensor ([NNZ], any
 * sized element type), their indices (INT64, either [NNZ] linearised
 * row-major or [NNZ, rank] coordinates) and the dense dims.  The importer
 * densifies it: the graph only ever sees dense data, and the value keeps
 * is_sparse so that the exporter can write it sparse again.
 *
 * Nothing read from the file is trusted.  The dense size is checked like
 * any tensor's and capped at OPR_SPARSE_MAX_DENSE (a few bytes of indices
 * must not make us allocate gigabytes); the index tensor must hold exactly
 * NNZ (or NNZ * rank) INT64 values in raw_data or int64_data; every index
 * must fall inside the dense shape (each coordinate inside its dim); and
 * no position may be named twice.  The ONNX spec asks for ascending
 * indices; unsorted ones are accepted (the dense result is the same) but
 * duplicates are refused.  Every check runs before the dense buffer is
 * allocated or written.
 */
#include <stdlib.h>
#include <string.h>

#include "importer/import_internal.h"

/* Largest dense tensor a sparse tensor may expand to. */
#define OPR_SPARSE_MAX_DENSE ((size_t)1 << 30)

/* The index tensor of one sparse tensor, as read. */
struct sp_index {
	const uint8_t *raw;	/* raw_data, little-endian int64s, or NULL */
	const int64_t *typed;	/* int64_data when raw is NULL */
	int64_t nnz;		/* values */
	int coords;		/* 0: linearised [NNZ]; else rank: [NNZ, rank] */
};

/* Element k of the index tensor. */
static int64_t idx_at(const struct sp_index *ix, int64_t k)
{
	int64_t v;

	if (!ix->raw)
		return ix->typed[k];
	memcpy(&v, ix->raw + (size_t)k * 8, 8);	/* little-endian host */
	return v;
}

/*
 * Checks the shape and storage of the index tensor t against nnz values
 * and a dense tensor of rank rank, and fills *ix.  t may be NULL only when
 * nnz is 0.
 */
static int read_indices(struct import_ctx *c, const char *name,
			const Onnx__TensorProto *t, int64_t nnz, int rank,
			struct sp_index *ix)
{
	uint64_t want;

	memset(ix, 0, sizeof(*ix));
	ix->nnz = nnz;
	if (!t)
		return nnz == 0 ? OPR_OK :
		       opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s' "
				"has %" PRId64 " values but no indices", c->src,
				name, nnz);
	if (!t->has_data_type || t->data_type != OPR_DT_INT64)
		return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s': "
				"indices must be int64, not %s", c->src, name,
				opr_dtype_name(t->has_data_type ? t->data_type : 0));
	if (t->segment || (t->has_data_location && t->data_location ==
			   ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
		return opr_errf(c->err, OPR_EUNSUPPORTED, "%s: sparse tensor "
				"'%s': segmented or external indices are not "
				"supported", c->src, name);
	if (t->n_dims == 1 && t->dims[0] == nnz) {
		ix->coords = 0;
	} else if (t->n_dims == 2 && t->dims[0] == nnz && t->dims[1] == rank &&
		   rank > 0) {
		ix->coords = rank;
	} else {
		return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s': "
				"indices of rank %zu do not have the shape [%" PRId64
				"] or [%" PRId64 ", %d]", c->src, name, t->n_dims,
				nnz, nnz, rank);
	}
	want = (uint64_t)nnz * (uint64_t)(ix->coords ? ix->coords : 1);
	if (t->has_raw_data ? t->raw_data.len / 8 != want || t->raw_data.len % 8 :
	    t->n_int64_data != want)
		return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s': "
				"the indices hold %zu values, want %" PRIu64,
				c->src, name, t->has_raw_data ? t->raw_data.len / 8 :
				t->n_int64_data, want);
	if (t->has_raw_data)
		ix->raw = t->raw_data.data;
	else
		ix->typed = t->int64_data;
	return OPR_OK;
}

/*
 * The linear (row-major) position of value k into *pos, checked against
 * the dense dims[0..rank) of numel elements.
 */
static int position(struct import_ctx *c, const char *name,
		    const struct sp_index *ix, int64_t k, const int64_t *dims,
		    int rank, int64_t numel, int64_t *pos)
{
	int64_t v, p = 0;
	int j;

	if (!ix->coords) {
		v = idx_at(ix, k);
		if (v < 0 || v >= numel)
			return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor "
					"'%s': index %" PRId64 " of value %" PRId64
					" is outside its %" PRId64 " elements",
					c->src, name, v, k, numel);
		*pos = v;
		return OPR_OK;
	}
	for (j = 0; j < rank; j++) {
		v = idx_at(ix, k * rank + j);
		if (v < 0 || v >= dims[j])
			return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor "
					"'%s': coordinate %" PRId64 " on axis %d of "
					"value %" PRId64 " is outside dim %" PRId64,
					c->src, name, v, j, k, dims[j]);
		p = p * dims[j] + v;	/* < numel: cannot overflow */
	}
	*pos = p;
	return OPR_OK;
}

/*
 * Checks every index, then that none repeats: a strictly ascending list
 * (what the spec asks for) cannot; otherwise a bitmap of the numel
 * positions tells.
 */
static int check_indices(struct import_ctx *c, const char *name,
			 const struct sp_index *ix, const int64_t *dims,
			 int rank, int64_t numel)
{
	int64_t k, p, prev = -1;
	unsigned char *seen;
	int rc, sorted = 1;

	for (k = 0; k < ix->nnz; k++) {
		if ((rc = position(c, name, ix, k, dims, rank, numel, &p)))
			return rc;
		sorted = sorted && p > prev;
		prev = p;
	}
	if (sorted)
		return OPR_OK;
	seen = calloc((size_t)(numel / 8 + 1), 1);
	if (!seen)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory for sparse "
				"tensor '%s'", c->src, name);
	for (k = 0, rc = OPR_OK; k < ix->nnz && rc == OPR_OK; k++) {
		position(c, name, ix, k, dims, rank, numel, &p);
		if (seen[p / 8] & (1u << (p % 8)))
			rc = opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor "
				      "'%s': element %" PRId64 " is given twice "
				      "(value %" PRId64 ")", c->src, name, p, k);
		seen[p / 8] |= (unsigned char)(1u << (p % 8));
	}
	free(seen);
	return rc;
}

int import_sparse(struct import_ctx *c, const Onnx__SparseTensorProto *sp,
		  const char *given, struct opr_tensor *out, const char **name)
{
	const Onnx__TensorProto *vt = sp->values;
	struct opr_tensor vals;
	struct sp_index ix;
	size_t esz, nbytes;
	int64_t numel, k, p;
	int rc;

	memset(out, 0, sizeof(*out));
	*name = given ? given : vt && vt->name ? vt->name : "";
	if (!vt || !**name)
		return opr_errf(c->err, OPR_EINVAL, "%s: a sparse tensor has no "
				"values tensor or no name", c->src);
	if ((rc = import_tensor_size(c, "sparse tensor", *name,
				     vt->has_data_type ? vt->data_type : 0,
				     sp->n_dims, sp->dims, &numel, &nbytes)))
		return rc;
	if (nbytes > OPR_SPARSE_MAX_DENSE)
		return opr_errf(c->err, OPR_EUNSUPPORTED, "%s: sparse tensor "
				"'%s' expands to %zu bytes; onnx-prune takes at "
				"most %zu", c->src, *name, nbytes,
				OPR_SPARSE_MAX_DENSE);
	if (vt->n_dims != 1)
		return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s': "
				"values have rank %zu, want 1", c->src, *name,
				vt->n_dims);
	if (vt->dims[0] > numel)
		return opr_errf(c->err, OPR_EINVAL, "%s: sparse tensor '%s' "
				"has %" PRId64 " values for %" PRId64 " elements",
				c->src, *name, vt->dims[0], numel);
	if ((rc = import_tensor(c, vt, "sparse tensor", &vals, NULL)) ||
	    (rc = read_indices(c, *name, sp->indices, vals.dims[0],
			       (int)sp->n_dims, &ix)) ||
	    (rc = check_indices(c, *name, &ix, sp->dims, (int)sp->n_dims,
				numel)))
		return rc;
	out->dtype = vals.dtype;
	out->rank = (int)sp->n_dims;
	if (sp->n_dims)
		memcpy(out->dims, sp->dims, sp->n_dims * sizeof(int64_t));
	out->nbytes = nbytes;
	if (nbytes == 0)
		return OPR_OK;
	out->data = opr_arena_alloc(&c->g->arena, nbytes);	/* zeroed */
	if (!out->data)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory for sparse "
				"tensor '%s' (%zu bytes)", c->src, *name,
				nbytes);
	esz = opr_dtype_size(out->dtype);
	for (k = 0; k < ix.nnz; k++) {
		position(c, *name, &ix, k, out->dims, out->rank, numel, &p);
		memcpy((char *)out->data + (size_t)p * esz,
		       (const char *)vals.data + (size_t)k * esz, esz);
	}
	return OPR_OK;
}
