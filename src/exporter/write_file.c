/*
 * write_file.c - opr_export_file(): refusing to overwrite the source model,
 * planning external data, and writing files atomically.
 *
 * Every file (the model and, with external data, "<basename>.data" beside
 * it) is written to a mkstemp() file "<dest>.tmp.XXXXXX" in the destination
 * directory, fsync()ed, given mode 0666 & ~umask and renamed into place.
 * Both temporary files are complete before either rename, so on any failure
 * the old files are untouched and the temporary ones removed.  (Should the
 * model's rename fail after the data file's succeeded, the old model is
 * kept beside the new data file; rename within one directory does not fail
 * in practice.)
 *
 * External data layout: dense initializers of >= external_min bytes, in
 * g->inits order, one after another (sparse ones stay inline); a tensor
 * of 1 MiB or more starts at a multiple of 4096 so that it can be
 * mmap()ed.  Values that were read from external
 * data are written inline unless opts->external_data asks otherwise.  When
 * no initializer reaches the threshold no data file is written (an older
 * "<basename>.data" is left alone; the new model does not refer to it).
 *
 * The output path is replaced, not written through: a symlink at path
 * becomes a regular file.  new_file_mode() reads the umask by setting it,
 * which is not thread-safe against another thread creating files.
 */
#define _XOPEN_SOURCE 700	/* realpath() */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporter/export.h"

#define ALIGN_MIN ((size_t)1 << 20)	/* tensors this large are aligned */
#define ALIGN 4096			/* to this boundary */

/* A file being written: its temporary name and descriptor. */
struct tmpfile {
	const char *dest;	/* final path */
	char *tmp;		/* malloc'd temporary path, NULL when none */
	int fd;			/* open descriptor, -1 when closed */
};

/* malloc'd concatenation of a and b, NULL when out of memory. */
static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* The part of path after its last '/'. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* realpath() of path's directory joined with its base name, malloc'd. */
static char *canonical(const char *path)
{
	const char *base = base_name(path);
	char *dir, *real, *out = NULL;

	if (base == path)
		dir = concat(".", "");
	else if (base == path + 1)
		dir = concat("/", "");
	else
		dir = strndup(path, (size_t)(base - path - 1));
	if (!dir)
		return NULL;
	real = realpath(dir, NULL);
	if (real) {
		out = malloc(strlen(real) + strlen(base) + 2);
		if (out)
			sprintf(out, "%s/%s", real, base);
	}
	free(real);
	free(dir);
	return out;
}

/* 1 when a and b name the same file (existing or not), else 0. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ca, *cb;
	int same;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ca = canonical(a);
	cb = canonical(b);
	same = ca && cb ? strcmp(ca, cb) == 0 : strcmp(a, b) == 0;
	free(ca);
	free(cb);
	return same;
}

/* Mode of a new file: 0666 less the process umask (read by setting it). */
static mode_t new_file_mode(void)
{
	mode_t mask = umask(022);

	umask(mask);
	return 0666 & ~mask;
}

/* Creates f->dest's temporary file.  OPR_EIO naming dest on failure. */
static int tmp_open(struct tmpfile *f, struct opr_err *err)
{
	f->tmp = concat(f->dest, ".tmp.XXXXXX");
	if (!f->tmp)
		return opr_errf(err, OPR_ENOMEM, "out of memory writing '%s'", f->dest);
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		int e = errno;

		free(f->tmp);
		f->tmp = NULL;
		return opr_errf(err, OPR_EIO, "cannot write '%s': %s", f->dest,
				strerror(e));
	}
	return OPR_OK;
}

/* Writes n bytes of p to f.  OPR_EIO naming dest on failure. */
static int tmp_write(struct tmpfile *f, const void *p, size_t n,
		     struct opr_err *err)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(f->fd, c, n > ((size_t)1 << 30) ? (size_t)1 << 30 : n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return opr_errf(err, OPR_EIO, "cannot write '%s': %s", f->dest,
					w < 0 ? strerror(errno) : "short write");
		c += w;
		n -= (size_t)w;
	}
	return OPR_OK;
}

/* Sets the mode, flushes and closes f.  OPR_EIO naming dest on failure. */
static int tmp_close(struct tmpfile *f, struct opr_err *err)
{
	int rc = 0, e = 0;

	if (fchmod(f->fd, new_file_mode()) || fsync(f->fd)) {
		rc = -1;
		e = errno;
	}
	if (close(f->fd) && !rc) {
		rc = -1;
		e = errno;
	}
	f->fd = -1;
	return rc ? opr_errf(err, OPR_EIO, "cannot write '%s': %s", f->dest,
			     strerror(e)) : OPR_OK;
}

/* Renames f into place.  OPR_EIO naming dest on failure. */
static int tmp_commit(struct tmpfile *f, struct opr_err *err)
{
	if (rename(f->tmp, f->dest))
		return opr_errf(err, OPR_EIO, "cannot write '%s': %s", f->dest,
				strerror(errno));
	free(f->tmp);
	f->tmp = NULL;
	return OPR_OK;
}

/* Closes and removes what is left of f. */
static void tmp_discard(struct tmpfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	f->tmp = NULL;
}

/* fsync()s the directory of path so renames survive a crash; best effort. */
static void sync_dir(const char *path)
{
	const char *base = base_name(path);
	char *dir = base == path ? concat(".", "") : strndup(path, (size_t)(base - path));
	int fd;

	if (!dir)
		return;
	fd = open(dir, O_RDONLY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/*
 * Chooses which initializers go to the data file and where.  Fills ext
 * (place malloc'd, caller frees).  Returns OPR_OK, OPR_ENOMEM, or
 * OPR_EUNSUPPORTED when the offsets would overflow.
 */
static int plan_external(const struct opr_graph *g, const char *location,
			 const struct opr_export_opts *opts,
			 struct opr_exp_ext *ext, struct opr_err *err)
{
	size_t min = opts->external_min ? opts->external_min : OPR_EXP_EXTERNAL_MIN;
	int64_t off = 0;
	int i;

	ext->location = location;
	ext->place = malloc((size_t)(g->n_inits > 0 ? g->n_inits : 1) *
			    sizeof(*ext->place));
	if (!ext->place)
		return opr_errf(err, OPR_ENOMEM, "out of memory planning external data");
	for (i = 0; i < g->n_inits; i++) {
		const struct opr_value *v;

		ext->place[i].offset = -1;
		ext->place[i].length = 0;
		if (g->inits[i] < 0 || g->inits[i] >= g->n_values)
			continue;	/* opr_exp_model() reports it */
		v = &g->values[g->inits[i]];
		if (v->nbytes < min || !v->data || opr_dtype_size(v->dtype) == 0 ||
		    opr_exp_sparse_form(g, g->inits[i], opts->sparse_initializers))
			continue;	/* sparse ones stay inline */
		if (v->nbytes >= ALIGN_MIN)
			off = (off + ALIGN - 1) / ALIGN * ALIGN;
		if ((uint64_t)v->nbytes > (uint64_t)(INT64_MAX / 2 - off))
			return opr_errf(err, OPR_EUNSUPPORTED,
					"external data for '%s' would pass 2^62 bytes",
					v->name);
		ext->place[i].offset = off;
		ext->place[i].length = (int64_t)v->nbytes;
		off += (int64_t)v->nbytes;
		ext->n_external++;
	}
	ext->size = off;
	return OPR_OK;
}

/* Writes the external initializers of plan ext to f, padding gaps with 0. */
static int write_data(const struct opr_graph *g, const struct opr_exp_ext *ext,
		      struct tmpfile *f, struct opr_err *err)
{
	static const char zeros[ALIGN];
	int64_t at = 0;
	int i, rc;

	for (i = 0; i < g->n_inits; i++) {
		const struct opr_exp_place *p = &ext->place[i];

		if (p->offset < 0)
			continue;
		rc = tmp_write(f, zeros, (size_t)(p->offset - at), err);
		if (!rc)
			rc = tmp_write(f, g->values[g->inits[i]].data,
				       (size_t)p->length, err);
		if (rc)
			return rc;
		at = p->offset + p->length;
	}
	return OPR_OK;
}

/* Checks the arguments and refuses to overwrite the model g came from. */
static int check_dest(const struct opr_graph *g, const char *path,
		      struct opr_err *err)
{
	if (!g || !path || !*path)
		return opr_errf(err, OPR_EUSAGE, "opr_export_file: no graph or output path");
	if (!*base_name(path))
		return opr_errf(err, OPR_EIO, "cannot write '%s': it names a directory",
				path);
	if (g->path && same_file(g->path, path))
		return opr_errf(err, OPR_EIO,
				"refusing to overwrite the input model '%s'; choose another output path",
				path);
	return OPR_OK;
}

/* Writes buf to model and, when ext is non-NULL, the data file, atomically. */
static int write_files(const struct opr_graph *g, const void *buf, size_t len,
		       const struct opr_exp_ext *ext, struct tmpfile *model,
		       struct tmpfile *data, struct opr_err *err)
{
	int rc = OPR_OK;

	if (ext) {
		rc = tmp_open(data, err);
		if (!rc)
			rc = write_data(g, ext, data, err);
		if (!rc)
			rc = tmp_close(data, err);
	}
	if (!rc)
		rc = tmp_open(model, err);
	if (!rc)
		rc = tmp_write(model, buf, len, err);
	if (!rc)
		rc = tmp_close(model, err);
	if (!rc && ext)
		rc = tmp_commit(data, err);
	if (!rc)
		rc = tmp_commit(model, err);
	if (!rc)
		sync_dir(model->dest);
	return rc;
}

/* Prefixes err's message with the output path; returns rc. */
static int name_path(struct opr_err *err, int rc, const char *path)
{
	char msg[OPR_ERR_MSG];

	if (!err)
		return rc;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return opr_errf(err, rc, "cannot write '%s': %s", path, msg);
}

int opr_export_file(const struct opr_graph *g, const char *path,
		    const struct opr_export_opts *opts, struct opr_err *err)
{
	struct tmpfile model = { path, NULL, -1 }, data = { NULL, NULL, -1 };
	struct opr_exp_ext ext = { NULL, NULL, 0, 0 };
	char *location = NULL, *data_path = NULL;
	Onnx__ModelProto *m;
	struct opr_exp x;
	void *buf = NULL;
	size_t len = 0;
	int rc;

	rc = check_dest(g, path, err);
	if (rc)
		return rc;
	opr_exp_init(&x, g, opts);
	if (opts && opts->external_data) {
		location = concat(base_name(path), ".data");
		data_path = concat(path, ".data");
		if (!location || !data_path) {
			rc = opr_errf(err, OPR_ENOMEM, "out of memory writing '%s'", path);
			goto out;
		}
		data.dest = data_path;
		rc = plan_external(g, location, opts, &ext, err);
		if (rc)
			goto out;
		x.ext = ext.n_external ? &ext : NULL;
	}
	rc = opr_exp_model(&x, &m, err);
	if (rc)
		rc = name_path(err, rc, path);
	if (!rc)
		rc = opr_exp_pack(m, path, &buf, &len, err);
	if (!rc)
		rc = write_files(g, buf, len, x.ext, &model, &data, err);
out:
	tmp_discard(&model);
	tmp_discard(&data);
	free(buf);
	free(ext.place);
	free(data_path);
	free(location);
	opr_exp_fini(&x);
	return rc;
}
