/*
 * test_data_real.c - the loaders on real data: the partial CIFAR-10 in
 * /work/shared/data/cifar10 (1017 records per file) and Debian's
 * Fashion-MNIST (gzipped IDX, 60000 + 10000 images).
 *
 * Usage: test_data_real CIFAR10_DIR FASHION_DIR WORKDIR.  A data set that
 * is missing is skipped; when both are, the exit status is 77 (CTest SKIP).
 * Labels are checked against the independent copies in CIFAR10_DIR/labels/
 * and pixels against the raw records; the IDX loader is also run on an
 * unzipped copy of the Fashion-MNIST test files written to WORKDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data_test.h"

static const char *const batches[6] = {
	"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
	"data_batch_5", "test_batch",
};

/* Checks labels and pixels of the images from first on against one file. */
static void check_against_file(const struct opr_dataset *ds, int first,
			       const char *dir, const char *batch)
{
	char path[4096];
	unsigned char *raw, *lab;
	size_t len, llen;
	int i, bad_lab = 0, bad_pix = 0, count;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, batch);
	CHECK(dt_read_file(path, &raw, &len) == 0);
	snprintf(path, sizeof(path), "%s/labels/%s.labels", dir, batch);
	CHECK(dt_read_file(path, &lab, &llen) == 0);
	if (!raw || !lab)
		goto out;
	count = (int)(len / 3073);
	CHECK_EQ(count, 1017);
	CHECK(llen >= (size_t)count);
	for (i = 0; i < count && first + i < ds->n && (size_t)i < llen; i++) {
		bad_lab += ds->labels[first + i] != lab[i] ||
			   ds->labels[first + i] != raw[(size_t)i * 3073];
		bad_pix += memcmp(ds->pixels + (size_t)(first + i) * 3072,
				  raw + (size_t)i * 3073 + 1, 3072) != 0;
	}
	CHECK_EQ(bad_lab, 0);
	CHECK_EQ(bad_pix, 0);
out:
	free(raw);
	free(lab);
}

static void test_cifar10(const char *dir)
{
	static const int train_first[5] = { 6, 9, 9, 4, 1 };
	static const int test_first[5] = { 3, 8, 8, 0, 6 };
	struct opr_dataset *ds = NULL, *one = NULL;
	struct opr_err err = { 0, "" };
	char spec[4200];
	float mean[3], std[3], out[2 * 3 * 32 * 32];
	int i, n, idx[2] = { 1016, 0 };

	snprintf(spec, sizeof(spec), "cifar10:%s", dir);
	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TRAIN, &ds, &err), OPR_OK);
	if (!ds) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_EQ(ds->n, 5085);
	CHECK(ds->c == 3 && ds->h == 32 && ds->w == 32 && ds->depth == 8);
	CHECK(ds->pixels && !ds->pixels16);
	for (i = 0; i < 5; i++)
		CHECK_EQ(ds->labels[i], train_first[i]);
	CHECK_EQ(ds->n_classes, 10);
	CHECK(!strcmp(ds->class_names[6], "frog"));
	CHECK(!strcmp(ds->class_names[0], "airplane"));
	for (i = 0; i < 5; i++)
		check_against_file(ds, 1017 * i, dir, batches[i]);
	opr_dataset_free(ds);

	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TEST, &ds, &err), OPR_OK);
	if (!ds)
		return;
	CHECK_EQ(ds->n, 1017);
	for (i = 0; i < 5; i++)
		CHECK_EQ(ds->labels[i], test_first[i]);
	CHECK(!strcmp(ds->class_names[3], "cat"));
	check_against_file(ds, 0, dir, "test_batch");

	/* One file: either split reads it, names from the file's folder. */
	snprintf(spec, sizeof(spec), "cifar10:%s/test_batch.bin", dir);
	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TRAIN, &one, &err), OPR_OK);
	if (one) {
		CHECK_EQ(one->n, 1017);
		CHECK(!memcmp(one->pixels, ds->pixels, (size_t)1017 * 3072));
		CHECK(!strcmp(one->class_names[9], "truck"));
		opr_dataset_free(one);
	}

	/* A normalised batch in a chosen order. */
	CHECK_EQ(opr_parse_floats("0.4914, 0.4822,0.4465", mean, 3, &n, &err), OPR_OK);
	CHECK_EQ(n, 3);
	CHECK_EQ(opr_parse_floats("0.247,0.243,0.261", std, 3, &n, &err), OPR_OK);
	CHECK_EQ(opr_dataset_fill(ds, idx, 2, mean, std, 3, 32, 32, out, &err),
		 OPR_OK);
	for (i = 0; i < 3 * 1024; i += 517) {
		int c = i / 1024;
		float x = ds->pixels[(size_t)1016 * 3072 + i] / 255.0f;
		float y = ds->pixels[i] / 255.0f;

		CHECK_NEAR(out[i], (x - mean[c]) / std[c], 1e-6);
		CHECK_NEAR(out[3072 + i], (y - mean[c]) / std[c], 1e-6);
	}
	opr_dataset_free(ds);
}

/* Unzips src into dst; 0 on success. */
static int gunzip(const char *src, const char *dst)
{
	gzFile gz = gzopen(src, "rb");
	unsigned char *buf = malloc(1 << 16);
	FILE *f = fopen(dst, "wb");
	int r, rc = -1;

	if (!gz || !buf || !f)
		goto out;
	while ((r = gzread(gz, buf, 1 << 16)) > 0)
		if (fwrite(buf, 1, (size_t)r, f) != (size_t)r)
			goto out;
	rc = r == 0 ? 0 : -1;
out:
	if (gz)
		gzclose(gz);
	if (f && fclose(f) != 0)
		rc = -1;
	free(buf);
	return rc;
}

static void test_fashion(const char *dir, const char *work)
{
	struct opr_dataset *ds = NULL, *raw = NULL;
	struct opr_err err = { 0, "" };
	char spec[4200], a[4200], b[4200];
	int i, hist[10] = { 0 }, bad = 0;

	snprintf(spec, sizeof(spec), "fashion-mnist:%s", dir);
	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TRAIN, &ds, &err), OPR_OK);
	if (!ds) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_EQ(ds->n, 60000);
	CHECK(ds->c == 1 && ds->h == 28 && ds->w == 28 && ds->depth == 8);
	for (i = 0; i < ds->n; i++)
		hist[ds->labels[i]]++;
	for (i = 0; i < 10; i++)
		CHECK_EQ(hist[i], 6000);
	opr_dataset_free(ds);

	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TEST, &ds, &err), OPR_OK);
	if (!ds)
		return;
	CHECK_EQ(ds->n, 10000);
	CHECK_EQ(ds->labels[0], 9);
	CHECK_EQ(ds->n_classes, 10);
	CHECK(!strcmp(ds->class_names[ds->labels[0]], "Ankle boot"));
	CHECK(!strcmp(ds->class_names[0], "T-shirt/top"));

	/* The same files unzipped, through the "idx" kind. */
	snprintf(a, sizeof(a), "%s/idx", work);
	dt_rmtree(a);
	CHECK(dt_mkdirs(a) == 0);
	snprintf(a, sizeof(a), "%s/t10k-images-idx3-ubyte.gz", dir);
	snprintf(b, sizeof(b), "%s/idx/t10k-images-idx3-ubyte", work);
	CHECK(gunzip(a, b) == 0);
	snprintf(a, sizeof(a), "%s/t10k-labels-idx1-ubyte.gz", dir);
	snprintf(b, sizeof(b), "%s/idx/t10k-labels-idx1-ubyte", work);
	CHECK(gunzip(a, b) == 0);
	snprintf(spec, sizeof(spec), "idx:%s/idx", work);
	CHECK_EQ(opr_dataset_open(spec, OPR_SPLIT_TEST, &raw, &err), OPR_OK);
	if (raw) {
		CHECK_EQ(raw->n, 10000);
		CHECK(!memcmp(raw->pixels, ds->pixels, (size_t)10000 * 784));
		for (i = 0; i < raw->n; i++)
			bad += raw->labels[i] != ds->labels[i];
		CHECK_EQ(bad, 0);
		CHECK_EQ(raw->n_classes, 10);
		CHECK(!strcmp(raw->class_names[9], "9"));
		opr_dataset_free(raw);
	}
	/* The train files are not there: a clear error. */
	EXPECT_OPEN_FAIL(spec, OPR_SPLIT_TRAIN, OPR_EIO, "train-labels-idx1-ubyte");
	opr_dataset_free(ds);
}

int main(int argc, char **argv)
{
	const char *cifar = argc > 1 ? argv[1] : "/work/shared/data/cifar10";
	const char *fashion = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
	const char *work = argc > 3 ? argv[3] : ".";
	char probe[4200];
	int ran = 0;

	snprintf(probe, sizeof(probe), "%s/test_batch.bin", cifar);
	if (dt_is_file(probe)) {
		test_cifar10(cifar);
		ran++;
	} else {
		printf("SKIP CIFAR-10: %s missing\n", probe);
	}
	snprintf(probe, sizeof(probe), "%s/t10k-labels-idx1-ubyte.gz", fashion);
	if (dt_is_file(probe)) {
		test_fashion(fashion, work);
		ran++;
	} else {
		printf("SKIP Fashion-MNIST: %s missing\n", probe);
	}
	if (!ran)
		return 77;
	return dt_report("test_data_real");
}
