/*
 * png_read.c - one PNG file -> gray or RGB samples of 8 or 16 bits.
 *
 * Uses libpng's full API rather than the simplified one, because the
 * simplified API converts 16-bit images to linear light (gamma decoding)
 * and composites alpha, while we want the stored sample values.  The
 * transforms: palette -> RGB, gray of 1/2/4 bits -> 8 bits (scaled, so 1 ->
 * 255), alpha stripped, tRNS ignored, Adam7 interlacing undone; no gamma or
 * colour-space handling.  libpng reports errors by longjmp to the setjmp
 * here; its messages are kept for ours and its warnings are dropped.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"

/* libpng's error_ptr: the last error message. */
struct png_ctx {
	char msg[200];		/* libpng's message */
};

static void on_error(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);

	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : "error");
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* Asks libpng for 8/16-bit gray or RGB without alpha, whatever the file. */
static void set_transforms(png_structp png, png_infop info)
{
	int type = png_get_color_type(png, info);
	int depth = png_get_bit_depth(png, info);

	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	/* palette_to_rgb also turns tRNS into alpha: strip that too */
	if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_strip_alpha(png);
	if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
		png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

/* Reads the samples after the header; img's size fields are set. */
static int read_rows(png_structp png, png_infop info, const char *path,
		     struct opr_png_img *img, unsigned char *volatile *data,
		     png_bytep *volatile *rows, struct opr_err *err)
{
	size_t rowbytes = png_get_rowbytes(png, info);
	int y;

	if (rowbytes != (size_t)img->w * (size_t)img->c * (size_t)(img->depth / 8))
		return opr_errf(err, OPR_EINTERNAL,
				"png: %s: libpng gives %zu bytes per row", path,
				rowbytes);
	*data = malloc(rowbytes * (size_t)img->h);
	*rows = malloc((size_t)img->h * sizeof(png_bytep));
	if (!*data || !*rows)
		return opr_errf(err, OPR_ENOMEM, "png: %s: out of memory for "
				"%dx%d pixels", path, img->w, img->h);
	for (y = 0; y < img->h; y++)
		(*rows)[y] = *data + (size_t)y * rowbytes;
	png_read_image(png, *rows);
	return OPR_OK;
}

int opr_png_read(const char *path, int pixels, struct opr_png_img *img,
		 struct opr_err *err)
{
	struct png_ctx ctx = { "" };
	png_structp png = NULL;
	png_infop info = NULL;
	unsigned char sig[8];
	unsigned char *volatile data = NULL;
	png_bytep *volatile rows = NULL;
	volatile int rc = OPR_OK;
	FILE *fp;

	memset(img, 0, sizeof(*img));
	fp = fopen(path, "rb");
	if (!fp)
		return opr_errf(err, OPR_EIO, "png: %s: %s", path, strerror(errno));
	if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
		fclose(fp);
		return opr_errf(err, OPR_EPARSE, "png: %s: not a PNG file", path);
	}
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error,
				     on_warning);
	if (png)
		info = png_create_info_struct(png);
	if (!png || !info) {
		rc = opr_errf(err, OPR_ENOMEM, "png: %s: out of memory", path);
		goto out;
	}
	if (setjmp(png_jmpbuf(png))) {
		rc = opr_errf(err, OPR_EPARSE, "png: %s: corrupt or unreadable "
			      "PNG: %s", path, ctx.msg);
		goto out;
	}
	png_init_io(png, fp);
	png_set_sig_bytes(png, 8);
	png_set_user_limits(png, OPR_DATASET_MAX_DIM, OPR_DATASET_MAX_DIM);
	png_read_info(png, info);
	set_transforms(png, info);
	img->w = (int)png_get_image_width(png, info);
	img->h = (int)png_get_image_height(png, info);
	img->c = png_get_channels(png, info);
	img->depth = png_get_bit_depth(png, info);
	if ((img->c != 1 && img->c != 3) || (img->depth != 8 && img->depth != 16)) {
		rc = opr_errf(err, OPR_EINTERNAL, "png: %s: libpng gives %d "
			      "channel(s) of %d bits", path, img->c, img->depth);
		goto out;
	}
	if (pixels)
		rc = read_rows(png, info, path, img, &data, &rows, err);
out:
	png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
	fclose(fp);
	free(rows);
	if (rc == OPR_OK)
		img->data = data;
	else
		free(data);
	return rc;
}
