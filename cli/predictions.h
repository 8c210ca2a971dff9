/* cli/predictions.h - one sample's outputs as predict writes them, by the
 * model's task (mlpt/metrics.h): a text table row, a CSV row and a JSON
 * object. Every task shows named columns of numbers:
 *
 *   multiclass   one probability per class, and the predicted class
 *   binary       the same over the two classes: the sigmoid's p is the
 *                second class's probability, 1 - p the first's
 *   multi-label  one probability per label (target column), and the labels
 *                on (p > 0.5)
 *   regression   one value per target column
 *
 * named by the classes, or by the model's target columns ("output K", from
 * 0, for a model trained on arrays). */
#ifndef MLPT_CLI_PREDICTIONS_H
#define MLPT_CLI_PREDICTIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "mlpt/error.h"
#include "mlpt/metrics.h"
#include "mlpt/model.h"
#include "mlpt/modelfile.h"

typedef struct predict_style predict_style;

typedef struct predictions {
    const mlpt_task *task;
    const predict_style *style; /* the task's */
    const mlpt_model_info *info;
    size_t width;               /* the model's outputs per sample */
    int n_columns;              /* classes, labels or values per sample */
    int top;                    /* classes: the K most probable (0: every class) */
} predictions;

/* How m's outputs are shown; --top K (0: not asked for) applies to class
 * tasks only and is refused for the others. */
int predictions_init(predictions *p, const mlpt_model *m, const mlpt_model_info *info, int top,
                     const char *model_path, mlpt_error *err);

/* The text table's header line, and a row of it for the outputs `out`
 * (p->width floats) of the sample called `label`. */
void predictions_text_header(const predictions *p, FILE *f);
void predictions_text_row(const predictions *p, FILE *f, const char *label, const float *out);

/* --csv FILE: the header line, and a row for sample `index` of `input`. */
void predictions_csv_header(const predictions *p, FILE *f);
void predictions_csv_row(const predictions *p, FILE *f, const char *input, size_t index,
                         const float *out);

/* --json: the object of sample `index` of `input` (NULL when out of
 * memory, or for a number JSON cannot hold). */
json_t *predictions_json(const predictions *p, const char *input, size_t index,
                         const float *out);

#endif
