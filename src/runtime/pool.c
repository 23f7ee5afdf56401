/*
 * pool.c - the runtime's thread pool: n - 1 pthreads that wait for a job
 * (a task function and a task count), take tasks from an atomic counter
 * together with the calling thread, and report when they are done.  One
 * job at a time; jobs are issued by the thread that owns the runtime.
 *
 * A forward pass issues a job per op, often microseconds apart, so idle
 * workers first spin on the job number (POOL_SPIN pauses, some tens of
 * microseconds) and only then sleep on a condition variable; the caller
 * waits for the job's last task the same way.  Sleeping and waking go
 * through the mutex, so no wake-up is lost: a worker re-checks the job
 * number under the mutex before it sleeps, and the caller signals under it.
 *
 * Tasks are handed out from one 64-bit counter tagged with the job number
 * (job << 32 | task), taken by compare-and-swap: a worker that wakes late
 * and still holds an old job number takes nothing, so the caller can move
 * on as soon as the tasks are done.  The caller retags the counter before
 * it changes fn and arg, so a task taken under a tag always runs with
 * that job's fn and arg.
 */
#include <stdlib.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define POOL_SPIN 4000		/* pauses before sleeping */
#define TAG(g) ((unsigned long long)((g) & 0xffffffffu) << 32)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Runs tasks of job g until none is left or the job changed. */
static void work(struct rt_pool *p, unsigned long g, int tid)
{
	rt_task_fn fn = atomic_load(&p->fn);
	void *arg = atomic_load(&p->arg);
	long long nt = atomic_load(&p->ntasks);
	unsigned long long v;

	for (;;) {
		v = atomic_load(&p->next);
		do {
			if ((v & ~0xffffffffull) != TAG(g) ||
			    (long long)(v & 0xffffffffu) >= nt)
				return;
		} while (!atomic_compare_exchange_weak(&p->next, &v, v + 1));
		fn(arg, (int64_t)(v & 0xffffffffu), tid);
		if (atomic_fetch_add(&p->finished, 1) + 1 == nt) {
			pthread_mutex_lock(&p->mu);
			if (p->waiting)
				pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

struct worker_arg {
	struct rt_pool *p;
	int tid;
};

/* Waits until the job number moves past seen (or stop); returns it. */
static unsigned long wait_job(struct rt_pool *p, unsigned long seen)
{
	unsigned long g;
	int spins = 0;

	while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop)) {
		if (++spins < POOL_SPIN) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->sleepers++;
		while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
			pthread_cond_wait(&p->go, &p->mu);
		p->sleepers--;
		pthread_mutex_unlock(&p->mu);
		spins = 0;
	}
	return g;
}

static void *worker(void *arg)
{
	struct worker_arg wa = *(struct worker_arg *)arg;
	struct rt_pool *p = wa.p;
	unsigned long seen = 0;

	free(arg);
	for (;;) {
		seen = wait_job(p, seen);
		if (atomic_load(&p->stop))
			break;
		work(p, seen, wa.tid);
	}
	return NULL;
}

int opr_rt_threads(int threads)
{
	if (threads <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		threads = c > 0 ? (int)c : 1;
	}
	return threads > 256 ? 256 : threads;
}

int opr_rt_pool_init(struct rt_pool *p, int n, struct opr_err *err)
{
	int i;

	p->n = n < 1 ? 1 : n;
	atomic_init(&p->gen, 0);
	atomic_init(&p->next, 0);
	atomic_init(&p->finished, 0);
	atomic_init(&p->fn, NULL);
	atomic_init(&p->arg, NULL);
	atomic_init(&p->ntasks, 0);
	atomic_init(&p->stop, 0);
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
	unsigned long g;
	int64_t t;
	int spins = 0;

	if (ntasks <= 0)
		return;
	if (p->n == 1 || ntasks == 1 || ntasks > 0x7fffffff) {
		for (t = 0; t < ntasks; t++)
			fn(arg, t, 0);
		return;
	}
	g = atomic_load(&p->gen) + 1;
	atomic_store(&p->next, TAG(g));	/* first: old tags take nothing */
	atomic_store(&p->fn, fn);
	atomic_store(&p->arg, arg);
	atomic_store(&p->ntasks, ntasks);
	atomic_store(&p->finished, 0);
	atomic_store(&p->gen, g);
	pthread_mutex_lock(&p->mu);
	if (p->sleepers)
		pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	work(p, g, 0);
	while (atomic_load(&p->finished) < ntasks) {
		if (++spins < POOL_SPIN) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->waiting = 1;
		while (atomic_load(&p->finished) < ntasks)
			pthread_cond_wait(&p->done, &p->mu);
		p->waiting = 0;
		pthread_mutex_unlock(&p->mu);
	}
}

void opr_rt_pool_free(struct rt_pool *p)
{
	int i;

	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
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

double opr_rt_par_min(void)
{
	static double v = -1;

	if (v < 0) {
		const char *e = getenv("OPR_RT_PAR_MIN");

		v = e ? atof(e) : 1.5e6;
	}
	return v;
}

void opr_rt_pool_run_work(struct opr_rt *rt, int64_t ntasks, rt_task_fn fn,
			  void *arg, double macs)
{
	int64_t t;

	if (macs >= opr_rt_par_min()) {
		opr_rt_pool_run(&rt->pool, ntasks, fn, arg);
		return;
	}
	for (t = 0; t < ntasks; t++)
		fn(arg, t, 0);
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

void opr_rt_pool_range(struct rt_pool *p, int64_t total, int64_t grain,
		       rt_range_fn fn, void *arg)
{
	struct range_job j = { fn, arg, total, 0 };
	int64_t chunks, want = (int64_t)p->n * 4;

	if (total <= 0)
		return;
	if (grain < 1)
		grain = 1;
	j.chunk = (total + want - 1) / want;
	if (j.chunk < grain)
		j.chunk = grain;
	chunks = (total + j.chunk - 1) / j.chunk;
	if (chunks <= 1 || p->n == 1) {
		fn(arg, 0, total, 0);
		return;
	}
	opr_rt_pool_run(p, chunks, range_task, &j);
}

void opr_rt_parallel_range(struct opr_rt *rt, int64_t total, int64_t grain,
		       rt_range_fn fn, void *arg)
{
	opr_rt_pool_range(&rt->pool, total, grain, fn, arg);
}
