/*
 * out.c - helpers the commands share: checks of input and output paths
 * before any work is done, the thread count, writing a file through a
 * temporary one, and JSON / shape formatting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_threads(const struct cli_args *a)
{
	int t = a->threads > 0 ? a->threads :
		(int)sysconf(_SC_NPROCESSORS_ONLN);

	return t < 1 ? 1 : t > 256 ? 256 : t;
}

int cli_check_input(const char *path, struct opr_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return opr_errf(err, OPR_EIO, "%s: cannot read: %s", path,
				strerror(errno));
	if (S_ISDIR(st.st_mode))
		return opr_errf(err, OPR_EIO, "%s: cannot read: is a directory",
				path);
	if (!S_ISREG(st.st_mode))
		return opr_errf(err, OPR_EIO, "%s: cannot read: not a regular file",
				path);
	return OPR_OK;
}

/* 1 when a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_check_output(const char *path, const char *what, const char *other,
		     const char *other_what, struct opr_err *err)
{
	struct stat st;
	char *dir;
	const char *slash = strrchr(path, '/');
	int rc = OPR_OK;

	if (other && strcmp(path, other) == 0)
		return opr_errf(err, OPR_EIO,
				"%s: %s path is the %s; refusing to overwrite it",
				path, what, other_what);
	if (other && same_file(path, other))
		return opr_errf(err, OPR_EIO,
				"%s: %s path names the %s '%s'; refusing to overwrite it",
				path, what, other_what, other);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return opr_errf(err, OPR_EIO, "%s: cannot write %s: is a directory",
				path, what);
	if (!slash)
		return OPR_OK;
	dir = strdup(path);
	if (!dir)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	dir[slash == path ? 1 : (size_t)(slash - path)] = '\0';
	if (stat(dir, &st) != 0)
		rc = opr_errf(err, OPR_EIO, "%s: cannot write %s: directory '%s': %s",
			      path, what, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = opr_errf(err, OPR_EIO,
			      "%s: cannot write %s: '%s' is not a directory",
			      path, what, dir);
	else if (access(dir, W_OK) != 0)
		rc = opr_errf(err, OPR_EIO, "%s: cannot write %s: directory '%s': %s",
			      path, what, dir, strerror(errno));
	free(dir);
	return rc;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void cli_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int n;

	fputc('"', f);
	for (; *p; p += n) {
		n = utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, (size_t)n, f);
		}
	}
	fputc('"', f);
}

void cli_json_shape(FILE *f, const struct opr_value *v)
{
	int i;

	if (!v || v->rank < 0) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (i = 0; i < v->rank; i++) {
		if (i)
			fputc(',', f);
		if (v->dims[i] < 0)
			fputs("null", f);
		else
			fprintf(f, "%lld", (long long)v->dims[i]);
	}
	fputc(']', f);
}

const char *cli_shape_str(const struct opr_value *v, char *buf, size_t len)
{
	size_t used;
	int i, w;

	if (len == 0)
		return buf;
	if (!v || v->rank < 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	used = (size_t)snprintf(buf, len, "[");
	for (i = 0; i < v->rank && used < len; i++) {
		const char *sep = i ? "," : "";

		if (v->dims[i] >= 0)
			w = snprintf(buf + used, len - used, "%s%lld", sep,
				     (long long)v->dims[i]);
		else
			w = snprintf(buf + used, len - used, "%s%s", sep,
				     v->dim_param[i] ? v->dim_param[i] : "?");
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used < len)
		snprintf(buf + used, len - used, "]");
	return buf;
}

int cli_write_atomic(const char *path, const char *what, cli_body_fn body,
		     const void *arg, struct opr_err *err)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	FILE *f;
	mode_t mask;
	int fd, e = 0;

	if (!tmp)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return opr_errf(err, OPR_EIO, "%s: cannot write %s: %s", path,
				what, strerror(e));
	}
	mask = umask(0);	/* mkstemp() made it 0600: give it the mode */
	umask(mask);		/* a plain fopen() would */
	fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
	} else {
		body(f, arg);
		e = ferror(f) ? EIO : 0;
		if (fclose(f) != 0 && !e)
			e = errno;
	}
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e)
		unlink(tmp);
	free(tmp);
	if (e)
		return opr_errf(err, OPR_EIO, "%s: cannot write %s: %s", path,
				what, strerror(e));
	return OPR_OK;
}
