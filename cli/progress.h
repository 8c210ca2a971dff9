/* cli/progress.h - Keras's per-epoch progress bar:
 *   1875/1875 [==============================] - 1s 640us/step - loss: 0.29 - accuracy: 0.91
 * with " - lr: 0.0001", the rate of the last step, when a schedule varies it
 * redrawn in place on a terminal (at most ten times a second), printed once
 * per epoch otherwise. */
#ifndef MLPT_CLI_PROGRESS_H
#define MLPT_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "mlpt/fileio.h"
#include "mlpt/train.h"

typedef struct progress {
    FILE *f;
    bool live;           /* redraw in place */
    const mlpt_metric_list *metrics; /* shown after the loss */
    bool show_lr;        /* and the learning rate after them */
    double start, last_draw;
} progress;

/* Monotonic seconds. */
double progress_now(void);

void progress_begin(progress *p, FILE *f, bool live, const mlpt_metric_list *metrics,
                    bool show_lr, int epoch, int epochs);

/* mlpt_step_fn: draws the bar (throttled). user is a progress*. */
int progress_step(const mlpt_epoch_stats *s, void *user);

/* Final line of the epoch, with the validation figures of row when
 * validated. */
void progress_end(progress *p, const mlpt_epoch_stats *s, const mlpt_history_row *row,
                  bool validated);

#endif
