/*
 * test_augment.c - the random numbers, shuffles, augmentation and batches
 * of src/train/ (rng.c, augment.c, batch.c):
 *   - splitmix64 gives its published outputs; bounded draws are in range
 *     and even; shuffles are permutations, the same for a seed, and every
 *     order of three is about as likely;
 *   - crop and flip against a second implementation that really pads,
 *     crops and mirrors; every offset and both flips are drawn; the same
 *     seed gives the same images, another seed others, and the batch split
 *     does not matter; the padding is exactly what opr_dataset_fill()
 *     makes of a black pixel; 32x32x3 and 28x28x1;
 *   - batches: every image once per epoch with its label and pixels,
 *     drop_last, seeded orders per epoch, augmentation keyed by position;
 *   - the validation split: sizes, disjoint, sorted, seeded, "last".
 *
 * Usage: tp_augment (no arguments).
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_prune.h"
#include "train/augment.h"
#include "train/batch.h"
#include "train/rng.h"
#include "tp_check.h"

static void test_rng(void)
{
	/* Vigna's splitmix64.c from state 0. */
	static const uint64_t want[] = { 0xe220a8397b1dcdafull,
					 0x6e789e6aa1b965f4ull,
					 0x06c45d188009454full };
	uint64_t s = 0, r;
	int i, hist[10] = { 0 };

	for (i = 0; i < 3; i++) {
		r = opr_rng_next(&s);
		CHECK(r == want[i], "splitmix64 output %d: %016llx", i,
		      (unsigned long long)r);
	}
	s = opr_rng_key(1, 2, 3, 4);
	CHECK(s == opr_rng_key(1, 2, 3, 4), "key not a function");
	CHECK(s != opr_rng_key(1, 2, 4, 3) && s != opr_rng_key(2, 2, 3, 4),
	      "keys collide");
	for (i = 0; i < 100000; i++)
		hist[opr_rng_below(&s, 10)]++;
	for (i = 0; i < 10; i++)
		CHECK(hist[i] > 9500 && hist[i] < 10500, "below(10): %d drew %d",
		      i, hist[i]);
	CHECK(opr_rng_below(&s, 1) == 0, "below(1)");
}

static void test_shuffle(void)
{
	enum { N = 1000 };
	int a[N], b[N], seen[N] = { 0 }, i, same = 0, perm[6] = { 0 }, t[3];
	uint64_t s1 = opr_rng_key(7, OPR_RNG_SHUFFLE, 0, 0), s2 = s1;

	for (i = 0; i < N; i++)
		a[i] = b[i] = i;
	opr_rng_shuffle(&s1, a, N);
	opr_rng_shuffle(&s2, b, N);
	for (i = 0; i < N; i++) {
		if (a[i] >= 0 && a[i] < N)
			seen[a[i]]++;
		same += a[i] == i;
	}
	for (i = 0; i < N; i++)
		CHECK(seen[i] == 1, "image %d seen %d times", i, seen[i]);
	CHECK(!memcmp(a, b, sizeof(a)), "same state, another order");
	CHECK(same < 10, "%d images stayed in place", same);
	opr_rng_shuffle(&s1, a, 0);
	opr_rng_shuffle(&s1, a, 1);
	/* Orders of 3: 6 of them, 60000 shuffles, each about 10000 times. */
	for (i = 0; i < 60000; i++) {
		t[0] = 0, t[1] = 1, t[2] = 2;
		opr_rng_shuffle(&s1, t, 3);
		perm[t[0] * 2 + (t[1] > t[2])]++;
	}
	for (i = 0; i < 6; i++)
		CHECK(perm[i] > 9500 && perm[i] < 10500, "order %d: %d", i,
		      perm[i]);
}

/* The reference: pad into a bigger image, take the window, mirror. */
static void ref_augment(const float *in, float *out, int c, int h, int w,
			int p, const struct opr_aug_draw *d, const float *fill)
{
	int ph = h + 2 * p, pw = w + 2 * p, ch, y, x;
	float *big = malloc((size_t)ph * pw * sizeof(float));

	for (ch = 0; ch < c; ch++) {
		for (y = 0; y < ph; y++)
			for (x = 0; x < pw; x++)
				big[y * pw + x] = fill[ch];
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++)
				big[(y + p) * pw + x + p] = in[(ch * h + y) * w + x];
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++)
				out[(ch * h + y) * w + x] =
					big[(y + d->i) * pw + d->j + x];
		if (!d->flip)
			continue;
		for (y = 0; y < h; y++)
			for (x = 0; x < w / 2; x++) {
				float *r = out + (ch * h + y) * w, v = r[x];

				r[x] = r[w - 1 - x];
				r[w - 1 - x] = v;
			}
	}
	free(big);
}

/* Every draw of a c x h x w image with padding p agrees with ref. */
static void check_image(int c, int h, int w, int p)
{
	struct opr_augment a = { .pad = p, .flip = 1 };
	size_t n = (size_t)c * h * w, k;
	float *img = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
	float *want = malloc(n * sizeof(float));
	float *scratch = malloc((size_t)h * w * sizeof(float));
	float fill[3] = { -1.5f, -2.5f, -3.5f };
	struct opr_aug_draw d;
	int bad = 0;

	for (k = 0; k < n; k++)
		img[k] = (float)k + 1.0f;
	for (d.i = 0; d.i <= 2 * p; d.i++)
		for (d.j = 0; d.j <= 2 * p; d.j++)
			for (d.flip = 0; d.flip < 2; d.flip++) {
				memcpy(got, img, n * sizeof(float));
				opr_augment_image(got, c, h, w, &a, &d, fill,
						  scratch);
				ref_augment(img, want, c, h, w, p, &d, fill);
				bad += memcmp(got, want, n * sizeof(float)) != 0;
			}
	CHECK(!bad, "%dx%dx%d pad %d: %d draws differ from the reference", c,
	      h, w, p, bad);
	/* The centre without a flip is the image itself. */
	d.i = d.j = p;
	d.flip = 0;
	memcpy(got, img, n * sizeof(float));
	opr_augment_image(got, c, h, w, &a, &d, fill, scratch);
	CHECK(!memcmp(got, img, n * sizeof(float)), "centre moved the image");
	free(img);
	free(got);
	free(want);
	free(scratch);
}

static void test_draws(void)
{
	struct opr_augment a = { .pad = 4, .flip = 1 };
	int seen_i[9] = { 0 }, seen_j[9] = { 0 }, flips = 0, k, miss = 0;
	struct opr_aug_draw d;
	uint64_t s = 99;

	for (k = 0; k < 9000; k++) {
		opr_augment_draw(&a, &s, &d);
		if (d.i < 0 || d.i > 8 || d.j < 0 || d.j > 8) {
			miss++;
			continue;
		}
		seen_i[d.i]++;
		seen_j[d.j]++;
		flips += d.flip;
	}
	CHECK(!miss, "%d draws out of range", miss);
	for (k = 0; k < 9; k++)
		CHECK(seen_i[k] > 800 && seen_j[k] > 800, "offset %d: %d, %d", k,
		      seen_i[k], seen_j[k]);
	CHECK(flips > 4200 && flips < 4800, "%d flips of 9000", flips);
	a.pad = 0;
	a.flip = 0;
	opr_augment_draw(&a, &s, &d);
	CHECK(d.i == 0 && d.j == 0 && !d.flip, "no augmentation drew something");
}

/* Same seed, same images; the batch split does not matter. */
static void test_batch_seed(void)
{
	enum { N = 10, C = 3, H = 32, W = 32 };
	size_t img = (size_t)C * H * W, all = N * img, k;
	float *x0 = malloc(all * sizeof(float)), *x1 = malloc(all * sizeof(float));
	float *x2 = malloc(all * sizeof(float)), sc[H * W], fill[C];
	struct opr_augment a = { .pad = 4, .flip = 1 };
	static const float mean[C] = { 0.4914f, 0.4822f, 0.4465f };
	static const float sd[C] = { 0.247f, 0.243f, 0.261f };

	opr_augment_fill_values(mean, sd, C, fill);
	for (k = 0; k < all; k++)
		x0[k] = (float)(k % 977) * 0.01f;
	memcpy(x1, x0, all * sizeof(float));
	memcpy(x2, x0, all * sizeof(float));
	opr_augment_batch(x0, N, C, H, W, &a, fill, 5, 3, 0, sc);
	opr_augment_batch(x1, 4, C, H, W, &a, fill, 5, 3, 0, sc);
	opr_augment_batch(x1 + 4 * img, 6, C, H, W, &a, fill, 5, 3, 4, sc);
	CHECK(!memcmp(x0, x1, all * sizeof(float)), "batch split changed it");
	opr_augment_batch(x2, N, C, H, W, &a, fill, 6, 3, 0, sc);
	CHECK(memcmp(x0, x2, all * sizeof(float)), "another seed, same images");
	memcpy(x2, x1, all * sizeof(float));
	opr_augment_batch(x2, N, C, H, W, &a, fill, 5, 4, 0, sc);
	CHECK(memcmp(x1, x2, all * sizeof(float)), "another epoch, same images");
	free(x0);
	free(x1);
	free(x2);
}

/* A data set of n c x h x w 8-bit images; image k is all (k * 20 + v). */
static struct opr_dataset *make_ds(int n, int c, int h, int w, int v)
{
	struct opr_dataset *ds = calloc(1, sizeof(*ds));
	size_t img = (size_t)c * h * w, k;

	ds->n = n;
	ds->c = c;
	ds->h = h;
	ds->w = w;
	ds->depth = 8;
	ds->pixels = malloc((size_t)n * img);
	ds->labels = malloc((size_t)n * sizeof(int));
	ds->n_classes = 3;
	ds->source = strdup("test");
	for (k = 0; k < (size_t)n * img; k++)
		ds->pixels[k] = (uint8_t)((k / img) * 20 + (size_t)v);
	for (k = 0; k < (size_t)n; k++)
		ds->labels[k] = (int)(k % 3);
	return ds;
}

/* Padding is the normalised black pixel, bit for bit (28x28x1 FMNIST). */
static void test_pad_value(void)
{
	struct opr_dataset *black = make_ds(1, 1, 28, 28, 0);
	float mean = 0.2860f, sd = 0.3530f, fill, x[28 * 28], sc[28 * 28];
	struct opr_augment a = { .pad = 4 };
	struct opr_aug_draw d = { .i = 0, .j = 8 };
	int k;

	CHECK(opr_dataset_fill(black, NULL, 1, &mean, &sd, 1, 28, 28, x, NULL) ==
	      OPR_OK, "fill");
	opr_augment_fill_values(&mean, &sd, 1, &fill);
	CHECK(fill == x[0], "pad %.9g, black pixel %.9g", fill, x[0]);
	CHECK(fill == (0.0f - 0.2860f) / 0.3530f, "pad %.9g", fill);
	for (k = 0; k < 28 * 28; k++)
		x[k] = 5.0f;
	opr_augment_image(x, 1, 28, 28, &a, &d, &fill, sc);
	/* Content moves 4 down and 4 left: rows 0..3, columns 24..27 padded. */
	CHECK(x[0] == fill && x[3 * 28 + 10] == fill && x[10 * 28 + 27] == fill &&
	      x[4 * 28 + 23] == 5.0f && x[27 * 28] == 5.0f, "padding region");
	opr_dataset_free(black);
}

/* Every image once per epoch, with its label and pixels; seeded orders. */
static void test_batcher(void)
{
	struct opr_dataset *ds = make_ds(10, 1, 4, 4, 3);
	struct opr_batcher_opts o = { .batch = 4, .shuffle = 1, .seed = 11,
				      .c = 1, .h = 4, .w = 4 };
	struct opr_batcher *b;
	float x[4 * 16], mean = 0.5f, sd = 0.25f;
	int lab[4], idx[4], n, seen[10], order[2][10], e, k, got, pos;

	o.mean = &mean;
	o.std = &sd;
	CHECK(opr_batcher_new(ds, NULL, 0, &o, &b, NULL) == OPR_OK, "new");
	CHECK(opr_batcher_batches(b) == 3 && opr_batcher_images(b) == 10,
	      "batches %d", opr_batcher_batches(b));
	for (e = 0; e < 2; e++) {
		memset(seen, 0, sizeof(seen));
		opr_batcher_epoch(b, e);
		got = 0;
		while (opr_batcher_next(b, x, lab, idx, &n, NULL) == OPR_OK && n) {
			for (k = 0; k < n; k++) {
				seen[idx[k]]++;
				order[e][got + k] = idx[k];
				CHECK(lab[k] == idx[k] % 3, "label");
				CHECK(x[k * 16 + 5] ==
				      ((float)(idx[k] * 20 + 3) / 255.0f - 0.5f) /
				      0.25f, "pixels of image %d", idx[k]);
			}
			got += n;
		}
		CHECK(got == 10, "epoch %d: %d images", e, got);
		for (k = 0; k < 10; k++)
			CHECK(seen[k] == 1, "epoch %d: image %d seen %d times", e,
			      k, seen[k]);
	}
	CHECK(memcmp(order[0], order[1], sizeof(order[0])),
	      "two epochs in the same order");
	opr_batcher_free(b);
	/* drop_last, a subset, no shuffle: 1, 3, 5, 7, 9 in batches of 2. */
	o.batch = 2;
	o.drop_last = 1;
	o.shuffle = 0;
	CHECK(opr_batcher_new(ds, (const int[]){ 1, 3, 5, 7, 9 }, 5, &o, &b,
			      NULL) == OPR_OK, "new");
	CHECK(opr_batcher_images(b) == 4 && opr_batcher_batches(b) == 2, "drop");
	for (pos = 0; opr_batcher_next(b, x, lab, idx, &n, NULL) == OPR_OK && n;
	     pos += n)
		CHECK(n == 2 && idx[0] == 2 * pos + 1 && idx[1] == 2 * pos + 3,
		      "order at %d", pos);
	CHECK(pos == 4, "%d images with drop_last", pos);
	opr_batcher_free(b);
	opr_dataset_free(ds);
}

/* Augmented batches: image at position k of epoch e as augment_batch. */
static void test_batcher_aug(void)
{
	struct opr_dataset *ds = make_ds(6, 3, 8, 8, 1);
	struct opr_batcher_opts o = { .batch = 4, .shuffle = 1, .seed = 3,
				      .aug = { .pad = 2, .flip = 1 },
				      .c = 3, .h = 8, .w = 8 };
	struct opr_batcher *b;
	float x[4 * 192], want[4 * 192], fill[3], sc[64];
	int lab[4], idx[4], n, pos = 0, same = 1, changed = 0;

	opr_augment_fill_values(NULL, NULL, 3, fill);
	CHECK(opr_batcher_new(ds, NULL, 0, &o, &b, NULL) == OPR_OK, "new");
	opr_batcher_epoch(b, 2);
	while (opr_batcher_next(b, x, lab, idx, &n, NULL) == OPR_OK && n) {
		opr_dataset_fill(ds, idx, n, NULL, NULL, 3, 8, 8, want, NULL);
		changed += memcmp(x, want, (size_t)n * 192 * sizeof(float)) != 0;
		opr_augment_batch(want, n, 3, 8, 8, &o.aug, fill, 3, 2, pos, sc);
		same &= !memcmp(x, want, (size_t)n * 192 * sizeof(float));
		pos += n;
	}
	CHECK(same, "batches differ from augment_batch at their positions");
	CHECK(changed, "nothing augmented");
	opr_batcher_free(b);
	/* Errors: channels that do not fit, a bad index, bad options. */
	o.c = 2;
	CHECK(opr_batcher_new(ds, NULL, 0, &o, &b, NULL) == OPR_EUSAGE && !b,
	      "2 channels");
	o.c = 3;
	CHECK(opr_batcher_new(ds, (const int[]){ 6 }, 1, &o, &b, NULL) ==
	      OPR_EUSAGE, "index 6");
	o.batch = 0;
	CHECK(opr_batcher_new(ds, NULL, 0, &o, &b, NULL) == OPR_EUSAGE, "batch 0");
	o.batch = 1;
	o.aug.pad = 9;
	CHECK(opr_batcher_new(ds, NULL, 0, &o, &b, NULL) == OPR_EUSAGE, "pad 9");
	opr_dataset_free(ds);
}

static void test_val_split(void)
{
	int *tr, *va, *tr2, *va2, nt, nv, nt2, nv2, i, seen[100] = { 0 }, sorted = 1;

	CHECK(opr_val_split(100, 0.1, OPR_VAL_RANDOM, 5, &tr, &nt, &va, &nv,
			    NULL) == OPR_OK && nt == 90 && nv == 10, "sizes");
	for (i = 0; i < nt; i++) {
		seen[tr[i]]++;
		sorted &= !i || tr[i] > tr[i - 1];
	}
	for (i = 0; i < nv; i++) {
		seen[va[i]]++;
		sorted &= !i || va[i] > va[i - 1];
	}
	for (i = 0; i < 100; i++)
		CHECK(seen[i] == 1, "image %d in %d lists", i, seen[i]);
	CHECK(sorted, "lists not ascending");
	CHECK(va[nv - 1] != 99 || va[0] != 90, "random split took the last");
	opr_val_split(100, 0.1, OPR_VAL_RANDOM, 5, &tr2, &nt2, &va2, &nv2, NULL);
	CHECK(!memcmp(va, va2, 10 * sizeof(int)), "same seed, another split");
	free(tr2);
	free(va2);
	opr_val_split(100, 0.1, OPR_VAL_RANDOM, 6, &tr2, &nt2, &va2, &nv2, NULL);
	CHECK(memcmp(va, va2, 10 * sizeof(int)), "another seed, same split");
	free(tr);
	free(va);
	free(tr2);
	free(va2);
	CHECK(opr_val_split(10, 0.25, OPR_VAL_LAST, 0, &tr, &nt, &va, &nv, NULL) ==
	      OPR_OK && nv == 3 && va[0] == 7 && va[2] == 9 && nt == 7 &&
	      tr[6] == 6, "last");
	free(tr);
	free(va);
	CHECK(opr_val_split(10, 0.0, OPR_VAL_RANDOM, 0, &tr, &nt, &va, &nv,
			    NULL) == OPR_OK && nt == 10 && !va && !nv, "frac 0");
	free(tr);
	CHECK(opr_val_split(3, 0.01, OPR_VAL_RANDOM, 0, &tr, &nt, &va, &nv,
			    NULL) == OPR_OK && nv == 1 && nt == 2, "at least 1");
	free(tr);
	free(va);
	CHECK(opr_val_split(10, 1.0, 0, 0, &tr, &nt, &va, &nv, NULL) ==
	      OPR_EUSAGE && !tr && !va, "frac 1");
	CHECK(opr_val_split(10, -0.5, 0, 0, &tr, &nt, &va, &nv, NULL) ==
	      OPR_EUSAGE, "frac < 0");
	CHECK(opr_val_split(1, 0.5, 0, 0, &tr, &nt, &va, &nv, NULL) ==
	      OPR_EUSAGE, "1 image");
}

int main(void)
{
	test_rng();
	test_shuffle();
	check_image(3, 32, 32, 4);
	check_image(1, 28, 28, 4);
	check_image(2, 5, 7, 3);
	test_draws();
	test_batch_seed();
	test_pad_value();
	test_batcher();
	test_batcher_aug();
	test_val_split();
	return tp_done("tp_augment");
}
