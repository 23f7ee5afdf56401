/*
 * loss.c - the training losses on logits [n][k]: softmax cross-entropy
 * against labels (optionally smoothed), and the distillation loss against
 * a teacher's logits at a temperature.  Log-sum-exp is taken from the row
 * maximum, in double; probabilities are recomputed from it, so any k works
 * without a buffer.
 */
#include <math.h>

#include "train/train.h"

/* log(sum_j exp(z[j] / T)) in double. */
static double lse_row(const float *z, int k, double T)
{
	double m = -INFINITY, s = 0;
	int j;

	for (j = 0; j < k; j++)
		if (z[j] / T > m)
			m = z[j] / T;
	for (j = 0; j < k; j++)
		s += exp(z[j] / T - m);
	return m + log(s);
}

double opr_loss_smoothed_ce(const float *z, const int *labels, int n, int k,
			    float eps, float w, float *dz)
{
	double total = 0, off = (double)eps / k, on = 1.0 - eps + off;
	int i, j;

	if (n < 1 || k < 1)
		return 0;
	for (i = 0; i < n; i++) {
		const float *zi = z + (int64_t)i * k;
		float *di = dz ? dz + (int64_t)i * k : NULL;
		int y = labels[i];
		double lse, dot = 0;

		if (y < 0 || y >= k)
			continue;
		lse = lse_row(zi, k, 1.0);
		for (j = 0; j < k; j++) {
			double q = j == y ? on : off;

			dot += q * zi[j];
			if (di)
				di[j] += (float)(w * (exp(zi[j] - lse) - q) / n);
		}
		total += lse - dot;
	}
	return total / n;
}

double opr_loss_softmax_ce(const float *z, const int *labels, int n, int k,
			   float w, float *dz)
{
	return opr_loss_smoothed_ce(z, labels, n, k, 0.0f, w, dz);
}

double opr_loss_distill(const float *z, const float *teacher, int n, int k,
			float T, float w, float *dz)
{
	double total = 0;
	int i, j;

	if (n < 1 || k < 1 || !(T > 0))
		return 0;
	for (i = 0; i < n; i++) {
		const float *zi = z + (int64_t)i * k, *ti = teacher + (int64_t)i * k;
		double ls = lse_row(zi, k, T), lt = lse_row(ti, k, T);

		for (j = 0; j < k; j++) {
			double lq = zi[j] / (double)T - ls, lp = ti[j] / (double)T - lt;
			double p = exp(lp);

			total += p * (lp - lq);		/* KL(p || q) */
			if (dz)
				dz[(int64_t)i * k + j] += (float)(w * T *
								  (exp(lq) - p) / n);
		}
	}
	return (double)T * T * total / n;
}
