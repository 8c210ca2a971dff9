/* cli/progress.h - Keras's per-epoch progress bar:
 *   1875/1875 [==============================] - 1s 640us/step - loss: 0.29 - accuracy: 0.91
 * redrawn in place on a terminal (at most ten times a second), printed once
 * per epoch otherwise. */
#ifndef MLPT_CLI_PROGRESS_H
#define MLPT_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "mlpt/train.h"

typedef struct progress {
    FILE *f;
    bool live;           /* redraw in place */
    bool show_accuracy;
    double start, last_draw;
} progress;

/* Monotonic seconds. */
double progress_now(void);

void progress_begin(progress *p, FILE *f, bool live, bool show_accuracy, int epoch,
                    int epochs);

/* mlpt_step_fn: draws the bar (throttled). user is a progress*. */
int progress_step(const mlpt_epoch_stats *s, void *user);

/* Final line of the epoch, with validation figures when val is not NULL. */
void progress_end(progress *p, const mlpt_epoch_stats *s, const double *val_loss,
                  const double *val_accuracy);

#endif
