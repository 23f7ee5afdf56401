/*
 * augment.h - data augmentation of training batches: random crop with
 * padding and random horizontal flip, on NCHW float images that are
 * already normalised (as opr_dataset_fill() writes them).
 *
 * The transform is torchvision's RandomCrop(size=(H, W), padding=P)
 * followed by RandomHorizontalFlip(0.5), on the normalised image:
 *   1. pad: the image is surrounded by P pixels of fill[c] on every side,
 *      giving (H + 2P) x (W + 2P);
 *   2. crop: the H x W window whose top-left corner is (i, j) of the padded
 *      image, i and j uniform in [0, 2P] (torchvision's get_params);
 *   3. flip: with probability 1/2, column x takes column W - 1 - x.
 * So out[c][y][x] = in[c][y + i - P][x' + j - P] with x' = W - 1 - x when
 * flipped (else x), or fill[c] where that falls outside the image.
 *
 * Padding value.  torchvision pads before Normalize, with black (0); after
 * normalisation a black pixel is (0 - mean[c]) / std[c].  fill[] holds that
 * value per channel (opr_augment_fill_values() computes it with the same
 * float operations as opr_dataset_fill(), so a padded pixel equals a black
 * pixel of the data bit for bit), and the crop runs on the normalised
 * batch, which is the same image as padding the raw one.
 *
 * Randomness: image k of an epoch (its position in the epoch's order) draws
 * i, j and the flip, in that order, from the stream opr_rng_key(seed,
 * OPR_RNG_AUGMENT, epoch, k) (rng.h): i = below(2P + 1), j = below(2P + 1)
 * when P > 0, flip = the top bit of the next draw when flipping is on.
 * The draws of an image do not depend on the batch size or on the images
 * before it.
 */
#ifndef OPR_TRAIN_AUGMENT_H
#define OPR_TRAIN_AUGMENT_H

#include <stdint.h>

/* What augmentation to do; a zeroed struct does none. */
struct opr_augment {
	int pad;		/* crop padding P in pixels, >= 0; 0: no crop
				   (4 for 32x32 CIFAR and 28x28 Fashion-MNIST) */
	int flip;		/* 1: random horizontal flip */
};

/* One image's draw. */
struct opr_aug_draw {
	int i, j;		/* top-left of the crop in the padded image,
				   each in [0, 2P]; P, P is no shift */
	int flip;		/* 1: flipped left-right */
};

/*
 * fill[c] = (0 - mean[c]) / std[c] for c < n: the normalised value of a
 * black pixel; mean NULL means 0, std NULL means 1.
 */
void opr_augment_fill_values(const float *mean, const float *std, int n,
			     float *fill);

/* Draws the crop and flip of one image from *rng (see above). */
void opr_augment_draw(const struct opr_augment *a, uint64_t *rng,
		      struct opr_aug_draw *d);

/*
 * Applies draw d to one c x h x w image img in place, padding with fill[c]
 * and P = a->pad.  scratch holds h * w floats and must not overlap img.
 */
void opr_augment_image(float *img, int c, int h, int w,
		       const struct opr_augment *a, const struct opr_aug_draw *d,
		       const float *fill, float *scratch);

/*
 * Augments the n images of the NCHW batch x in place; image k of the batch
 * is image first + k of the epoch, and draws from the stream keyed by
 * (seed, epoch, first + k).  scratch holds h * w floats.
 */
void opr_augment_batch(float *x, int n, int c, int h, int w,
		       const struct opr_augment *a, const float *fill,
		       uint64_t seed, long epoch, long first, float *scratch);

#endif
