/*
 * import_tensor.c - TensorProto and TypeProto to IR, with every size checked.
 *
 * Tensor bytes end up little-endian and dense in the graph's arena, whichever
 * of raw_data, the typed repeated fields or external data held them.  Sizes
 * read from the file are never trusted: rank, each dim, the element count and
 * the byte count are checked before anything is allocated or copied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "importer/import_internal.h"

int import_tensor_size(struct import_ctx *c, const char *what,
		       const char *name, int dtype, size_t n_dims,
		       const int64_t *dims, int64_t *numel, size_t *nbytes)
{
	size_t esz = opr_dtype_size(dtype);
	size_t i;

	*numel = 0;
	*nbytes = 0;
	if (n_dims > OPR_MAX_RANK)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: %s '%s' has rank %zu; onnx-prune supports up to %d",
				c->src, what, name, n_dims, OPR_MAX_RANK);
	for (i = 0; i < n_dims; i++)
		if (dims[i] < 0)
			return opr_errf(c->err, OPR_EINVAL,
					"%s: %s '%s' has negative dim %" PRId64 " at axis %zu",
					c->src, what, name, dims[i], i);
	if (opr_numel(dims, (int)n_dims, numel) ||
	    (esz && (uint64_t)*numel > (uint64_t)INT64_MAX / esz))
		return opr_errf(c->err, OPR_EINVAL,
				"%s: %s '%s': the product of its dims overflows",
				c->src, what, name);
	if (dtype <= 0 || dtype >= OPR_DT_COUNT || esz == 0)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: %s '%s' has element type %d (%s), which onnx-prune "
				"does not support in tensors",
				c->src, what, name, dtype, opr_dtype_name(dtype));
	*nbytes = (size_t)*numel * esz;
	return OPR_OK;
}

/* Rejects an external-data location that could leave the model's folder. */
static int check_location(struct import_ctx *c, const char *name, const char *loc)
{
	const char *p;

	if (!c->base_dir)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: tensor '%s' uses external data, which needs a model file",
				c->src, name);
	if (!loc || !*loc || loc[0] == '/')
		return opr_errf(c->err, OPR_EINVAL,
				"%s: tensor '%s': external data location '%s' is not a "
				"relative path", c->src, name, loc ? loc : "");
	for (p = loc; *p; p++)
		if (p[0] == '.' && p[1] == '.' && (p == loc || p[-1] == '/') &&
		    (p[2] == '/' || p[2] == 0))
			return opr_errf(c->err, OPR_EINVAL,
					"%s: tensor '%s': external data location '%s' "
					"leaves the model's directory", c->src, name, loc);
	return OPR_OK;
}

/* Parses a non-negative decimal int64 from an external-data entry. */
static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

/*
 * Reads nbytes of external data for tensor t into a new arena block *dst,
 * allocated only once the file is known to hold that many bytes.
 */
static int read_external(struct import_ctx *c, const Onnx__TensorProto *t,
			 const char *name, void **dst, size_t nbytes,
			 struct opr_external *ext)
{
	char path[4096];
	struct stat st;
	FILE *f;
	size_t i;
	int rc;

	ext->length = -1;
	for (i = 0; i < t->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = t->external_data[i];
		const char *k = e->key ? e->key : "", *v = e->value ? e->value : "";

		if (strcmp(k, "location") == 0)
			ext->location = opr_graph_strdup(c->g, v);
		else if ((strcmp(k, "offset") == 0 && parse_i64(v, &ext->offset)) ||
			 (strcmp(k, "length") == 0 && parse_i64(v, &ext->length)))
			return opr_errf(c->err, OPR_EINVAL,
					"%s: tensor '%s': bad external data %s '%s'",
					c->src, name, k, v);
	}
	if ((rc = check_location(c, name, ext->location)))
		return rc;
	if (ext->length >= 0 && (uint64_t)ext->length != nbytes)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: tensor '%s': external length %" PRId64
				" does not match its shape (%zu bytes)",
				c->src, name, ext->length, nbytes);
	snprintf(path, sizeof(path), "%s/%s", c->base_dir, ext->location);
	f = fopen(path, "rb");
	if (f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= (uint64_t)ext->offset + nbytes) {
		*dst = opr_arena_alloc(&c->g->arena, nbytes);
		if (!*dst) {
			fclose(f);
			return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory for "
					"tensor '%s'", c->src, name);
		}
	}
	if (!f || !*dst || fseeko(f, (off_t)ext->offset, SEEK_SET) ||
	    fread(*dst, 1, nbytes, f) != nbytes) {
		rc = opr_errf(c->err, OPR_EIO,
			      "%s: tensor '%s': cannot read %zu bytes at offset %"
			      PRId64 " of external data file '%s'%s%s",
			      c->src, name, nbytes, ext->offset, path,
			      f ? "" : ": ", f ? "" : strerror(errno));
		if (f)
			fclose(f);
		return rc;
	}
	fclose(f);
	return OPR_OK;
}

/* Copies n typed elements of src (each src_size bytes) into dst elements. */
static void narrow_copy(void *dst, size_t dst_size, const void *src,
			size_t src_size, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (dst_size == src_size) {
		memcpy(dst, src, n * dst_size);
		return;
	}
	/* int32_data holds 8- and 16-bit types one per int32: keep the low bytes
	 * (the host is little-endian, as checked in import.c). */
	for (i = 0; i < n; i++)
		memcpy((char *)dst + i * dst_size, (const char *)src + i * src_size,
		       dst_size);
}

/*
 * Fills dst from the typed repeated field matching dtype, after checking
 * that it holds numel elements.  dst NULL: check only.
 */
static int copy_typed(struct import_ctx *c, const Onnx__TensorProto *t,
		      const char *name, int dtype, void *dst, int64_t numel)
{
	size_t esz = opr_dtype_size(dtype), have = 0, src_size = 0;
	const void *src = NULL;
	size_t per = 1;

	switch (dtype) {
	case OPR_DT_FLOAT:
	case OPR_DT_COMPLEX64:
		src = t->float_data, have = t->n_float_data, src_size = 4;
		per = dtype == OPR_DT_COMPLEX64 ? 2 : 1;
		break;
	case OPR_DT_DOUBLE:
	case OPR_DT_COMPLEX128:
		src = t->double_data, have = t->n_double_data, src_size = 8;
		per = dtype == OPR_DT_COMPLEX128 ? 2 : 1;
		break;
	case OPR_DT_INT64:
		src = t->int64_data, have = t->n_int64_data, src_size = 8;
		break;
	case OPR_DT_UINT32:
	case OPR_DT_UINT64:
		src = t->uint64_data, have = t->n_uint64_data, src_size = 8;
		break;
	default:
		src = t->int32_data, have = t->n_int32_data, src_size = 4;
		break;
	}
	if ((uint64_t)have != (uint64_t)numel * per)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: tensor '%s' holds %zu values but its shape needs %"
				PRId64, c->src, name, have, numel * (int64_t)per);
	if (dst)
		narrow_copy(dst, esz / per, src, src_size, have);
	return OPR_OK;
}

int import_tensor(struct import_ctx *c, const Onnx__TensorProto *t,
		  const char *what, struct opr_tensor *out,
		  struct opr_external **ext_out)
{
	const char *name = t->name && *t->name ? t->name : "(unnamed)";
	int dtype = t->has_data_type ? t->data_type : 0;
	int64_t numel = 0;
	size_t nbytes = 0;
	int rc, is_external;

	memset(out, 0, sizeof(*out));
	if (ext_out)
		*ext_out = NULL;
	if (t->segment)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: %s '%s' is segmented, which is not supported",
				c->src, what, name);
	if ((rc = import_tensor_size(c, what, name, dtype, t->n_dims, t->dims,
				      &numel, &nbytes)))
		return rc;
	out->dtype = dtype;
	out->rank = (int)t->n_dims;
	if (t->n_dims)
		memcpy(out->dims, t->dims, t->n_dims * sizeof(int64_t));
	out->nbytes = nbytes;
	if (nbytes == 0)
		return OPR_OK;
	is_external = t->has_data_location &&
		t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	/* Check that the data is there before allocating what dims claim. */
	if (!is_external && t->has_raw_data && t->raw_data.len != nbytes)
		return opr_errf(c->err, OPR_EINVAL,
				"%s: %s '%s' has %zu bytes of raw data but its "
				"shape needs %zu", c->src, what, name,
				t->raw_data.len, nbytes);
	if (!is_external && !t->has_raw_data &&
	    (rc = copy_typed(c, t, name, dtype, NULL, numel)))
		return rc;
	if (is_external) {
		struct opr_external *ext = opr_arena_alloc(&c->g->arena, sizeof(*ext));

		if (!ext)
			return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
		if (ext_out)
			*ext_out = ext;
		return read_external(c, t, name, &out->data, nbytes, ext);
	}
	out->data = opr_arena_alloc(&c->g->arena, nbytes);
	if (!out->data)
		return opr_errf(c->err, OPR_ENOMEM,
				"%s: out of memory for %s '%s' (%zu bytes)",
				c->src, what, name, nbytes);
	if (t->has_raw_data) {
		memcpy(out->data, t->raw_data.data, nbytes);
		return OPR_OK;
	}
	return copy_typed(c, t, name, dtype, out->data, numel);
}

/*
 * A declared shape whose known dims multiply past what any buffer could hold
 * is refused here, before a pass or the runtime sizes something from it.
 * Unknown dims count as 1.
 */
static int check_declared_size(struct import_ctx *c, const struct opr_value *val)
{
	size_t esz = opr_dtype_size(val->dtype);
	int64_t dims[OPR_MAX_RANK], numel;
	int i;

	for (i = 0; i < val->rank; i++)
		dims[i] = val->dims[i] < 0 ? 1 : val->dims[i];
	if (opr_numel(dims, val->rank, &numel) ||
	    (uint64_t)numel > (uint64_t)INT64_MAX / (esz ? esz : 1))
		return opr_errf(c->err, OPR_EINVAL,
				"%s: tensor '%s': the product of its dims overflows",
				c->src, val->name);
	return OPR_OK;
}

int import_value_type(struct import_ctx *c, const Onnx__TypeProto *tp,
		      int v, int strict)
{
	struct opr_value *val = &c->g->values[v];
	const Onnx__TypeProto__Tensor *tt;
	const Onnx__TensorShapeProto *sh;
	size_t i;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
		if (strict && tp && tp->value_case != ONNX__TYPE_PROTO__VALUE__NOT_SET)
			return opr_errf(c->err, OPR_EUNSUPPORTED,
					"%s: '%s' is not a tensor (sequence, map and "
					"optional types are not supported)",
					c->src, val->name);
		return OPR_OK;
	}
	tt = tp->tensor_type;
	if (tt->has_elem_type)
		val->dtype = tt->elem_type;
	if (!tt->shape)
		return OPR_OK;
	sh = tt->shape;
	if (sh->n_dim > OPR_MAX_RANK)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: tensor '%s' has rank %zu; onnx-prune supports up to %d",
				c->src, val->name, sh->n_dim, OPR_MAX_RANK);
	val->rank = (int)sh->n_dim;
	for (i = 0; i < sh->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];

		val->dims[i] = -1;
		val->dim_param[i] = NULL;
		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			if (d->dim_value < 0)
				return opr_errf(c->err, OPR_EINVAL,
						"%s: tensor '%s' has negative dim %" PRId64,
						c->src, val->name, d->dim_value);
			val->dims[i] = d->dim_value;
		} else if (d->value_case ==
			   ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM) {
			val->dim_param[i] = opr_graph_strdup(c->g, d->dim_param);
		}
	}
	return check_declared_size(c, val);
}
