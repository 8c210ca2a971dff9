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
    int n_classes;
    float *probs;       /* n x n_classes */
    size_t *confusion;  /* [true * n_classes + predicted] */
} report_eval;

int report_evaluate(const mlpt_model *m, const mlpt_samples *test, int threads,
                    report_eval *out, mlpt_error *err);
void report_eval_free(report_eval *e);

/* The predicted class of test sample i: the first most probable. */
int report_predicted(const report_eval *e, size_t i);

/* "test loss: ... - test accuracy: ... (9,793 of 10,000 correct)" */
void report_print_summary(FILE *f, const report_eval *e);

/* Per-class precision, recall, F1 and support, then the confusion matrix. */
void report_print_classes(FILE *f, const report_eval *e, const mlpt_config *cfg);

/* Draws the figures cfg->report asks for into dir (curves only when history
 * is not NULL), printing each path written. Samples that are not pictures
 * leave out the image figures, with a line saying why, not a failure. */
int report_draw(FILE *f, const char *dir, const mlpt_config *cfg, const mlpt_samples *train,
                const mlpt_samples *test, const report_eval *e, const mlpt_history_row *history,
                size_t epochs, mlpt_error *err);

#endif
