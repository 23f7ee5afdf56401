/*
 * data_test.c - helpers of the src/data/ tests: checks, files, PNG writing.
 */
#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data_test.h"

int dt_checks, dt_failed;

void dt_check(int ok, const char *what, const char *file, int line)
{
	dt_checks++;
	if (ok)
		return;
	dt_failed++;
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

void dt_check_eq(long long got, long long want, const char *what,
		 const char *file, int line)
{
	dt_checks++;
	if (got == want)
		return;
	dt_failed++;
	fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", file, line, what, got,
		want);
}

void dt_check_near(double got, double want, double tol, const char *what,
		   const char *file, int line)
{
	dt_checks++;
	if (got - want <= tol && want - got <= tol)
		return;
	dt_failed++;
	fprintf(stderr, "%s:%d: %s = %.9g, want %.9g (tol %g)\n", file, line,
		what, got, want, tol);
}

int dt_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, dt_checks, dt_failed);
	return dt_failed ? 1 : 0;
}

int dt_mkdirs(const char *path)
{
	char buf[4096], *p;

	if (strlen(path) >= sizeof(buf))
		return -1;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

void dt_rmtree(const char *path)
{
	struct dirent *e;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		dt_rmtree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

int dt_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dt_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int dt_write_gz(const char *path, const void *buf, size_t len)
{
	gzFile gz = gzopen(path, "wb");
	int ok;

	if (!gz)
		return -1;
	ok = len == 0 || gzwrite(gz, buf, (unsigned)len) == (int)len;
	return gzclose(gz) == Z_OK && ok ? 0 : -1;
}

int dt_read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(*buf = malloc((size_t)n + 1)) ||
	    fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

int dt_png_channels(int color_type)
{
	switch (color_type) {
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		return 2;
	case PNG_COLOR_TYPE_RGB:
		return 3;
	case PNG_COLOR_TYPE_RGB_ALPHA:
		return 4;
	default:
		return 1;
	}
}

/* Fills the row bytes of img (packing handled by libpng below 8 bits). */
static void make_rows(const struct dt_png *img, unsigned char *buf,
		      size_t rowbytes, png_bytep *rows)
{
	int ch = dt_png_channels(img->color_type), y;
	size_t n = (size_t)img->w * (size_t)ch, i;

	for (y = 0; y < img->h; y++) {
		unsigned char *r = buf + (size_t)y * rowbytes;
		const uint16_t *s = img->samples + (size_t)y * n;

		rows[y] = r;
		for (i = 0; i < n; i++) {
			if (img->bit_depth == 16) {
				r[2 * i] = (unsigned char)(s[i] >> 8);
				r[2 * i + 1] = (unsigned char)s[i];
			} else {
				r[i] = (unsigned char)s[i];
			}
		}
	}
}

int dt_png_write(const char *path, const struct dt_png *img)
{
	png_structp png;
	png_infop info;
	png_color pal[256];
	unsigned char *volatile buf = NULL;
	png_bytep *volatile rows = NULL;
	size_t rowbytes = (size_t)img->w * (size_t)dt_png_channels(img->color_type) *
			  (img->bit_depth == 16 ? 2 : 1);
	FILE *f = fopen(path, "wb");
	volatile int rc = -1;
	int i;

	if (!f)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info || setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h,
		     img->bit_depth, img->color_type,
		     img->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (img->color_type == PNG_COLOR_TYPE_PALETTE) {
		for (i = 0; i < img->n_palette; i++) {
			pal[i].red = img->palette[3 * i];
			pal[i].green = img->palette[3 * i + 1];
			pal[i].blue = img->palette[3 * i + 2];
		}
		png_set_PLTE(png, info, pal, img->n_palette);
		if (img->trns)
			png_set_tRNS(png, info, img->trns, img->n_palette, NULL);
	} else if (img->trns && !(img->color_type & PNG_COLOR_MASK_ALPHA)) {
		png_color_16 tc = { 0, 0, 0, 0, 0 };

		tc.gray = tc.red = img->samples[0];	/* pixel (0,0) transparent */
		if (img->color_type == PNG_COLOR_TYPE_RGB) {
			tc.green = img->samples[1];
			tc.blue = img->samples[2];
		}
		png_set_tRNS(png, info, NULL, 0, &tc);
	}
	png_write_info(png, info);
	if (img->bit_depth < 8)
		png_set_packing(png);
	buf = malloc(rowbytes * (size_t)img->h);
	rows = malloc((size_t)img->h * sizeof(png_bytep));
	if (!buf || !rows)
		goto out;
	make_rows(img, buf, rowbytes, rows);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	rc = 0;
out:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(buf);
	free(rows);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void dt_expect_open_fail(const char *spec, int split, int want,
			 const char *needle, const char *file, int line)
{
	struct opr_dataset *ds = (struct opr_dataset *)1;
	struct opr_err err = { 0, "" };
	int rc = opr_dataset_open(spec, split, &ds, &err);

	dt_checks++;
	if (rc == want && err.code == want && !ds && strstr(err.msg, needle))
		return;
	dt_failed++;
	fprintf(stderr, "%s:%d: open '%s': rc %s, msg '%s'; want %s with '%s'\n",
		file, line, spec, opr_status_name(rc), err.msg,
		opr_status_name(want), needle);
	if (rc == OPR_OK)
		opr_dataset_free(ds);
}
