/*
 * interrupt.c - the SIGINT flag of interrupt.h.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "train/interrupt.h"

static volatile sig_atomic_t hit;	/* set by the handler */
static struct sigaction old;		/* the action replaced */
static int installed;			/* 1 while ours is in place */

static void on_sigint(int sig)
{
	static const char msg[] = "\nonnx-prune: interrupted: finishing the step "
				  "and writing the model (Ctrl-C again to kill)\n";
	ssize_t r;

	(void)sig;
	hit = 1;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
}

int opr_interrupt_install(struct opr_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	hit = 0;
	if (sigaction(SIGINT, &sa, installed ? NULL : &old))
		return opr_errf(err, OPR_EINTERNAL, "cannot catch SIGINT");
	installed = 1;
	return OPR_OK;
}

int opr_interrupted(void)
{
	return hit != 0;
}

void opr_interrupt_restore(void)
{
	if (!installed)
		return;
	sigaction(SIGINT, &old, NULL);
	installed = 0;
}
