/*
 * test_data_png.c - the PNG folder loader and opr_dataset_fill().
 *
 * Usage: test_data_png WORKDIR.  Writes folders of class folders of PNGs
 * with libpng under WORKDIR/png (gray 1/2/8/16 bits, gray+alpha, RGB, RGBA,
 * palette, tRNS (palette, odd seeds), Adam7, several sizes, train/ and test/
 * splits), loads
 * them and checks every stored sample against values worked out here from
 * the generator, then checks fill() (channel mapping, mean/std, resize).
 * Last it writes WORKDIR/png/dump/: fill() outputs of several configurations
 * and manifest.txt, which tests/data/png_ref.py compares with its own PNG
 * decoder and numpy.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_test.h"

static char work[4096];

/* WORKDIR/png/rel in a static buffer (one of four, reused in turn). */
static const char *at(const char *rel)
{
	static char buf[4][4200];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", work, rel);
	return buf[k];
}

/* The 16-entry palette: entry i is (16 i, 255 - 16 i, 7 i). */
static uint8_t palette[48];
static uint8_t trns[16];

/* Generator of sample (x, y, ch) of an image: values 0..maxv. */
static unsigned val(int x, int y, int ch, int seed, unsigned maxv)
{
	return (unsigned)(x * 37 + y * 101 + ch * 59 + seed * 13) % (maxv + 1);
}

/* What the files of the tests hold, to work out expected samples. */
struct spec_img {
	const char *rel;	/* path below WORKDIR/png */
	int w, h;		/* size */
	int type, depth;	/* PNG colour type and bit depth */
	int seed;		/* generator seed */
	int interlace;		/* Adam7 */
};

static unsigned maxv_of(const struct spec_img *s)
{
	return s->type == PNG_COLOR_TYPE_PALETTE ? 15u : (1u << s->depth) - 1u;
}

static void write_img(const struct spec_img *s)
{
	int ch = dt_png_channels(s->type), x, y, c;
	uint16_t *px = malloc((size_t)s->w * s->h * ch * sizeof(uint16_t));
	struct dt_png img = { s->w, s->h, s->type, s->depth, s->interlace, px,
			      palette, 16,
			      s->seed % 2 || s->type == PNG_COLOR_TYPE_PALETTE ?
			      trns : NULL };
	char dir[4200], *slash;

	for (y = 0; y < s->h; y++)
		for (x = 0; x < s->w; x++)
			for (c = 0; c < ch; c++)
				px[((size_t)y * s->w + x) * ch + c] =
					(uint16_t)val(x, y, c, s->seed, maxv_of(s));
	snprintf(dir, sizeof(dir), "%s", at(s->rel));
	slash = strrchr(dir, '/');
	*slash = '\0';
	CHECK(dt_mkdirs(dir) == 0);
	CHECK(dt_png_write(at(s->rel), &img) == 0);
	free(px);
}

/* The sample the loader must store for channel ch of (x, y) of s. */
static unsigned expect(const struct spec_img *s, int x, int y, int ch,
		       int ds_c, int ds_depth)
{
	int color = s->type & PNG_COLOR_MASK_COLOR;
	unsigned v, i;

	if (s->type == PNG_COLOR_TYPE_PALETTE) {
		i = val(x, y, 0, s->seed, 15);
		v = palette[3 * i + (ds_c == 3 ? ch : 0)];
	} else {
		v = val(x, y, color ? ch : 0, s->seed, maxv_of(s));
		if (s->depth < 8)
			v = v * 255u / maxv_of(s);
	}
	if (ds_depth == 16 && s->depth <= 8)
		v *= 257u;
	return v;
}

/* Checks image k of ds against s, which has ds's size. */
static void check_img(const struct opr_dataset *ds, int k,
		      const struct spec_img *s)
{
	size_t plane = (size_t)ds->h * ds->w;
	int x, y, ch, bad = 0;
	unsigned got, want;

	for (ch = 0; ch < ds->c; ch++)
		for (y = 0; y < ds->h; y++)
			for (x = 0; x < ds->w; x++) {
				size_t at = ((size_t)k * ds->c + ch) * plane +
					    (size_t)y * ds->w + x;

				got = ds->depth == 16 ? ds->pixels16[at] : ds->pixels[at];
				want = expect(s, x, y, ch, ds->c, ds->depth);
				if (got != want && bad++ < 3)
					fprintf(stderr, "%s (%d,%d,%d): %u, want %u\n",
						s->rel, x, y, ch, got, want);
			}
	CHECK_EQ(bad, 0);
}

static const struct spec_img mixed[] = {
	{ "mixed/cat/a.png", 4, 3, PNG_COLOR_TYPE_RGB, 8, 1, 0 },
	{ "mixed/cat/b.png", 4, 3, PNG_COLOR_TYPE_GRAY, 8, 2, 1 },
	{ "mixed/dog/c.png", 4, 3, PNG_COLOR_TYPE_RGB_ALPHA, 8, 3, 0 },
	{ "mixed/dog/d.png", 4, 3, PNG_COLOR_TYPE_PALETTE, 4, 4, 0 },
	{ "mixed/emu/e.png", 4, 3, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 5, 0 },
	{ "mixed/emu/f.PNG", 4, 3, PNG_COLOR_TYPE_GRAY, 2, 6, 0 },
	{ "mixed/emu/g.png", 4, 3, PNG_COLOR_TYPE_GRAY, 1, 7, 1 },
};

static const struct spec_img deep[] = {
	{ "deep/a/1.png", 5, 5, PNG_COLOR_TYPE_GRAY, 16, 8, 0 },
	{ "deep/a/2.png", 5, 5, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 9, 1 },
	{ "deep/b/3.png", 5, 5, PNG_COLOR_TYPE_RGB, 8, 10, 0 },
	{ "deep/b/4.png", 5, 5, PNG_COLOR_TYPE_RGB, 16, 11, 0 },
	{ "deep/b/5.png", 5, 5, PNG_COLOR_TYPE_RGB_ALPHA, 16, 12, 0 },
};

static const struct spec_img gray16[] = {
	{ "gray16/only/1.png", 6, 4, PNG_COLOR_TYPE_GRAY, 16, 13, 0 },
	{ "gray16/only/2.png", 6, 4, PNG_COLOR_TYPE_GRAY, 8, 14, 0 },
};

static const struct spec_img split_imgs[] = {
	{ "split/train/x/1.png", 3, 3, PNG_COLOR_TYPE_GRAY, 8, 15, 0 },
	{ "split/train/y/2.png", 3, 3, PNG_COLOR_TYPE_GRAY, 8, 16, 0 },
	{ "split/train/y/3.png", 3, 3, PNG_COLOR_TYPE_GRAY, 8, 17, 0 },
	{ "split/test/x/4.png", 3, 3, PNG_COLOR_TYPE_GRAY, 8, 18, 0 },
	{ "split/test/y/5.png", 3, 3, PNG_COLOR_TYPE_GRAY, 8, 19, 0 },
	{ "split/test/z/6.png", 3, 3, PNG_COLOR_TYPE_RGB, 8, 20, 0 },
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct opr_dataset *open_png(const char *rel, int split, int h, int w)
{
	struct opr_dataset *ds = NULL;
	struct opr_err err = { 0, "" };
	char spec[4300];

	snprintf(spec, sizeof(spec), "png:%s", at(rel));
	CHECK_EQ(opr_dataset_open_sized(spec, split, h, w, &ds, &err), OPR_OK);
	if (!ds)
		fprintf(stderr, "  %s: %s\n", spec, err.msg);
	return ds;
}

static void test_mixed(void)
{
	static const int labels[] = { 0, 0, 1, 1, 2, 2, 2 };
	struct spec_img hidden = { "mixed/dog/.hidden.png", 9, 9,
				   PNG_COLOR_TYPE_GRAY, 8, 1, 0 };
	struct opr_dataset *ds;
	int i;

	for (i = 0; i < COUNT(mixed); i++)
		write_img(&mixed[i]);
	write_img(&hidden);
	CHECK(dt_write_file(at("mixed/dog/notes.txt"), "notes", 5) == 0);
	CHECK(dt_write_file(at("mixed/stray.png"), "x", 1) == 0);
	ds = open_png("mixed", OPR_SPLIT_TRAIN, 0, 0);
	if (!ds)
		return;
	CHECK(ds->n == 7 && ds->c == 3 && ds->h == 3 && ds->w == 4);
	CHECK(ds->depth == 8 && ds->pixels && !ds->pixels16);
	CHECK_EQ(ds->n_classes, 3);
	CHECK(!strcmp(ds->class_names[0], "cat") && !strcmp(ds->class_names[2], "emu"));
	for (i = 0; i < COUNT(mixed) && i < ds->n; i++) {
		CHECK_EQ(ds->labels[i], labels[i]);
		check_img(ds, i, &mixed[i]);
	}
	opr_dataset_free(ds);
}

static void test_deep(void)
{
	struct opr_dataset *ds;
	int i;

	for (i = 0; i < COUNT(deep); i++)
		write_img(&deep[i]);
	ds = open_png("deep", OPR_SPLIT_TEST, 0, 0);
	if (ds) {
		CHECK(ds->n == 5 && ds->c == 3 && ds->depth == 16);
		CHECK(ds->pixels16 && !ds->pixels);
		for (i = 0; i < COUNT(deep) && i < ds->n; i++)
			check_img(ds, i, &deep[i]);
		opr_dataset_free(ds);
	}
	for (i = 0; i < COUNT(gray16); i++)
		write_img(&gray16[i]);
	ds = open_png("gray16", OPR_SPLIT_TEST, 0, 0);
	if (ds) {
		CHECK(ds->n == 2 && ds->c == 1 && ds->depth == 16);
		CHECK(ds->h == 4 && ds->w == 6);
		for (i = 0; i < COUNT(gray16) && i < ds->n; i++)
			check_img(ds, i, &gray16[i]);
		opr_dataset_free(ds);
	}
}

static void test_split(void)
{
	struct opr_dataset *ds;
	int i;

	for (i = 0; i < COUNT(split_imgs); i++)
		write_img(&split_imgs[i]);
	ds = open_png("split", OPR_SPLIT_TRAIN, 0, 0);
	if (ds) {
		CHECK(ds->n == 3 && ds->c == 1 && ds->n_classes == 2);
		CHECK(ds->labels[0] == 0 && ds->labels[2] == 1);
		for (i = 0; i < 3 && i < ds->n; i++)
			check_img(ds, i, &split_imgs[i]);
		opr_dataset_free(ds);
	}
	ds = open_png("split", OPR_SPLIT_TEST, 0, 0);
	if (ds) {
		CHECK(ds->n == 3 && ds->c == 3 && ds->n_classes == 3);
		CHECK(!strcmp(ds->class_names[2], "z") && ds->labels[2] == 2);
		for (i = 0; i < 3 && i < ds->n; i++)
			check_img(ds, i, &split_imgs[3 + i]);
		opr_dataset_free(ds);
	}
}

/* Writes a gray 8-bit PNG of w x h from v[] (row-major). */
static void write_gray(const char *rel, int w, int h, const uint16_t *v)
{
	struct dt_png img = { w, h, PNG_COLOR_TYPE_GRAY, 8, 0, v, NULL, 0, NULL };

	CHECK(dt_png_write(at(rel), &img) == 0);
}

/*
 * Sizes: the first image (4x4) sets the size; a 2x2 one is scaled up by
 * bilinear interpolation with half-pixel centres: source x = dst/2 - 1/4,
 * clamped, giving rows 0, 25, 75, 100 from (0, 100) and so on.
 */
static void test_sizes(void)
{
	static const uint16_t big[16] = {
		10, 20, 200, 100,
		30, 40, 0, 100,
		7, 7, 9, 11,
		7, 7, 13, 7,
	};
	static const uint16_t small[4] = { 0, 100, 200, 40 };
	static const uint8_t up[16] = {	/* small at 4x4, rounded */
		0, 25, 75, 100,
		50, 59, 76, 85,
		150, 126, 79, 55,
		200, 160, 80, 40,
	};
	static const uint8_t down[4] = { 25, 100, 7, 10 };	/* big at 2x2 */
	struct spec_img rgb = { "sizes/b/3.png", 7, 5, PNG_COLOR_TYPE_RGB, 8, 21, 0 };
	struct opr_dataset *ds;
	int i, bad = 0;

	CHECK(dt_mkdirs(at("sizes/a")) == 0);
	write_gray("sizes/a/1.png", 4, 4, big);
	write_gray("sizes/a/2.png", 2, 2, small);
	write_img(&rgb);
	ds = open_png("sizes", OPR_SPLIT_TRAIN, 0, 0);
	if (ds) {
		CHECK(ds->n == 3 && ds->c == 3 && ds->h == 4 && ds->w == 4);
		for (i = 0; i < 16 && ds->n == 3; i++) {
			bad += ds->pixels[i] != big[i] || ds->pixels[32 + i] != big[i];
			bad += ds->pixels[48 + i] != up[i] || ds->pixels[80 + i] != up[i];
		}
		CHECK_EQ(bad, 0);
		opr_dataset_free(ds);
	}
	ds = open_png("sizes", OPR_SPLIT_TRAIN, 2, 2);
	if (ds) {
		CHECK(ds->n == 3 && ds->h == 2 && ds->w == 2);
		for (i = 0, bad = 0; i < 4 && ds->n == 3; i++)
			bad += ds->pixels[i] != down[i] || ds->pixels[12 + i] != small[i];
		CHECK_EQ(bad, 0);
		opr_dataset_free(ds);
	}
}

/* fill(): channel mapping, mean/std and resize on the mixed set. */
static void test_fill(void)
{
	struct opr_dataset *ds = open_png("mixed", OPR_SPLIT_TRAIN, 0, 0);
	struct opr_err err = { 0, "" };
	float mean[3] = { 0.5f, 0.4f, 0.3f }, std[3] = { 0.2f, 0.25f, 0.3f };
	float out[7 * 3 * 8 * 8], r, g, b;
	int idx[2] = { 3, 0 }, j, c;

	if (!ds)
		return;
	CHECK_EQ(opr_dataset_fill(ds, idx, 2, mean, std, 3, 3, 4, out, &err), OPR_OK);
	for (c = 0; c < 3; c++)
		for (j = 0; j < 12; j++) {
			float x = (float)expect(&mixed[3], j % 4, j / 4, c, 3, 8) / 255.0f;

			CHECK_NEAR(out[c * 12 + j], (x - mean[c]) / std[c], 1e-6);
		}
	CHECK_EQ(opr_dataset_fill(ds, NULL, 7, NULL, NULL, 1, 3, 4, out, &err), OPR_OK);
	for (j = 0; j < 12; j++) {
		r = (float)expect(&mixed[0], j % 4, j / 4, 0, 3, 8) / 255.0f;
		g = (float)expect(&mixed[0], j % 4, j / 4, 1, 3, 8) / 255.0f;
		b = (float)expect(&mixed[0], j % 4, j / 4, 2, 3, 8) / 255.0f;
		CHECK_NEAR(out[j], 0.299 * r + 0.587 * g + 0.114 * b, 1e-6);
	}
	opr_dataset_free(ds);

	/* Gray 16-bit -> 3 channels, and a resize of a constant image. */
	ds = open_png("gray16", OPR_SPLIT_TRAIN, 0, 0);
	if (!ds)
		return;
	CHECK_EQ(opr_dataset_fill(ds, NULL, 1, NULL, NULL, 3, 4, 6, out, &err), OPR_OK);
	for (c = 0; c < 3; c++)
		CHECK_NEAR(out[c * 24 + 7], expect(&gray16[0], 1, 1, 0, 1, 16) / 65535.0,
			   1e-7);
	for (j = 0; j < 24; j++)
		ds->pixels16[j] = 4000;
	CHECK_EQ(opr_dataset_fill(ds, NULL, 1, NULL, NULL, 1, 8, 8, out, &err), OPR_OK);
	for (j = 0; j < 64; j++)
		CHECK_NEAR(out[j], 4000 / 65535.0, 1e-7);
	opr_dataset_free(ds);
}

/* A configuration dumped for png_ref.py. */
struct dump_cfg {
	const char *name, *folder;	/* output name, folder below png/ */
	int split, open_h, open_w;	/* opr_dataset_open_sized() */
	int want_c, want_h, want_w;	/* opr_dataset_fill() */
	float mean[3], std[3];		/* per output channel */
};

static const struct dump_cfg dumps[] = {
	{ "mixed_c3", "mixed", 0, 0, 0, 3, 3, 4, { .5f, .4f, .3f }, { .2f, .25f, .3f } },
	{ "mixed_c1_resized", "mixed", 0, 0, 0, 1, 5, 7, { .45f }, { .22f } },
	{ "deep_c3", "deep", 0, 0, 0, 3, 5, 5, { .1f, .2f, .3f }, { .9f, .8f, .7f } },
	{ "deep_c1_down", "deep", 0, 0, 0, 1, 3, 2, { 0 }, { 1 } },
	{ "sizes_c3", "sizes", 0, 0, 0, 3, 4, 4, { 0, 0, 0 }, { 1, 1, 1 } },
	{ "sizes_sized", "sizes", 0, 6, 10, 3, 4, 4, { .5f, .5f, .5f }, { .5f, .5f, .5f } },
	{ "gray16_up", "gray16", 0, 0, 0, 3, 9, 9, { .2f, .2f, .2f }, { 2, 2, 2 } },
	{ "split_test", "split", 1, 0, 0, 3, 3, 3, { 0, 0, 0 }, { 1, 1, 1 } },
};

static void dump_one(const struct dump_cfg *d, FILE *man)
{
	struct opr_dataset *ds = open_png(d->folder, d->split, d->open_h, d->open_w);
	struct opr_err err = { 0, "" };
	int32_t hdr[4];
	size_t len;
	float *out;
	char path[4300];
	FILE *f;

	if (!ds)
		return;
	hdr[0] = ds->n;
	hdr[1] = d->want_c;
	hdr[2] = d->want_h;
	hdr[3] = d->want_w;
	len = (size_t)ds->n * d->want_c * d->want_h * d->want_w;
	out = malloc(len * sizeof(float));
	CHECK_EQ(opr_dataset_fill(ds, NULL, ds->n, d->mean, d->std, d->want_c,
				  d->want_h, d->want_w, out, &err), OPR_OK);
	snprintf(path, sizeof(path), "%s/dump/%s.bin", work, d->name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(hdr, sizeof(hdr), 1, f) == 1);
		CHECK(fwrite(ds->labels, sizeof(int), (size_t)ds->n, f) == (size_t)ds->n);
		CHECK(fwrite(out, sizeof(float), len, f) == len);
		CHECK(fclose(f) == 0);
	}
	fprintf(man, "%s %s %d %d %d %d %d %d %.9g %.9g %.9g %.9g %.9g %.9g\n",
		d->name, d->folder, d->split, d->open_h, d->open_w, d->want_c,
		d->want_h, d->want_w, d->mean[0], d->mean[1], d->mean[2],
		d->std[0], d->std[1], d->std[2]);
	free(out);
	opr_dataset_free(ds);
}

static void dump_all(void)
{
	char path[4300];
	FILE *man;
	int i;

	snprintf(path, sizeof(path), "%s/dump", work);
	CHECK(dt_mkdirs(path) == 0);
	snprintf(path, sizeof(path), "%s/dump/manifest.txt", work);
	man = fopen(path, "w");
	CHECK(man != NULL);
	if (!man)
		return;
	for (i = 0; i < COUNT(dumps); i++)
		dump_one(&dumps[i], man);
	CHECK(fclose(man) == 0);
}

int main(int argc, char **argv)
{
	int i;

	snprintf(work, sizeof(work), "%s/png", argc > 1 ? argv[1] : ".");
	dt_rmtree(work);
	if (dt_mkdirs(work) != 0) {
		fprintf(stderr, "cannot make %s\n", work);
		return 1;
	}
	for (i = 0; i < 16; i++) {
		palette[3 * i] = (uint8_t)(16 * i);
		palette[3 * i + 1] = (uint8_t)(255 - 16 * i);
		palette[3 * i + 2] = (uint8_t)(7 * i);
		trns[i] = (uint8_t)(i * 17);
	}
	test_mixed();
	test_deep();
	test_split();
	test_sizes();
	test_fill();
	dump_all();
	return dt_report("test_data_png");
}
