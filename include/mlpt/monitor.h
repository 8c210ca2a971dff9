/* mlpt/monitor.h - a figure watched from epoch to epoch (the loss or a
 * metric, on the training batches or the validation split), and what
 * Keras's callbacks decide from it: EarlyStopping (with
 * restore_best_weights) and ModelCheckpoint(save_best_only=True).
 *
 * Whether lower or higher is better follows from the figure: the loss and
 * the error metrics lower, the scores higher (mlpt_metric_ops's
 * higher_is_better), as Keras's mode="auto" decides it. The state is a few
 * numbers a checkpoint holds, so a resumed run decides as an uninterrupted
 * one would. */
#ifndef MLPT_MONITOR_H
#define MLPT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include "mlpt/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_monitor {
    bool set;              /* false: nothing is watched */
    bool val;              /* the validation figure (val_loss, val_accuracy) */
    int metric;            /* its index in the run's metrics; -1: the loss */
    bool higher_is_better;
} mlpt_monitor;

/* Reads `loss`, `val_loss`, or a name of `metrics` with or without `val_`
 * into m; validation says whether there is a validation split. On failure
 * why says what is wrong: a figure that is not computed, or val_ without
 * a validation split. */
int mlpt_monitor_parse(const char *word, const mlpt_metric_list *metrics, bool validation,
                       mlpt_monitor *m, mlpt_why *why);

/* "val_accuracy": m's name, as history.csv's column. */
const char *mlpt_monitor_name(const mlpt_monitor *m, const mlpt_metric_list *metrics,
                              char *buf, size_t cap);

/* Whether value improves on best by more than min_delta in the direction
 * higher_is_better says (NaN never does). */
bool mlpt_monitor_improves(bool higher_is_better, double value, double best, double min_delta);

/* Where a best value starts: the worst there is (+inf or -inf). */
double mlpt_monitor_worst(bool higher_is_better);

/* What a monitor has seen so far. */
typedef struct mlpt_watch {
    double best;    /* the best value (mlpt_monitor_worst at the start) */
    int best_epoch; /* 1-based epoch of the best value, or whose weights are kept; 0: none */
    int wait;       /* epochs since the last improvement */
} mlpt_watch;

/* A watch that has seen nothing. */
mlpt_watch mlpt_watch_start(const mlpt_monitor *m);

/* [train] early_stopping = MONITOR PATIENCE [min_delta D]. */
typedef struct mlpt_early_stopping {
    mlpt_monitor monitor; /* monitor.set false: off */
    int patience;
    double min_delta;     /* >= 0 */
} mlpt_early_stopping;

/* Keras's EarlyStopping.on_epoch_end for 1-based `epoch` whose figure is
 * value: updates w; *keep says whether this epoch's weights are to be kept
 * as the best (an improvement, or the first epoch seen). Returns whether
 * training stops here: PATIENCE epochs in a row without an improvement of
 * more than min_delta. */
bool mlpt_early_stopping_update(const mlpt_early_stopping *es, mlpt_watch *w, int epoch,
                                double value, bool *keep);

/* ModelCheckpoint(save_best_only=True): whether value, the figure of
 * 1-based `epoch`, improves on the best so far (then recorded in w). */
bool mlpt_save_best_update(const mlpt_monitor *m, mlpt_watch *w, int epoch, double value);

#ifdef __cplusplus
}
#endif
#endif
