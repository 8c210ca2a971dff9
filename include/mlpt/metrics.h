/* mlpt/metrics.h - what a model is trained for (its task) and how well it
 * does it (its metrics).
 *
 * The task follows from the loss and the last layer's width (see
 * mlpt_task_of): it says what the targets are (class labels, or float
 * columns), how outputs become a predicted class, and which metrics mean
 * something. A metric is an entry of mlpt_metrics (engine/metric_*.c),
 * listed once in engine/tables.c: its running state is a few doubles of
 * sums and counts, added to row by row in sample order, so that a metric
 * over a batch, an epoch or a test set is the same at any thread count,
 * shard count or process count, and its state can be checkpointed. */
#ifndef MLPT_METRICS_H
#define MLPT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/tables.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The tasks, as bits: a metric lists the tasks it applies to. */
enum {
    MLPT_TASK_MULTICLASS = 1u, /* dense N softmax: one class of N per row */
    MLPT_TASK_BINARY = 2u,     /* dense 1 sigmoid: one of two classes per row */
    MLPT_TASK_MULTILABEL = 4u, /* dense N sigmoid: N independent 0/1 targets per row */
    MLPT_TASK_REGRESSION = 8u, /* dense N linear: N numbers per row */
};

struct mlpt_task {
    const char *name; /* "binary", as the model file and the console write it */
    unsigned bit;     /* MLPT_TASK_* */
    const char *metrics; /* what `metrics = auto` lists for it */
    /* Targets are `width` floats per row (multi-label, regression); else one
     * class label per row. */
    bool values;
    /* Label tasks: how many classes outputs `width` wide tell apart (a
     * single sigmoid: 2), and the class a row of outputs predicts. */
    int (*classes)(size_t width);
    size_t (*predict)(const float *out, size_t width);
};

/* The four tasks (engine/tasks.c), which the losses name. */
extern const mlpt_task mlpt_task_multiclass, mlpt_task_binary, mlpt_task_multilabel,
    mlpt_task_regression;

/* The task a model with loss `loss` and `width` outputs is trained for. */
const mlpt_task *mlpt_task_of(const mlpt_loss_ops *loss, size_t width);

/* The rows a metric takes in: outputs (probabilities, or values) and the
 * targets they are judged against. */
typedef struct mlpt_metric_rows {
    size_t rows, width;
    const float *out;    /* rows x width */
    mlpt_targets y;      /* labels (label tasks) or rows x width values */
    const mlpt_task *task;
} mlpt_metric_rows;

/* A metric (engine/metric_*.c). */
typedef struct mlpt_metric_ops {
    const char *name;       /* the `metrics` word, and the history.csv column */
    const char *arg;        /* the word after it (top_k_accuracy's "K"); NULL: none */
    int arg_default, arg_max; /* the argument's range is 1..arg_max */
    unsigned tasks;         /* MLPT_TASK_* bits it applies to */
    bool higher_is_better;  /* for monitors and seed summaries */
    /* Doubles of running state: fixed + per_output x the outputs' width. */
    size_t state_fixed, state_per_output;
    /* Adds the rows to state, in row order. */
    void (*add)(const mlpt_metric_rows *r, int arg, double *state);
    /* Its value from the state (NaN when no row told anything). */
    double (*value)(const double *state, size_t width, int arg);
} mlpt_metric_ops;

extern const mlpt_metric_ops *const mlpt_metrics[]; /* NULL-terminated */
const mlpt_metric_ops *mlpt_metric_named(const char *name);

#define MLPT_MAX_METRICS 8

/* A run's metrics, as `metrics =` lists them (loss is always computed and
 * is not one of them). */
typedef struct mlpt_metric {
    const mlpt_metric_ops *ops;
    int arg; /* its argument (arg_default when the config gives none); 0: none */
} mlpt_metric;

typedef struct mlpt_metric_list {
    int n;
    mlpt_metric m[MLPT_MAX_METRICS];
} mlpt_metric_list;

/* The doubles of every metric's state, one after the other. */
size_t mlpt_metrics_state_len(const mlpt_metric_list *l, size_t width);

/* Adds rows to every metric's state. */
void mlpt_metrics_add(const mlpt_metric_list *l, const mlpt_metric_rows *r, double *state);

/* Every metric's value into values[l->n]. */
void mlpt_metrics_values(const mlpt_metric_list *l, size_t width, const double *state,
                         double *values);

/* The ROC and precision-recall curves of n scores against their truths
 * (truth[i] non-zero: positive), at the thresholds the auc metric uses:
 * MLPT_AUC_THRESHOLDS points each, from the lowest threshold (everything
 * positive) to the highest. tpr is also the recall; precision is NaN where
 * nothing is predicted positive. Returns the area under the ROC curve as
 * the auc metric computes it (NaN without both positives and negatives),
 * and *pr_auc the area under the precision-recall curve. */
#define MLPT_AUC_THRESHOLDS 200
double mlpt_roc_curves(size_t n, const float *score, size_t stride, const uint8_t *truth,
                       double *fpr, double *tpr, double *precision, double *pr_auc);

#ifdef __cplusplus
}
#endif
#endif
