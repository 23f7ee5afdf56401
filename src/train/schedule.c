/*
 * schedule.c - the learning-rate schedules of schedule.h and the parser of
 * their command-line specs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/schedule.h"

#define PI 3.14159265358979323846

/* Checks the fields that only some kinds use. */
static int check_kind(const struct opr_sched *s, struct opr_err *err)
{
	int i;

	if (s->kind == OPR_SCHED_STEP) {
		if (!isfinite(s->gamma) || s->gamma <= 0.0)
			return opr_errf(err, OPR_EUSAGE,
					"schedule: gamma %g, want > 0", s->gamma);
		if (s->n_milestones < 0 ||
		    s->n_milestones > OPR_SCHED_MAX_MILESTONES)
			return opr_errf(err, OPR_EUSAGE,
					"schedule: %d milestones, at most %d",
					s->n_milestones, OPR_SCHED_MAX_MILESTONES);
		for (i = 0; i < s->n_milestones; i++)
			if (s->milestones[i] < 0 ||
			    (i > 0 && s->milestones[i] < s->milestones[i - 1]))
				return opr_errf(err, OPR_EUSAGE,
						"schedule: milestones must be >= 0 "
						"and ascending");
	}
	if (s->kind == OPR_SCHED_COSINE) {
		if (!isfinite(s->min) || s->min < 0.0 || s->min > s->base)
			return opr_errf(err, OPR_EUSAGE,
					"schedule: cosine floor %g, want a value "
					"in [0, %g]", s->min, s->base);
		if (s->total <= s->warmup)
			return opr_errf(err, OPR_EUSAGE,
					"schedule: cosine over %ld units with %ld "
					"of warm-up, want more", s->total,
					s->warmup);
	}
	return OPR_OK;
}

int opr_sched_check(const struct opr_sched *s, struct opr_err *err)
{
	if (s->kind != OPR_SCHED_CONST && s->kind != OPR_SCHED_STEP &&
	    s->kind != OPR_SCHED_COSINE)
		return opr_errf(err, OPR_EUSAGE, "schedule: unknown kind %d",
				s->kind);
	if (!isfinite(s->base) || s->base <= 0.0)
		return opr_errf(err, OPR_EUSAGE,
				"schedule: learning rate %g, want > 0", s->base);
	if (s->warmup < 0 || !isfinite(s->warmup_start) ||
	    s->warmup_start < 0.0 || s->warmup_start > 1.0)
		return opr_errf(err, OPR_EUSAGE,
				"schedule: warm-up %ld from %g, want >= 0 units "
				"from a factor in (0, 1]", s->warmup,
				s->warmup_start);
	if (s->steps_per_epoch < 0)
		return opr_errf(err, OPR_EUSAGE,
				"schedule: %ld steps per epoch, want >= 0",
				s->steps_per_epoch);
	return check_kind(s, err);
}

double opr_sched_lr(const struct opr_sched *s, long step)
{
	long t = s->steps_per_epoch > 0 ? step / s->steps_per_epoch : step;
	double f, u, T;
	int i, k;

	if (t < 0)
		t = 0;
	if (t < s->warmup) {
		f = s->warmup_start > 0.0 ? s->warmup_start : 1.0 / (double)s->warmup;
		return s->base * (f + (1.0 - f) * (double)t / (double)s->warmup);
	}
	switch (s->kind) {
	case OPR_SCHED_STEP:
		for (i = 0, k = 0; i < s->n_milestones; i++)
			k += s->milestones[i] <= t;
		return s->base * pow(s->gamma, k);
	case OPR_SCHED_COSINE:
		u = (double)(t - s->warmup);
		T = (double)(s->total - s->warmup);
		if (u >= T)
			return s->min;
		return s->min + (s->base - s->min) * (1.0 + cos(PI * u / T)) / 2.0;
	default:
		return s->base;
	}
}

/* Parses a finite double at *p, moving *p past it; 0 on success. */
static int parse_num(const char **p, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(*p, &end);
	if (end == *p || errno || !isfinite(*v))
		return -1;
	*p = end;
	return 0;
}

/* Parses "M1,M2,...[@G]" into s. */
static int parse_step(struct opr_sched *s, const char *p)
{
	double v;
	int n = 0;

	s->gamma = 0.1;
	for (;;) {
		if (n == OPR_SCHED_MAX_MILESTONES || parse_num(&p, &v) ||
		    v < 0.0 || v != floor(v) || v > 1e15)
			return -1;
		s->milestones[n++] = (long)v;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '@') {
		p++;
		if (parse_num(&p, &s->gamma))
			return -1;
	}
	s->n_milestones = n;
	return *p ? -1 : 0;
}

int opr_sched_parse(struct opr_sched *s, const char *spec,
		    struct opr_err *err)
{
	struct opr_sched t = *s;
	const char *p;
	int bad = 0;

	if (!strcmp(spec, "const")) {
		t.kind = OPR_SCHED_CONST;
	} else if (!strcmp(spec, "cosine")) {
		t.kind = OPR_SCHED_COSINE;
		t.min = 0.0;
	} else if (!strncmp(spec, "cosine:", 7)) {
		t.kind = OPR_SCHED_COSINE;
		p = spec + 7;
		bad = parse_num(&p, &t.min) || *p;
	} else if (!strncmp(spec, "step:", 5)) {
		t.kind = OPR_SCHED_STEP;
		bad = parse_step(&t, spec + 5);
	} else {
		bad = 1;
	}
	if (bad)
		return opr_errf(err, OPR_EUSAGE,
				"schedule '%s': want const, cosine[:MIN] or "
				"step:M1,M2,...[@GAMMA]", spec);
	*s = t;
	return OPR_OK;
}
