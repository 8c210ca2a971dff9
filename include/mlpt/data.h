/* mlpt/data.h - the data a config's [data] section describes, made into
 * the samples the engine reads. Two sources:
 *
 *   arrays   an input file and a target file per split (IDX, .npy,
 *            FILE.npz:NAME; see mlpt/dataset.h)
 *   tables   one CSV file per split (train, test), with the target column
 *            and the input columns named (see mlpt/table.h)
 *
 * and, for either, what is fitted on the training data:
 *
 *   classes = auto   the sorted distinct targets of the training file, as
 *                    numpy.unique sorts them: numbers numerically, words
 *                    by bytes. Otherwise the listed names, which word
 *                    targets must be among and integer targets index.
 *   test_split = F   no test file: for each class, its rows (in file order)
 *                    are permuted by mlpt_shuffle_keyed(seed,
 *                    MLPT_STREAM_SPLIT, class) and the first round(F x
 *                    count) of the permutation are held out as the test
 *                    set; both sets keep file order.
 *   validation = V   the last n - floor(n x (1 - V)) training rows.
 *   normalize        per input value, fitted on the first floor(n x (1 -
 *                    V)) training rows only, in double and in row order:
 *                    standard: shift = mean, factor = 1 / population std;
 *                    minmax: shift = min, factor = 1 / (max - min); a
 *                    constant input gets factor 1. One-hot inputs are left
 *                    as they are (shift 0, factor 1). */
#ifndef MLPT_DATA_H
#define MLPT_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/config.h"
#include "mlpt/dataset.h"
#include "mlpt/error.h"
#include "mlpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a training-file row went (split.csv). */
typedef enum { MLPT_ROW_TRAIN, MLPT_ROW_VALIDATION, MLPT_ROW_TEST } mlpt_row_split;

typedef struct mlpt_data {
    mlpt_dataset train;        /* the training rows (test_split's taken out), scaled */
    mlpt_dataset test;         /* empty when not asked for */
    mlpt_samples fit, val;     /* train split by validation; all three normalized */
    int n_classes;
    char classes[MLPT_MAX_CLASSES][MLPT_CLASS_NAME_LEN];
    mlpt_table_schema table;   /* tables only */
    mlpt_normalize normalize;
    float *shift, *factor;     /* fit.features each when normalize is set; owned */
    const char *train_paths[2], *test_paths[2]; /* the files, for messages */
    size_t n_rows;             /* rows of the training file */
    uint8_t *split;            /* n_rows mlpt_row_split values; owned */
    uint32_t *lines;           /* tables: each training row's line in its file; owned */
} mlpt_data;

/* Before the data is loaded: a data file of cfg that does not exist is
 * named with where it was set ("CONFIG:LINE: [data] train_images = PATH:
 * no such file") and, for a relative path, the working directory it
 * resolved against. The training pair is checked when train is set, the
 * test pair when test is; other trouble with a file is its reader's to
 * report. */
int mlpt_data_check_paths(const mlpt_config *cfg, bool train, bool test, mlpt_error *err);

/* The message of mlpt_data_check_paths for any file a config key names
 * (key; its value is path) that is not there. Returns -1. */
int mlpt_config_no_file(const mlpt_config *cfg, const char *key, const char *path,
                        mlpt_error *err);

/* Loads the training data of cfg (and the test data when with_test),
 * decides the classes, holds out test_split and validation, scales (scale
 * = auto: see mlpt_dataset_scale) and fits the normalization. Errors name
 * the data file and its line or field, or the config line at fault (a
 * column not in the header, a class count the last layer does not have).
 * On failure *out is left zeroed. */
int mlpt_data_load(const mlpt_config *cfg, bool with_test, mlpt_data *out, mlpt_error *err);

/* cfg with the classes d holds (what classes = auto found; listed classes
 * are cfg's own) into *out, for what reads the classes from the config:
 * the model file, reports and figures. */
void mlpt_data_resolve_config(const mlpt_config *cfg, const mlpt_data *d, mlpt_config *out);

void mlpt_data_free(mlpt_data *d);

#ifdef __cplusplus
}
#endif
#endif
