/*
 * data_test.h - what the tests of src/data/ share: check macros that count
 * and report failures, file writers and a PNG writer built on libpng.
 */
#ifndef DATA_TEST_H
#define DATA_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

extern int dt_checks;		/* checks run */
extern int dt_failed;		/* checks failed */

#define CHECK(cond) dt_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(got, want) \
	dt_check_eq((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define CHECK_NEAR(got, want, tol) \
	dt_check_near((double)(got), (double)(want), (tol), #got, __FILE__, __LINE__)

void dt_check(int ok, const char *what, const char *file, int line);
void dt_check_eq(long long got, long long want, const char *what,
		 const char *file, int line);
void dt_check_near(double got, double want, double tol, const char *what,
		   const char *file, int line);

/* Prints the summary; returns the exit status (0 when nothing failed). */
int dt_report(const char *name);

/* mkdir -p of the folder path; 0 on success. */
int dt_mkdirs(const char *path);

/* rm -rf of path (files and folders below it); missing is fine. */
void dt_rmtree(const char *path);

/* 1 when path is a regular file. */
int dt_is_file(const char *path);

/* Writes len bytes to path; 0 on success. */
int dt_write_file(const char *path, const void *buf, size_t len);

/* Writes len bytes gzip-compressed to path; 0 on success. */
int dt_write_gz(const char *path, const void *buf, size_t len);

/* malloc'd contents of path in *buf (*len bytes); 0 on success. */
int dt_read_file(const char *path, unsigned char **buf, size_t *len);

/* One image to write as PNG. */
struct dt_png {
	int w, h;			/* size */
	int color_type;			/* PNG_COLOR_TYPE_* */
	int bit_depth;			/* 1, 2, 4, 8 or 16 */
	int interlace;			/* 1: Adam7 */
	const uint16_t *samples;	/* h*w*channels samples (palette: indices),
					   each < 2^bit_depth, interleaved */
	const uint8_t *palette;		/* palette: n_palette RGB triples */
	int n_palette;			/* palette entries */
	const uint8_t *trns;		/* palette: alpha per entry; gray, RGB:
					   non-NULL makes the colour of pixel
					   (0,0) transparent; NULL: no tRNS */
};

/* Channels in the file for a colour type (gray 1 ... RGBA 4, palette 1). */
int dt_png_channels(int color_type);

/* Writes img to path with libpng; 0 on success. */
int dt_png_write(const char *path, const struct dt_png *img);

/*
 * Opens spec and expects failure with code want and a message that holds
 * needle; *out must stay NULL.
 */
void dt_expect_open_fail(const char *spec, int split, int want,
			 const char *needle, const char *file, int line);
#define EXPECT_OPEN_FAIL(spec, split, want, needle) \
	dt_expect_open_fail((spec), (split), (want), (needle), __FILE__, __LINE__)

#endif
