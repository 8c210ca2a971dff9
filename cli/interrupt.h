/* cli/interrupt.h - Ctrl-C (SIGINT) and SIGTERM while training: the first
 * asks the run to stop after the current step and save a checkpoint; a
 * second exits at once, which is safe because checkpoints are written
 * atomically: the last complete one stays intact. */
#ifndef MLPT_CLI_INTERRUPT_H
#define MLPT_CLI_INTERRUPT_H

#include <stdbool.h>

/* speak: whether this process says on stderr that it is stopping (in a run
 * of several processes, only the first does). */
void interrupt_install(bool speak);

/* Back to the default: after training, Ctrl-C stops the program at once. */
void interrupt_remove(void);

/* The signal received since interrupt_install, or 0. */
int interrupt_received(void);

#endif
