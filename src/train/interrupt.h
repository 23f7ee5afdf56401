/*
 * interrupt.h - Ctrl-C during training: the first SIGINT sets a flag that
 * the training loop polls between steps (to write the model trained so far
 * and exit cleanly), the second one kills the process as SIGINT normally
 * does.
 *
 * The handler is installed with SA_RESETHAND, so the kernel puts back the
 * default action as it delivers the first signal, and a second Ctrl-C
 * during the clean exit (a slow write, a hung file system) terminates at
 * once.  The handler also writes one line to stderr with write(2), which is
 * async-signal-safe.  Signal dispositions belong to the process: the
 * command (src/cli) installs and restores; library code only polls.
 */
#ifndef OPR_TRAIN_INTERRUPT_H
#define OPR_TRAIN_INTERRUPT_H

#include "onnx_prune.h"

/*
 * Clears the flag and installs the SIGINT handler, remembering the old
 * action.  OPR_EINTERNAL when sigaction() fails.
 */
int opr_interrupt_install(struct opr_err *err);

/* 1 once SIGINT arrived since opr_interrupt_install(), else 0. */
int opr_interrupted(void);

/* Puts back the action that opr_interrupt_install() replaced. */
void opr_interrupt_restore(void);

#endif
