/*
 * test_data_bad.c - malformed data sets, bad specs and bad arguments: each
 * must fail with the right status and a message naming the file, leave
 * *out NULL, and neither crash nor leak (run it under -DOPR_SANITIZE=ON).
 *
 * Usage: test_data_bad WORKDIR (files are made there at run time).
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_test.h"

static char work[4096];

/* WORKDIR/rel in a static buffer (one of four, reused in turn). */
static const char *at(const char *rel)
{
	static char buf[4][4200];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", work, rel);
	return buf[k];
}

/* "kind:WORKDIR/rel". */
static const char *spec(const char *kind, const char *rel)
{
	static char buf[4300];

	snprintf(buf, sizeof(buf), "%s:%s", kind, at(rel));
	return buf;
}

/* n CIFAR records with label lab (first_bad: label of record 1). */
static void write_cifar(const char *rel, int n, int rec, int lab, int bad,
			size_t cut)
{
	size_t len = (size_t)n * (size_t)rec;
	unsigned char *b = calloc(len ? len : 1, 1);
	int i;

	for (i = 0; i < n; i++)
		b[(size_t)i * rec + (size_t)(rec - 3073)] = (unsigned char)lab;
	if (n > 1 && bad >= 0)
		b[(size_t)rec + (size_t)(rec - 3073)] = (unsigned char)bad;
	CHECK(dt_write_file(at(rel), b, len - cut) == 0);
	free(b);
}

static void test_cifar(void)
{
	struct opr_dataset *ds = NULL;
	struct opr_err err;

	dt_mkdirs(at("cifar"));
	write_cifar("cifar/trunc.bin", 3, 3073, 1, -1, 100);
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar/trunc.bin"), OPR_SPLIT_TEST,
			 OPR_EPARSE, "trunc.bin: size 9119 is not a whole number");
	write_cifar("cifar/label.bin", 3, 3073, 1, 10, 0);
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar/label.bin"), OPR_SPLIT_TEST,
			 OPR_EPARSE, "label.bin: record 1 has label 10, want 0..9");
	write_cifar("cifar/empty.bin", 0, 3073, 0, -1, 0);
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar/empty.bin"), OPR_SPLIT_TEST,
			 OPR_EPARSE, "empty.bin: empty file");
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar/nothere.bin"), OPR_SPLIT_TEST,
			 OPR_EIO, "nothere.bin: No such file");
	/* A folder that lacks batch 3. */
	write_cifar("cifar/data_batch_1.bin", 2, 3073, 1, -1, 0);
	write_cifar("cifar/data_batch_2.bin", 2, 3073, 2, -1, 0);
	write_cifar("cifar/test_batch.bin", 2, 3073, 3, -1, 0);
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar"), OPR_SPLIT_TRAIN, OPR_EIO,
			 "cifar/data_batch_3.bin: No such file");
	CHECK_EQ(opr_dataset_open(spec("cifar10", "cifar"), OPR_SPLIT_TEST, &ds,
				  &err), OPR_OK);
	if (ds) {
		CHECK_EQ(ds->n, 2);
		CHECK_EQ(ds->labels[1], 3);
		CHECK(!strcmp(ds->class_names[3], "cat"));
		opr_dataset_free(ds);
	}
	/* CIFAR-100: 2 label bytes; coarse < 20, fine < 100. */
	write_cifar("cifar/c100.bin", 3, 3074, 57, -1, 0);
	CHECK_EQ(opr_dataset_open(spec("cifar100", "cifar/c100.bin"),
				  OPR_SPLIT_TRAIN, &ds, &err), OPR_OK);
	if (ds) {
		CHECK_EQ(ds->n, 3);
		CHECK_EQ(ds->labels[2], 57);
		CHECK_EQ(ds->n_classes, 100);
		CHECK(!strcmp(ds->class_names[57], "pear"));
		CHECK(!strcmp(ds->class_names[99], "worm"));
		opr_dataset_free(ds);
	}
	write_cifar("cifar/c100bad.bin", 3, 3074, 57, 100, 0);
	EXPECT_OPEN_FAIL(spec("cifar100", "cifar/c100bad.bin"), OPR_SPLIT_TRAIN,
			 OPR_EPARSE, "c100bad.bin: record 1 has label 100, want 0..99");
	/* A CIFAR-10 file read as CIFAR-100: 3 * 3073 is not a multiple of 3074. */
	EXPECT_OPEN_FAIL(spec("cifar100", "cifar/label.bin"), OPR_SPLIT_TRAIN,
			 OPR_EPARSE, "not a whole number of 3074-byte records");
}

/* Writes an IDX file: header words then len data bytes of value v. */
static void write_idx(const char *rel, int gz, const uint32_t *hdr, int words,
		      size_t len, int v)
{
	unsigned char *b = malloc((size_t)words * 4 + len + 1);
	int i;

	for (i = 0; i < words; i++) {
		b[4 * i] = (unsigned char)(hdr[i] >> 24);
		b[4 * i + 1] = (unsigned char)(hdr[i] >> 16);
		b[4 * i + 2] = (unsigned char)(hdr[i] >> 8);
		b[4 * i + 3] = (unsigned char)hdr[i];
	}
	memset(b + 4 * words, v, len);
	if (gz)
		CHECK(dt_write_gz(at(rel), b, (size_t)words * 4 + len) == 0);
	else
		CHECK(dt_write_file(at(rel), b, (size_t)words * 4 + len) == 0);
	free(b);
}

/* A folder rel with t10k files: n labels, m images of r x c, extra bytes. */
static void idx_set(const char *rel, uint32_t lmagic, uint32_t n,
		    uint32_t imagic, uint32_t m, uint32_t r, uint32_t c,
		    long extra, int gz)
{
	char p[256];
	uint32_t lh[2] = { lmagic, n }, ih[4] = { imagic, m, r, c };
	long len = (long)m * r * c + extra;

	dt_rmtree(at(rel));
	dt_mkdirs(at(rel));
	snprintf(p, sizeof(p), "%s/t10k-labels-idx1-ubyte%s", rel, gz ? ".gz" : "");
	write_idx(p, gz, lh, 2, n < 1000 ? n : 10, 7);
	snprintf(p, sizeof(p), "%s/t10k-images-idx3-ubyte%s", rel, gz ? ".gz" : "");
	write_idx(p, gz, ih, 4, (size_t)(len > 0 && len < 100000 ? len : 10), 200);
}

static void test_idx(void)
{
	struct opr_dataset *ds = NULL;
	struct opr_err err;
	unsigned char *b;
	size_t len;

	idx_set("idx/ok", 0x801, 3, 0x803, 3, 4, 5, 0, 1);
	CHECK_EQ(opr_dataset_open(spec("mnist", "idx/ok"), OPR_SPLIT_TEST, &ds,
				  &err), OPR_OK);
	if (ds) {
		CHECK(ds->n == 3 && ds->c == 1 && ds->h == 4 && ds->w == 5);
		CHECK(ds->labels[2] == 7 && ds->pixels[59] == 200);
		opr_dataset_free(ds);
	}
	idx_set("idx/magic", 0x801, 3, 0x804, 3, 4, 5, 0, 1);
	EXPECT_OPEN_FAIL(spec("idx", "idx/magic"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-images-idx3-ubyte.gz: magic 0x00000804, want 0x00000803");
	idx_set("idx/swap", 0x803, 3, 0x801, 3, 4, 5, 0, 0);
	EXPECT_OPEN_FAIL(spec("idx", "idx/swap"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-labels-idx1-ubyte: magic 0x00000803, want 0x00000801");
	idx_set("idx/count", 0x801, 5, 0x803, 4, 4, 5, 0, 1);
	EXPECT_OPEN_FAIL(spec("idx", "idx/count"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-images-idx3-ubyte.gz: 4 images but 5 labels");
	idx_set("idx/short", 0x801, 3, 0x803, 3, 4, 5, -7, 0);
	EXPECT_OPEN_FAIL(spec("idx", "idx/short"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-images-idx3-ubyte: truncated: 53 data bytes, the "
			 "header says 60");
	idx_set("idx/long", 0x801, 3, 0x803, 3, 4, 5, 2, 1);
	EXPECT_OPEN_FAIL(spec("idx", "idx/long"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "longer than its header says");
	idx_set("idx/dims", 0x801, 3, 0x803, 3, 0, 5, 0, 1);
	EXPECT_OPEN_FAIL(spec("idx", "idx/dims"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "bad image size 0x5");
	/* A header that claims 2^31 - 1 labels in a 18-byte file. */
	idx_set("idx/huge", 0x801, 0x7fffffff, 0x803, 3, 4, 5, 0, 1);
	EXPECT_OPEN_FAIL(spec("idx", "idx/huge"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-labels-idx1-ubyte.gz: truncated");
	idx_set("idx/zero", 0x801, 0, 0x803, 0, 4, 5, 0, 0);
	EXPECT_OPEN_FAIL(spec("idx", "idx/zero"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "bad count 0");
	idx_set("idx/lab", 0x801, 3, 0x803, 3, 4, 5, 0, 0);
	CHECK(dt_write_file(at("idx/lab/t10k-labels-idx1-ubyte"),
			    "\0\0\x08\x01\0\0\0\x03\x01\x0a\x02", 11) == 0);
	EXPECT_OPEN_FAIL(spec("fashion-mnist", "idx/lab"), OPR_SPLIT_TEST,
			 OPR_EPARSE, "label 10 of image 1, want 0..9");
	CHECK_EQ(opr_dataset_open(spec("idx", "idx/lab"), OPR_SPLIT_TEST, &ds,
				  &err), OPR_OK);
	if (ds) {
		CHECK_EQ(ds->n_classes, 11);
		opr_dataset_free(ds);
	}
	/* A gzip file cut in half; a header cut short. */
	idx_set("idx/gzcut", 0x801, 3, 0x803, 3, 40, 50, 0, 1);
	if (dt_read_file(at("idx/gzcut/t10k-images-idx3-ubyte.gz"), &b, &len) == 0) {
		CHECK(dt_write_file(at("idx/gzcut/t10k-images-idx3-ubyte.gz"), b,
				    len / 2) == 0);
		free(b);
	}
	EXPECT_OPEN_FAIL(spec("idx", "idx/gzcut"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "idx/gzcut/t10k-images-idx3-ubyte.gz: ");
	CHECK(dt_write_file(at("idx/gzcut/t10k-images-idx3-ubyte.gz"), "\0\0\x08", 3) == 0);
	EXPECT_OPEN_FAIL(spec("idx", "idx/gzcut"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "t10k-images-idx3-ubyte.gz: truncated header (3 of 16 bytes)");
	EXPECT_OPEN_FAIL(spec("idx", "idx/ok"), OPR_SPLIT_TRAIN, OPR_EIO,
			 "idx/ok/train-labels-idx1-ubyte[.gz]: no such file");
	EXPECT_OPEN_FAIL(spec("idx", "idx/nothere"), OPR_SPLIT_TEST, OPR_EIO,
			 "(the path must be a folder of IDX files)");
}

/* A valid 8x8 gray PNG at rel. */
static void good_png(const char *rel)
{
	uint16_t px[64];
	struct dt_png img = { 8, 8, PNG_COLOR_TYPE_GRAY, 8, 0, px, NULL, 0, NULL };
	int i;

	for (i = 0; i < 64; i++)
		px[i] = (uint16_t)(i * 3);
	CHECK(dt_png_write(at(rel), &img) == 0);
}

static void test_png(void)
{
	unsigned char *b;
	size_t len;

	dt_mkdirs(at("png/empty"));
	EXPECT_OPEN_FAIL(spec("png", "png/empty"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/empty: no class sub-folders");
	dt_mkdirs(at("png/noimg/a"));
	dt_mkdirs(at("png/noimg/b"));
	CHECK(dt_write_file(at("png/noimg/a/readme.txt"), "x", 1) == 0);
	EXPECT_OPEN_FAIL(spec("png", "png/noimg"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/noimg: no PNG images in its 2 class sub-folder(s)");
	EXPECT_OPEN_FAIL(spec("png", "png/nothere"), OPR_SPLIT_TEST, OPR_EIO,
			 "png/nothere: not a folder");

	/* Corrupt data in IDAT: the CRC no longer matches. */
	dt_mkdirs(at("png/crc/a"));
	good_png("png/crc/a/1.png");
	good_png("png/crc/a/2.png");
	if (dt_read_file(at("png/crc/a/2.png"), &b, &len) == 0) {
		b[len - 20] ^= 0x55;	/* inside IDAT (IEND is the last 12) */
		CHECK(dt_write_file(at("png/crc/a/2.png"), b, len) == 0);
		free(b);
	}
	EXPECT_OPEN_FAIL(spec("png", "png/crc"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/crc/a/2.png: corrupt or unreadable PNG");
	/* Cut after the header. */
	dt_mkdirs(at("png/cut/a"));
	good_png("png/cut/a/1.png");
	if (dt_read_file(at("png/cut/a/1.png"), &b, &len) == 0) {
		CHECK(dt_write_file(at("png/cut/a/1.png"), b, 40) == 0);
		free(b);
	}
	EXPECT_OPEN_FAIL(spec("png", "png/cut"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/cut/a/1.png: corrupt or unreadable PNG");
	/* Not a PNG at all; an empty file. */
	dt_mkdirs(at("png/text/a"));
	CHECK(dt_write_file(at("png/text/a/1.png"), "hello, world", 12) == 0);
	EXPECT_OPEN_FAIL(spec("png", "png/text"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/text/a/1.png: not a PNG file");
	CHECK(dt_write_file(at("png/text/a/1.png"), "", 0) == 0);
	EXPECT_OPEN_FAIL(spec("png", "png/text"), OPR_SPLIT_TEST, OPR_EPARSE,
			 "png/text/a/1.png: not a PNG file");
	/* train/ without test/. */
	dt_mkdirs(at("png/half/train/a"));
	good_png("png/half/train/a/1.png");
	EXPECT_OPEN_FAIL(spec("png", "png/half"), OPR_SPLIT_TEST, OPR_EIO,
			 "png/half/test: missing");
}

/*
 * Every byte of a small RGBA Adam7 PNG flipped, and every truncation: the
 * load either works (a flip the format cannot see) or fails with
 * OPR_EPARSE naming the file; never a crash, a leak or another status.
 */
static void test_png_mutations(void)
{
	static uint16_t px[6 * 5 * 4];
	struct dt_png img = { 6, 5, PNG_COLOR_TYPE_RGB_ALPHA, 8, 1, px, NULL, 0,
			      NULL };
	struct opr_dataset *ds;
	struct opr_err err;
	unsigned char *b, *m;
	size_t len, i;
	int rc, bad = 0, failed = 0;

	for (i = 0; i < sizeof(px) / sizeof(px[0]); i++)
		px[i] = (uint16_t)((i * 77) % 256);
	dt_mkdirs(at("png/mut/a"));
	CHECK(dt_png_write(at("png/mut/a/1.png"), &img) == 0);
	if (dt_read_file(at("png/mut/a/1.png"), &b, &len) != 0)
		return;
	m = malloc(len);
	for (i = 0; m && i < 2 * len; i++) {
		memcpy(m, b, len);
		if (i < len)
			m[i] ^= (unsigned char)(1u << (i % 8));
		CHECK(dt_write_file(at("png/mut/a/1.png"), m,
				    i < len ? len : i - len) == 0);
		ds = NULL;
		rc = opr_dataset_open(spec("png", "png/mut"), OPR_SPLIT_TEST, &ds, &err);
		opr_dataset_free(ds);
		failed += rc != OPR_OK;
		if (rc != OPR_OK && (rc != OPR_EPARSE || !strstr(err.msg, "mut/a/1.png"))) {
			if (bad++ < 3)
				fprintf(stderr, "  mutation %zu: %s\n", i, err.msg);
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(failed > (int)len);	/* most mutations must be caught */
	free(m);
	free(b);
}

static void test_spec(void)
{
	EXPECT_OPEN_FAIL("foo:/tmp", OPR_SPLIT_TEST, OPR_EUSAGE, "want KIND:PATH");
	EXPECT_OPEN_FAIL("cifar10", OPR_SPLIT_TEST, OPR_EUSAGE, "want KIND:PATH");
	EXPECT_OPEN_FAIL("cifar10:", OPR_SPLIT_TEST, OPR_EUSAGE, "empty path");
	EXPECT_OPEN_FAIL("/tmp/x.bin", OPR_SPLIT_TEST, OPR_EUSAGE, "want KIND:PATH");
	EXPECT_OPEN_FAIL(spec("cifar10", "cifar/test_batch.bin"), 7, OPR_EUSAGE,
			 "bad split 7");
	EXPECT_OPEN_FAIL(NULL, OPR_SPLIT_TEST, OPR_EUSAGE, "no spec");
}

static void expect_floats_fail(const char *s, int max, const char *needle)
{
	struct opr_err err = { 0, "" };
	float v[4];
	int n = -1, rc = opr_parse_floats(s, v, max, &n, &err);

	CHECK_EQ(rc, OPR_EUSAGE);
	CHECK_EQ(n, 0);
	CHECK(strstr(err.msg, needle) != NULL);
	if (!strstr(err.msg, needle))
		fprintf(stderr, "  '%s' -> '%s', want '%s'\n", s, err.msg, needle);
}

static void test_floats(void)
{
	struct opr_err err;
	float v[4];
	int n;

	CHECK_EQ(opr_parse_floats(" 1.5 , -2,3e-1", v, 3, &n, &err), OPR_OK);
	CHECK(n == 3 && v[0] == 1.5f && v[1] == -2.0f && v[2] == 0.3f);
	CHECK_EQ(opr_parse_floats("0.5", v, 3, &n, &err), OPR_OK);
	CHECK(n == 1 && v[0] == 0.5f && v[1] == 0.5f && v[2] == 0.5f);
	expect_floats_fail("", 3, "empty item");
	expect_floats_fail("1,,2", 3, "empty item");
	expect_floats_fail("1,2,", 3, "empty item");
	expect_floats_fail("abc", 3, "'abc' is not a finite number");
	expect_floats_fail("1.5x,2", 3, "'1.5x' is not a finite number");
	expect_floats_fail("1 2", 3, "'1 2' is not a finite number");
	expect_floats_fail("nan", 3, "not a finite number");
	expect_floats_fail("inf", 3, "not a finite number");
	expect_floats_fail("1e999", 3, "not a finite number");
	expect_floats_fail("1,2,3,4", 3, "more than 3 values");
}

static void test_fill_args(void)
{
	struct opr_dataset *ds = NULL;
	struct opr_err err = { 0, "" };
	float out[3 * 32 * 32 * 2], zero[3] = { 1, 0, 1 };
	int bad[2] = { 0, 2 };

	if (opr_dataset_open(spec("cifar10", "cifar"), OPR_SPLIT_TEST, &ds,
			     &err) != OPR_OK)
		return;
	CHECK_EQ(opr_dataset_fill(ds, bad, 2, NULL, NULL, 3, 32, 32, out, &err),
		 OPR_EUSAGE);
	CHECK(strstr(err.msg, "image index 2 out of range [0, 2)") != NULL);
	CHECK_EQ(opr_dataset_fill(ds, NULL, 2, NULL, zero, 3, 32, 32, out, &err),
		 OPR_EUSAGE);
	CHECK(strstr(err.msg, "std of channel 1 is 0") != NULL);
	CHECK_EQ(opr_dataset_fill(ds, NULL, 1, NULL, NULL, 2, 32, 32, out, &err),
		 OPR_EUSAGE);
	CHECK(strstr(err.msg, "images have 3 channel(s), the model wants 2") != NULL);
	CHECK_EQ(opr_dataset_fill(ds, NULL, 1, NULL, NULL, 3, 0, 32, out, &err),
		 OPR_EUSAGE);
	CHECK_EQ(opr_dataset_fill(ds, NULL, 0, NULL, NULL, 3, 32, 32, NULL, &err),
		 OPR_OK);
	opr_dataset_free(ds);
}

int main(int argc, char **argv)
{
	snprintf(work, sizeof(work), "%s/bad", argc > 1 ? argv[1] : ".");
	dt_rmtree(work);
	if (dt_mkdirs(work) != 0) {
		fprintf(stderr, "cannot make %s\n", work);
		return 1;
	}
	test_cifar();
	test_idx();
	test_png();
	test_png_mutations();
	test_spec();
	test_floats();
	test_fill_args();
	return dt_report("test_data_bad");
}
