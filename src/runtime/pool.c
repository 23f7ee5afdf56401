/*
 * pool.c - the runtime's thread pool: n - 1 pthreads that wait for a job
 * (a task function and a task count), take tasks from an atomic counter
 * together with the calling thread, and report when they are done.  One
 * job at a time; jobs are issued by the thread that owns the runtime.
 */
#include <stdlib.h>

#include "runtime/runtime.h"

/* Takes tasks of the current job until none is left. */
static void work(struct rt_pool *p, int tid)
{
	long long t;

	while ((t = atomic_fetch_add(&p->next, 1)) < p->ntasks)
		p->fn(p->arg, (int64_t)t, tid);
}

struct worker_arg {
	struct rt_pool *p;
	int tid;
};

static void *worker(void *arg)
{
	struct worker_arg wa = *(struct worker_arg *)arg;
	struct rt_pool *p = wa.p;
	unsigned long seen = 0;

	free(arg);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->stop)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		work(p, wa.tid);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int opr_rt_pool_init(struct rt_pool *p, int n, struct opr_err *err)
{
	int i;

	p->n = n < 1 ? 1 : n;
	atomic_init(&p->next, 0);
	if (pthread_mutex_init(&p->mu, NULL))
		return opr_errf(err, OPR_ENOMEM, "cannot create a mutex");
	if (pthread_cond_init(&p->go, NULL) || pthread_cond_init(&p->done, NULL))
		return opr_errf(err, OPR_ENOMEM, "cannot create a condition");
	p->started = 1;
	if (p->n == 1)
		return OPR_OK;
	p->th = calloc((size_t)p->n, sizeof(pthread_t));
	if (!p->th)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (i = 1; i < p->n; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));

		if (!wa || (wa->p = p, wa->tid = i,
			    pthread_create(&p->th[i - 1], NULL, worker, wa))) {
			free(wa);
			p->n = i;	/* the workers made so far get joined */
			return opr_errf(err, OPR_ENOMEM, "cannot start thread %d", i);
		}
	}
	return OPR_OK;
}

void opr_rt_pool_run(struct rt_pool *p, int64_t ntasks, rt_task_fn fn, void *arg)
{
	int64_t t;

	if (ntasks <= 0)
		return;
	if (p->n == 1 || ntasks == 1) {
		for (t = 0; t < ntasks; t++)
			fn(arg, t, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	atomic_store(&p->next, 0);
	p->busy = p->n - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	work(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void opr_rt_pool_free(struct rt_pool *p)
{
	int i;

	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (i = 1; i < p->n; i++)
		pthread_join(p->th[i - 1], NULL);
	free(p->th);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	p->started = 0;
}

struct range_job {
	rt_range_fn fn;
	void *arg;
	int64_t total, chunk;
};

static void range_task(void *arg, int64_t t, int tid)
{
	struct range_job *j = arg;
	int64_t b = t * j->chunk, e = b + j->chunk;

	j->fn(j->arg, b, e < j->total ? e : j->total, tid);
}

void opr_rt_parallel_range(struct opr_rt *rt, int64_t total, int64_t grain,
		       rt_range_fn fn, void *arg)
{
	struct range_job j = { fn, arg, total, 0 };
	int64_t chunks, want = (int64_t)rt->pool.n * 4;

	if (total <= 0)
		return;
	if (grain < 1)
		grain = 1;
	j.chunk = (total + want - 1) / want;
	if (j.chunk < grain)
		j.chunk = grain;
	chunks = (total + j.chunk - 1) / j.chunk;
	if (chunks <= 1 || rt->pool.n == 1) {
		fn(arg, 0, total, 0);
		return;
	}
	opr_rt_pool_run(&rt->pool, chunks, range_task, &j);
}
