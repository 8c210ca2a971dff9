/* table.c - CSV tables as model inputs (see mlpt/table.h). */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include "mlpt/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

size_t mlpt_table_width(const mlpt_table_schema *s)
{
    size_t width = 0;
    for (size_t c = 0; c < s->n_columns; c++)
        width += s->columns[c].n_levels ? s->columns[c].n_levels : 1;
    return width;
}

/* The level of word in a sorted list, or -1. */
static long find_level(const mlpt_table_column *col, const char *word)
{
    const char *const *hit = bsearch(&word, col->levels, col->n_levels, sizeof *col->levels,
                                     words_by_bytes);
    return hit ? (long)(hit - (const char *const *)col->levels) : -1;
}

static const char *level_name(const void *col, size_t l)
{
    return ((const mlpt_table_column *)col)->levels[l];
}

int mlpt_table_encode(const mlpt_csv *t, const mlpt_table_schema *s, const size_t *rows,
                      size_t n, float *out, mlpt_error *err)
{
    const size_t width = mlpt_table_width(s);
    size_t at = 0;
    for (size_t c = 0; c < s->n_columns; c++) {
        const mlpt_table_column *col = &s->columns[c];
        const long k = mlpt_csv_column(t, col->name);
        char header[512], levels[512];
        if (k < 0)
            return mlpt_fail(err, "%s: no column '%s' (its columns: %s)", t->path, col->name,
                             mlpt_csv_header(t, header, sizeof header));
        for (size_t i = 0; i < n; i++) {
            float *row = out + i * width + at;
            if (!col->n_levels) {
                double v;
                if (mlpt_csv_number(t, rows[i], (size_t)k, &v, err) < 0)
                    return -1;
                row[0] = (float)v;
                continue;
            }
            const long level = find_level(col, mlpt_csv_cell(t, rows[i], (size_t)k));
            if (level < 0)
                return mlpt_csv_fail(t, rows[i], (size_t)k, err, "'%.40s' is not among the "
                                     "training split's values (%s)",
                                     mlpt_csv_cell(t, rows[i], (size_t)k),
                                     words_join(col, col->n_levels, level_name, levels,
                                                sizeof levels));
            memset(row, 0, col->n_levels * sizeof *row);
            row[level] = 1.0f;
        }
        at += col->n_levels ? col->n_levels : 1;
    }
    return 0;
}

int mlpt_table_take(const mlpt_csv *t, const mlpt_table_schema *s, const size_t *rows, size_t n,
                    mlpt_dataset *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    const size_t width = mlpt_table_width(s);
    mlpt_array inputs = {.kind = MLPT_ARRAY_FLOAT, .itemsize = 4, .rank = 2, .dims = {n, width},
                         .count = n * width, .data = malloc(n * width * sizeof(float) + 1)};
    mlpt_array labels = {.kind = MLPT_ARRAY_UINT, .itemsize = 1, .rank = 1, .dims = {n},
                         .count = n, .data = calloc(n + 1, 1)};
    int rc = inputs.data && labels.data ? 0 : mlpt_fail(err, "%s: out of memory", t->path);
    if (rc == 0 && n == 0)
        rc = mlpt_fail(err, "%s: holds no rows after the header", t->path);
    if (rc == 0)
        rc = mlpt_table_encode(t, s, rows, n, inputs.data, err);
    if (rc < 0) {
        free(inputs.data);
        free(labels.data);
        return -1;
    }
    *out = (mlpt_dataset){.s = {.rank = 1, .dims = {width}, .features = width, .n_classes = 1},
                          .images_digest = {t->bytes, t->hash},
                          .labels_digest = {t->bytes, t->hash}};
    mlpt_dataset_adopt(out, inputs, labels);
    return 0;
}

int mlpt_table_load_inputs(const char *path, const mlpt_table_schema *s, mlpt_dataset *out,
                           mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    mlpt_csv t;
    if (mlpt_csv_load(path, s->delimiter, &t, err) < 0)
        return -1;
    size_t *rows = malloc((t.n_rows + 1) * sizeof *rows);
    int rc = rows ? 0 : mlpt_fail(err, "%s: out of memory", path);
    for (size_t i = 0; rc == 0 && i < t.n_rows; i++)
        rows[i] = i;
    if (rc == 0)
        rc = mlpt_table_take(&t, s, rows, t.n_rows, out, err);
    free(rows);
    mlpt_csv_free(&t);
    return rc;
}

void mlpt_table_schema_free(mlpt_table_schema *s)
{
    for (size_t c = 0; c < s->n_columns; c++) {
        free(s->columns[c].name);
        for (size_t l = 0; l < s->columns[c].n_levels; l++)
            free(s->columns[c].levels[l]);
        free(s->columns[c].levels);
    }
    free(s->columns);
    for (size_t t = 0; t < s->n_targets; t++)
        free(s->targets[t]);
    free(s->targets);
    memset(s, 0, sizeof *s);
}
