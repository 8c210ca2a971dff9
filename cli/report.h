/* cli/report.h - what a run shows after training, and `evaluate` shows for
 * a saved model: test figures, the per-class report, the pictures. */
#ifndef MLPT_CLI_REPORT_H
#define MLPT_CLI_REPORT_H

#include <stdio.h>

#include "mlpt/config.h"
#include "mlpt/samples.h"
#include "mlpt/fileio.h"
#include "mlpt/model.h"
#include "mlpt/train.h"

/* A model's evaluation on a test set, with what the figures need. */
typedef struct report_eval {
    mlpt_eval_result result;
    const mlpt_metric_list *metrics;
    const mlpt_task *task;
    size_t width;        /* outputs per sample */
    float *probs;        /* n x width: the outputs */
    /* Label tasks: each class's probability (n x n_classes: a single
     * sigmoid's p becomes 1 - p, p) and the confusion matrix
     * [true * n_classes + predicted]; else NULL. */
    int n_classes;
    float *class_probs;
    size_t *confusion;
    size_t correct;
} report_eval;

/* Evaluates m on test with metrics (which must outlive e). */
int report_evaluate(const mlpt_model *m, const mlpt_samples *test,
                    const mlpt_metric_list *metrics, int threads, report_eval *out,
                    mlpt_error *err);
void report_eval_free(report_eval *e);

/* The predicted class of test sample i (label tasks). */
int report_predicted(const report_eval *e, size_t i);

/* "test loss: 0.0712", then a `test <metric>: <value>` line per metric
 * ("test accuracy: 0.9790 (9,790 of 10,000 correct)"). */
void report_print_summary(FILE *f, const report_eval *e);

/* Label tasks: per-class precision, recall, F1 and support, then the
 * confusion matrix; nothing for value tasks. */
void report_print_classes(FILE *f, const report_eval *e, const mlpt_config *cfg);

/* Draws the figures cfg->report asks for into dir (curves only when history
 * is not NULL), printing each path written. Samples that are not pictures
 * leave out the image figures, with a line saying why, not a failure. */
int report_draw(FILE *f, const char *dir, const mlpt_config *cfg, const mlpt_samples *train,
                const mlpt_samples *test, const report_eval *e, const mlpt_history_row *history,
                size_t epochs, mlpt_error *err);

#endif
