/* mlpt/table.h - a CSV table as model inputs: which columns, in which
 * order, and how a column of words becomes numbers (one-hot). A model
 * trained on a table keeps its schema (see mlpt/modelfile.h), so that
 * predict reads new tables by column name, in any column order. */
#ifndef MLPT_TABLE_H
#define MLPT_TABLE_H

#include <stddef.h>

#include "mlpt/csv.h"
#include "mlpt/dataset.h"
#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One input column. */
typedef struct mlpt_table_column {
    char *name;
    size_t n_levels;      /* 0: a number, one input value; else one 0/1 value per level */
    char **levels;        /* the training split's distinct words, sorted by bytes */
} mlpt_table_column;

typedef struct mlpt_table_schema {
    char delimiter;       /* '\0': no table (the model was trained on arrays) */
    char **targets;       /* the target columns' names: one, or one per output */
    size_t n_targets;
    size_t n_columns;
    mlpt_table_column *columns; /* in input order */
} mlpt_table_schema;

/* Input values per row: 1 per numeric column, n_levels per one-hot one. */
size_t mlpt_table_width(const mlpt_table_schema *s);

/* Rows rows[0..n) of t as n x mlpt_table_width(s) floats into out, the
 * columns found by name. A missing column is an error naming the file and
 * listing its header; a cell that is not a number, or a word not among a
 * one-hot column's levels, names the file, line and column. */
int mlpt_table_encode(const mlpt_csv *t, const mlpt_table_schema *s, const size_t *rows,
                      size_t n, float *out, mlpt_error *err);

/* Rows rows[0..n) of t as a set of samples for schema s (encoded as
 * mlpt_table_encode does), with labels all 0 (labels_.data, for the caller
 * to fill) and one class. No rows (n = 0) is an error naming t's file. The
 * digests are of t's text as read. On failure *out is left zeroed. */
int mlpt_table_take(const mlpt_csv *t, const mlpt_table_schema *s, const size_t *rows, size_t n,
                    mlpt_dataset *out, mlpt_error *err);

/* Every row of the CSV file at path as samples for a model with schema s
 * (labels all 0; the target column, when present, is not read). The
 * digest is of the file's bytes as read. */
int mlpt_table_load_inputs(const char *path, const mlpt_table_schema *s, mlpt_dataset *out,
                           mlpt_error *err);

/* Releases the names and levels and zeroes *s; safe on a zeroed struct. */
void mlpt_table_schema_free(mlpt_table_schema *s);

#ifdef __cplusplus
}
#endif
#endif
