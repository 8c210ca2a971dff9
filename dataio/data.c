/* data.c - a config's [data] made into samples: the array and table
 * sources, classes, the test and validation hold-outs and the
 * normalization (see mlpt/data.h). */
#define _POSIX_C_SOURCE 200809L /* strdup; access and getcwd */

#include "mlpt/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlpt/metrics.h"
#include "mlpt/npz.h"
#include "rng.h"
#include "words.h"

/* How target values become class indices, once the classes are known. */
typedef struct class_map {
    bool words;          /* the target column holds words (else numbers) */
    bool listed;         /* classes named in the config (else auto) */
    double *values;      /* auto numbers: the sorted distinct values; owned */
} class_map;

/* ---- classes ---- */

static int by_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *class_name(const void *d, size_t c)
{
    return ((const mlpt_data *)d)->classes[c];
}

/* The class names as one line, for messages. */
static const char *class_list(const mlpt_data *d, char *buf, size_t cap)
{
    return words_join(d, (size_t)d->n_classes, class_name, buf, cap);
}

/* The task the config's model trains (the config paired its last layer and
 * loss). */
static const mlpt_task *task_of(const mlpt_config *cfg)
{
    return mlpt_task_of(cfg->model.loss, (size_t)cfg->model.layers[cfg->model.n_layers - 1].units);
}

/* Targets that are numbers where the task takes class labels: an error
 * naming the last layer's line (with the loss, it makes the task) and what
 * the data holds (`what`: "column 'x' of FILE holds 12.8 at line 5"). */
static int fail_not_labels(const mlpt_config *cfg, const char *what, mlpt_error *err)
{
    char where[MLPT_ERROR_LEN];
    return mlpt_fail(err, "%s: a %s model (loss %s) takes class labels, but %s: a model that "
                     "predicts numbers ends in `dense N linear` with loss mean_squared_error, "
                     "mean_absolute_error or huber",
                     mlpt_config_origin(cfg, "layer", cfg->model.n_layers - 1, where,
                                        sizeof where),
                     task_of(cfg)->name, cfg->model.loss->name, what);
}

/* Multi-label targets are 0/1 (or probabilities between): anything else
 * is an error naming the file, the sample and the last layer's line. */
static int check_probabilities(const mlpt_config *cfg, const mlpt_samples *s, const char *path,
                               mlpt_error *err)
{
    if (task_of(cfg)->bit != MLPT_TASK_MULTILABEL)
        return 0;
    for (size_t i = 0; i < s->n * s->target_width; i++)
        if (!(s->targets[i] >= 0.0f && s->targets[i] <= 1.0f)) {
            char where[MLPT_ERROR_LEN];
            return mlpt_fail(err, "%s: a multi-label model (loss %s) takes targets from 0 to 1, "
                             "but %s holds %g for sample %zu, output %zu",
                             mlpt_config_origin(cfg, "layer", cfg->model.n_layers - 1, where,
                                                sizeof where),
                             cfg->model.loss->name, path, (double)s->targets[i],
                             i / s->target_width, i % s->target_width + 1);
        }
    return 0;
}

/* A number as its shortest text that reads back the same ("3", "0.5"). */
static void number_name(double v, char name[MLPT_CLASS_NAME_LEN])
{
    if (v == floor(v) && fabs(v) < 1e15) { /* "10", not %g's "1e+01" */
        snprintf(name, MLPT_CLASS_NAME_LEN, "%.0f", v);
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(name, MLPT_CLASS_NAME_LEN, "%.*g", digits, v);
        if (strtod(name, NULL) == v)
            return;
    }
}

/* Row r's class under map into *label. */
static int label_of(const mlpt_csv *t, size_t r, size_t col, const class_map *map,
                    const mlpt_data *d, uint8_t *label, mlpt_error *err)
{
    char names[512];
    const char *cell = mlpt_csv_cell(t, r, col);
    if (map->words) {
        for (int c = 0; c < d->n_classes; c++)
            if (!strcmp(cell, d->classes[c])) {
                *label = (uint8_t)c;
                return 0;
            }
        return mlpt_csv_fail(t, r, col, err, "'%.40s' is not among the classes (%s)", cell,
                             class_list(d, names, sizeof names));
    }
    double v;
    if (mlpt_csv_number(t, r, col, &v, err) < 0)
        return -1;
    if (map->listed) {
        if (v != floor(v) || v < 0 || v >= d->n_classes)
            return mlpt_csv_fail(t, r, col, err, "%.40s is not a class index from 0 to %d "
                                 "(classes lists %d names)", cell, d->n_classes - 1,
                                 d->n_classes);
        *label = (uint8_t)v;
        return 0;
    }
    const double *hit = bsearch(&v, map->values, (size_t)d->n_classes, sizeof v, by_double);
    if (!hit)
        return mlpt_csv_fail(t, r, col, err, "%.40s is not among the training file's classes "
                             "(%s)", cell, class_list(d, names, sizeof names));
    *label = (uint8_t)(hit - map->values);
    return 0;
}

/* A class name from the data: what the model file and the figures can
 * hold (one line, printable, shorter than MLPT_CLASS_NAME_LEN). */
static int check_name(const mlpt_csv *t, size_t r, size_t col, const char *name,
                      mlpt_error *err)
{
    const size_t len = strlen(name);
    bool printable = len > 0 && len < MLPT_CLASS_NAME_LEN;
    for (size_t i = 0; i < len && printable; i++)
        printable = (unsigned char)name[i] >= 0x20 && name[i] != 0x7f;
    if (!printable)
        return mlpt_csv_fail(t, r, col, err, "a class name needs 1 to %d characters and no "
                             "control characters", MLPT_CLASS_NAME_LEN - 1);
    return 0;
}

/* The classes of the target column: the config's names, or (auto) the
 * sorted distinct values of the training file, as numpy.unique sorts
 * them. A column of numbers only is numeric; any other is words. */
static int table_classes(const mlpt_config *cfg, const mlpt_csv *t, size_t col, class_map *map,
                         mlpt_data *d, mlpt_error *err)
{
    const size_t n = t->n_rows;
    map->listed = cfg->data.n_classes > 0;
    map->words = false;
    for (size_t r = 0; r < n && !map->words; r++) {
        double v;
        map->words = mlpt_csv_number(t, r, col, &v, NULL) < 0;
    }
    if (map->listed) {
        d->n_classes = cfg->data.n_classes;
        memcpy(d->classes, cfg->data.classes, sizeof d->classes);
        return 0;
    }
    for (size_t r = 0; r < n && !map->words; r++) {
        double v;
        mlpt_csv_number(t, r, col, &v, NULL);
        if (v != floor(v)) {
            char what[256];
            snprintf(what, sizeof what, "column '%s' of %s holds %.40s at line %u",
                     mlpt_csv_name(t, col), t->path, mlpt_csv_cell(t, r, col),
                     t->lines[r + 1]);
            return fail_not_labels(cfg, what, err);
        }
    }
    /* auto: sort every value, keep the distinct ones */
    const char **words = map->words ? malloc((n + 1) * sizeof *words) : NULL;
    double *values = map->words ? NULL : malloc((n + 1) * sizeof *values);
    if (!words && !values)
        return mlpt_fail(err, "%s: out of memory for the classes", t->path);
    for (size_t r = 0; r < n; r++) {
        if (words)
            words[r] = mlpt_csv_cell(t, r, col);
        else
            mlpt_csv_number(t, r, col, &values[r], NULL);
    }
    if (words)
        qsort(words, n, sizeof *words, words_by_bytes);
    else
        qsort(values, n, sizeof *values, by_double);
    int k = 0;
    for (size_t r = 0; r < n; r++) {
        if (r > 0 && (words ? !strcmp(words[r], words[r - 1]) : values[r] == values[r - 1]))
            continue;
        if (k == MLPT_MAX_CLASSES) {
            free(words);
            free(values);
            return mlpt_fail(err, "%s: column '%s' holds more than %d distinct values: "
                             "too many classes", t->path, mlpt_csv_name(t, col),
                             MLPT_MAX_CLASSES);
        }
        if (words) {
            if (check_name(t, (size_t)0, col, words[r], NULL) < 0) {
                for (size_t q = 0; q < n; q++) /* name the row that holds it */
                    if (!strcmp(mlpt_csv_cell(t, q, col), words[r])) {
                        check_name(t, q, col, words[r], err);
                        break;
                    }
                free(words);
                return -1;
            }
            snprintf(d->classes[k], MLPT_CLASS_NAME_LEN, "%s", words[r]);
        } else {
            values[k] = values[r];
            number_name(values[r], d->classes[k]);
        }
        k++;
    }
    free(words);
    d->n_classes = k;
    map->values = values;
    return 0;
}

/* classes = auto for arrays: the distinct labels present, in order, and
 * labels renumbered to their index. */
static void array_classes(mlpt_dataset *train, int index[MLPT_MAX_CLASSES + 1], mlpt_data *d)
{
    bool seen[MLPT_MAX_CLASSES] = {false};
    uint8_t *y = train->labels_.data;
    for (size_t i = 0; i < train->s.n; i++)
        seen[y[i]] = true;
    d->n_classes = 0;
    for (int v = 0; v < MLPT_MAX_CLASSES; v++) {
        index[v] = seen[v] ? d->n_classes : -1;
        if (seen[v])
            snprintf(d->classes[d->n_classes++], MLPT_CLASS_NAME_LEN, "%d", v);
    }
}

/* Renumbers set's labels by index; a label not there is an error. */
static int renumber(mlpt_dataset *set, const char *path, const int *index, mlpt_data *d,
                    mlpt_error *err)
{
    char names[512];
    uint8_t *y = set->labels_.data;
    for (size_t i = 0; i < set->s.n; i++) {
        if (index[y[i]] < 0)
            return mlpt_fail(err, "%s: label at index %zu is %u, not among the training "
                             "labels' classes (%s)", path, i, y[i],
                             class_list(d, names, sizeof names));
        y[i] = (uint8_t)index[y[i]];
    }
    set->s.n_classes = d->n_classes;
    return 0;
}

/* ---- the hold-outs ---- */

/* test_split: per class, round(frac x count) of its rows, chosen by a
 * keyed permutation, marked MLPT_ROW_TEST in d->split. Value tasks
 * (labels NULL) have no classes: their rows are one group. */
static int hold_out_test(const mlpt_config *cfg, const uint8_t *labels, const char *path,
                         mlpt_data *d, mlpt_error *err)
{
    const size_t n = d->n_rows;
    size_t *rows = malloc((n + 1) * sizeof *rows);
    uint32_t *order = malloc((n + 1) * sizeof *order);
    if (!rows || !order) {
        free(rows);
        free(order);
        return mlpt_fail(err, "%s: out of memory for the test split", path);
    }
    size_t held = 0;
    for (int c = 0; c < (labels ? d->n_classes : 1); c++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            if (!labels || labels[i] == c)
                rows[count++] = i;
        mlpt_shuffle_keyed(cfg->train.seed, MLPT_STREAM_SPLIT, (uint32_t)c, order, count);
        const size_t take = (size_t)round(cfg->data.test_split * (double)count);
        for (size_t j = 0; j < take; j++)
            d->split[rows[order[j]]] = MLPT_ROW_TEST;
        held += take;
    }
    free(rows);
    free(order);
    if (held == 0 || held == n) {
        char where[MLPT_ERROR_LEN];
        return mlpt_fail(err, "%s: test_split = %g of %zu %s holds out %zu for the test set and "
                         "leaves %zu for training; both need at least one", 
                         mlpt_config_origin(cfg, "test_split", 0, where, sizeof where),
                         cfg->data.test_split, n, mlpt_noun(n, "row", "rows"), held, n - held);
    }
    return 0;
}

/* The rows marked `which` in d->split, in file order; returns how many. */
static size_t rows_marked(const mlpt_data *d, int which, size_t *rows)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n_rows; i++)
        if (d->split[i] == which)
            rows[k++] = i;
    return k;
}

/* ---- arrays ---- */

/* A label file that failed to load as class labels: when it holds a
 * number that is no class label, the task is what is wrong, and err says
 * so; else err stands. Returns -1. */
static int explain_labels(const mlpt_config *cfg, const char *images, const char *labels,
                          mlpt_error *err)
{
    mlpt_dataset values;
    if (mlpt_dataset_load(images, labels, 0, &values, NULL) < 0)
        return -1;
    const size_t count = values.s.n * values.s.target_width;
    size_t i = 0;
    while (i < count && values.s.targets[i] == floorf(values.s.targets[i]))
        i++;
    if (i < count) {
        char what[MLPT_PATH_LEN + 96];
        snprintf(what, sizeof what, "%s holds %g at index %zu", labels,
                 (double)values.s.targets[i], i);
        fail_not_labels(cfg, what, err);
    }
    mlpt_dataset_free(&values);
    return -1;
}

/* Value targets: one per output of the last layer, or an error naming the
 * file and the layer's line. */
static int check_target_width(const mlpt_config *cfg, const mlpt_dataset *set,
                              const char *path, mlpt_error *err)
{
    const int last = cfg->model.n_layers - 1;
    const size_t units = (size_t)cfg->model.layers[last].units;
    if (set->s.target_width == units)
        return 0;
    char where[MLPT_ERROR_LEN];
    return mlpt_fail(err, "%s: the last layer has %zu %s, but %s holds %zu target %s per sample",
                     mlpt_config_origin(cfg, "layer", last, where, sizeof where), units,
                     mlpt_noun(units, "output", "outputs"), path, set->s.target_width,
                     mlpt_noun(set->s.target_width, "value", "values"));
}

static int load_arrays(const mlpt_config *cfg, bool with_test, mlpt_data *d, mlpt_error *err)
{
    const bool values = task_of(cfg)->values;
    const bool auto_classes = cfg->data.n_classes == 0 && !values;
    const int n_classes = values ? 0 : auto_classes ? MLPT_MAX_CLASSES : cfg->data.n_classes;
    int index[MLPT_MAX_CLASSES + 1];
    mlpt_dataset full;
    d->train_paths[0] = cfg->data.train_images;
    d->train_paths[1] = cfg->data.train_labels;
    d->test_paths[0] = cfg->data.test_images;
    d->test_paths[1] = cfg->data.test_labels;
    if (mlpt_dataset_load(cfg->data.train_images, cfg->data.train_labels, n_classes, &full,
                          err) < 0)
        return values ? -1
                      : explain_labels(cfg, cfg->data.train_images, cfg->data.train_labels, err);
    if (values && check_target_width(cfg, &full, cfg->data.train_labels, err) < 0) {
        mlpt_dataset_free(&full);
        return -1;
    }
    if (auto_classes) {
        array_classes(&full, index, d);
        renumber(&full, cfg->data.train_labels, index, d, err);
    } else {
        d->n_classes = n_classes;
        memcpy(d->classes, cfg->data.classes, sizeof d->classes);
    }
    d->n_rows = full.s.n;
    if (!(d->split = calloc(d->n_rows + 1, 1))) {
        mlpt_dataset_free(&full);
        return mlpt_fail(err, "out of memory");
    }
    int rc = 0;
    if (cfg->data.test_split > 0) {
        size_t *rows = malloc((d->n_rows + 1) * sizeof *rows);
        rc = rows ? hold_out_test(cfg, full.s.labels, cfg->data.train_labels, d, err)
                  : mlpt_fail(err, "out of memory");
        d->test_paths[0] = cfg->data.train_images;
        d->test_paths[1] = cfg->data.train_labels;
        if (rc == 0 && with_test)
            rc = mlpt_dataset_take(&full, rows, rows_marked(d, MLPT_ROW_TEST, rows), &d->test,
                                   err);
        if (rc == 0)
            rc = mlpt_dataset_take(&full, rows, rows_marked(d, MLPT_ROW_TRAIN, rows), &d->train,
                                   err);
        free(rows);
        mlpt_dataset_free(&full);
        return rc;
    }
    d->train = full;
    if (!with_test)
        return 0;
    if (mlpt_dataset_load(cfg->data.test_images, cfg->data.test_labels, n_classes, &d->test,
                          err) < 0)
        return values ? -1
                      : explain_labels(cfg, cfg->data.test_images, cfg->data.test_labels, err);
    if (values)
        return check_target_width(cfg, &d->test, cfg->data.test_labels, err);
    return auto_classes ? renumber(&d->test, cfg->data.test_labels, index, d, err) : 0;
}

/* ---- tables ---- */

/* The column named name, or an error naming the config's `key` line and
 * listing the header. */
static int find_column(const mlpt_config *cfg, const mlpt_csv *t, const char *key,
                       const char *name, size_t *col, mlpt_error *err)
{
    const long c = mlpt_csv_column(t, name);
    if (c >= 0) {
        *col = (size_t)c;
        return 0;
    }
    char where[MLPT_ERROR_LEN], header[512];
    return mlpt_fail(err, "%s: %s has no column '%s' (its columns: %s)",
                     mlpt_config_origin(cfg, key, 0, where, sizeof where), t->path, name,
                     mlpt_csv_header(t, header, sizeof header));
}

/* The sorted distinct words of column col over rows. */
static int levels_of(const mlpt_csv *t, size_t col, const size_t *rows, size_t n,
                     mlpt_table_column *out, mlpt_error *err)
{
    const char **words = malloc((n + 1) * sizeof *words);
    if (!words)
        return mlpt_fail(err, "%s: out of memory", t->path);
    for (size_t i = 0; i < n; i++)
        words[i] = mlpt_csv_cell(t, rows[i], col);
    qsort(words, n, sizeof *words, words_by_bytes);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(words[i], words[i - 1]))
            words[k++] = words[i];
    out->levels = calloc(k + 1, sizeof *out->levels);
    for (size_t i = 0; out->levels && i < k; i++)
        if (!(out->levels[out->n_levels++] = strdup(words[i])))
            break;
    free(words);
    if (!out->levels || out->n_levels < k)
        return mlpt_fail(err, "%s: out of memory", t->path);
    return 0;
}

/* Whether column col is one of the n_targets target columns targets[]. */
static bool is_target(size_t col, const size_t *targets, size_t n_targets)
{
    for (size_t k = 0; k < n_targets; k++)
        if (targets[k] == col)
            return true;
    return false;
}

/* The schema from the config and the training file's header: the target
 * columns, the input columns in order (the config's, or every column but
 * the targets), the one-hot ones with the training rows' words. */
static int make_schema(const mlpt_config *cfg, const mlpt_csv *t, const size_t *targets,
                       size_t n_targets, const size_t *rows, size_t n, mlpt_table_schema *s,
                       mlpt_error *err)
{
    char where[MLPT_ERROR_LEN];
    const size_t n_inputs = cfg->data.n_inputs ? (size_t)cfg->data.n_inputs : t->n_cols;
    s->delimiter = cfg->data.delimiter;
    if (!(s->targets = calloc(n_targets, sizeof *s->targets)) ||
        !(s->columns = calloc(n_inputs + 1, sizeof *s->columns)))
        return mlpt_fail(err, "out of memory");
    for (size_t k = 0; k < n_targets; k++)
        if (!(s->targets[s->n_targets++] = strdup(mlpt_csv_name(t, targets[k]))))
            return mlpt_fail(err, "out of memory");
    const char *name = NULL;
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t col = c;
        if (cfg->data.n_inputs) {
            name = mlpt_config_next_name(cfg->data.inputs, cfg->data.n_inputs, name);
            if (!name)
                break;
            if (find_column(cfg, t, "inputs", name, &col, err) < 0)
                return -1;
            if (is_target(col, targets, n_targets))
                return mlpt_fail(err, "%s: '%s' is a target column, which cannot be an "
                                 "input", mlpt_config_origin(cfg, "inputs", 0, where,
                                                             sizeof where), name);
        } else if (is_target(c, targets, n_targets)) {
            continue;
        }
        if (!(s->columns[s->n_columns++].name = strdup(mlpt_csv_name(t, col))))
            return mlpt_fail(err, "out of memory");
    }
    if (s->n_columns == 0)
        return mlpt_fail(err, "%s: no input columns: the table has only its target %s",
                         t->path, mlpt_noun(n_targets, "column", "columns"));
    for (const char *w = NULL; (w = mlpt_config_next_name(cfg->data.one_hot, cfg->data.n_one_hot,
                                                          w));) {
        size_t col = 0, k = 0;
        if (find_column(cfg, t, "one_hot", w, &col, err) < 0)
            return -1;
        while (k < s->n_columns && strcmp(s->columns[k].name, w))
            k++;
        if (k == s->n_columns)
            return mlpt_fail(err, "%s: '%s' is not an input column", mlpt_config_origin(
                                 cfg, "one_hot", 0, where, sizeof where), w);
        if (levels_of(t, col, rows, n, &s->columns[k], err) < 0)
            return -1;
    }
    return 0;
}

/* Where a table's targets are and how they read. */
typedef struct target_columns {
    size_t col[MLPT_MAX_CLASSES];
    size_t n;
    bool values;        /* float targets (value tasks), else labels by map */
    const class_map *map;
} target_columns;

/* The target columns of cfg in t. */
static int find_targets(const mlpt_config *cfg, const mlpt_csv *t, target_columns *tc,
                        mlpt_error *err)
{
    tc->n = 0;
    for (const char *name = NULL;
         (name = mlpt_config_next_name(cfg->data.target, cfg->data.n_targets, name));)
        if (find_column(cfg, t, "target", name, &tc->col[tc->n++], err) < 0)
            return -1;
    return 0;
}

/* rows[0..n) of t as a data set under schema s, its targets read as tc
 * says. */
static int table_set(const mlpt_csv *t, const mlpt_table_schema *s, const target_columns *tc,
                     const mlpt_data *d, const size_t *rows, size_t n, mlpt_dataset *out,
                     mlpt_error *err)
{
    if (mlpt_table_take(t, s, rows, n, out, err) < 0)
        return -1;
    if (!tc->values) {
        uint8_t *labels = out->labels_.data;
        for (size_t i = 0; i < n; i++)
            if (label_of(t, rows[i], tc->col[0], tc->map, d, &labels[i], err) < 0) {
                mlpt_dataset_free(out);
                return -1;
            }
        out->s.n_classes = d->n_classes;
        return 0;
    }
    mlpt_array values = {.kind = MLPT_ARRAY_FLOAT, .itemsize = 4, .rank = 2,
                         .dims = {n, tc->n}, .count = n * tc->n,
                         .data = malloc((n * tc->n + 1) * sizeof(float))};
    float *v = values.data;
    int rc = v ? 0 : mlpt_fail(err, "%s: out of memory", t->path);
    for (size_t i = 0; rc == 0 && i < n; i++)
        for (size_t k = 0; rc == 0 && k < tc->n; k++) {
            double x;
            rc = mlpt_csv_number(t, rows[i], tc->col[k], &x, err);
            v[i * tc->n + k] = (float)x;
            if (rc == 0 && !isfinite(v[i * tc->n + k]))
                rc = mlpt_csv_fail(t, rows[i], tc->col[k], err, "%g is not a finite float", x);
        }
    if (rc < 0) {
        free(v);
        mlpt_dataset_free(out);
        return -1;
    }
    mlpt_array_free(&out->labels_);
    mlpt_dataset_adopt(out, out->images_, values);
    out->s.n_classes = 0;
    return 0;
}

/* The test table: its own file, read with the training file's schema. */
static int load_test_table(const mlpt_config *cfg, target_columns *tc, mlpt_data *d,
                           mlpt_error *err)
{
    mlpt_csv t;
    if (mlpt_csv_load(cfg->data.test, cfg->data.delimiter, &t, err) < 0)
        return -1;
    size_t *rows = malloc((t.n_rows + 1) * sizeof *rows);
    int rc = rows ? find_targets(cfg, &t, tc, err) : mlpt_fail(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < t.n_rows; i++)
        rows[i] = i;
    if (rc == 0)
        rc = table_set(&t, &d->table, tc, d, rows, t.n_rows, &d->test, err);
    free(rows);
    mlpt_csv_free(&t);
    return rc;
}

static int load_tables(const mlpt_config *cfg, bool with_test, mlpt_data *d, mlpt_error *err)
{
    mlpt_csv t;
    class_map map = {0};
    target_columns tc = {.values = task_of(cfg)->values, .map = &map};
    size_t *rows = NULL;
    d->train_paths[0] = d->train_paths[1] = cfg->data.train;
    d->test_paths[0] = d->test_paths[1] = cfg->data.test_split > 0 ? cfg->data.train
                                                                   : cfg->data.test;
    if (mlpt_csv_load(cfg->data.train, cfg->data.delimiter, &t, err) < 0)
        return -1;
    d->n_rows = t.n_rows;
    uint8_t *labels = malloc(d->n_rows + 1);
    d->split = calloc(d->n_rows + 1, 1);
    d->lines = malloc((d->n_rows + 1) * sizeof *d->lines);
    rows = malloc((d->n_rows + 1) * sizeof *rows);
    int rc = labels && d->split && d->lines && rows ? 0 : mlpt_fail(err, "out of memory");
    if (rc == 0 && d->n_rows == 0)
        rc = mlpt_fail(err, "%s: holds no rows after the header", t.path);
    if (rc == 0)
        rc = find_targets(cfg, &t, &tc, err);
    if (rc == 0 && !tc.values)
        rc = table_classes(cfg, &t, tc.col[0], &map, d, err);
    for (size_t i = 0; rc == 0 && i < d->n_rows; i++) {
        d->lines[i] = t.lines[i + 1];
        if (!tc.values)
            rc = label_of(&t, i, tc.col[0], &map, d, &labels[i], err);
    }
    if (rc == 0 && cfg->data.test_split > 0)
        rc = hold_out_test(cfg, tc.values ? NULL : labels, t.path, d, err);
    size_t n_train = rc == 0 ? rows_marked(d, MLPT_ROW_TRAIN, rows) : 0;
    if (rc == 0)
        rc = make_schema(cfg, &t, tc.col, tc.n, rows, n_train, &d->table, err);
    if (rc == 0)
        rc = table_set(&t, &d->table, &tc, d, rows, n_train, &d->train, err);
    if (rc == 0 && with_test && cfg->data.test_split > 0)
        rc = table_set(&t, &d->table, &tc, d, rows, rows_marked(d, MLPT_ROW_TEST, rows),
                       &d->test, err);
    else if (rc == 0 && with_test)
        rc = load_test_table(cfg, &tc, d, err);
    free(rows);
    free(labels);
    free(map.values);
    mlpt_csv_free(&t);
    return rc;
}

/* ---- what every source shares ---- */

/* Fits the normalization `how` on s's values (shift and factor: s->features
 * each); inputs flagged in skip (may be NULL) keep shift 0 and factor 1. */
static void fit(const mlpt_samples *s, mlpt_normalize how, const bool *skip, float *shift,
                float *factor)
{
    const size_t m = s->features;
    mlpt_samples raw = *s;
    raw.shift = raw.factor = NULL;
    for (size_t f = 0; f < m; f++) {
        double a = 0, b = 0; /* standard: mean, then the squared deviations; minmax: min, max */
        if (how == MLPT_NORMALIZE_MINMAX && s->n)
            a = b = mlpt_samples_value(&raw, 0, f);
        for (size_t i = 0; i < s->n; i++) {
            const double v = mlpt_samples_value(&raw, i, f);
            if (how == MLPT_NORMALIZE_STANDARD)
                a += v;
            else if (v < a)
                a = v;
            else if (v > b)
                b = v;
        }
        if (how == MLPT_NORMALIZE_STANDARD) {
            a /= (double)s->n;
            for (size_t i = 0; i < s->n; i++) {
                const double dev = mlpt_samples_value(&raw, i, f) - a;
                b += dev * dev;
            }
            b = sqrt(b / (double)s->n);
        } else {
            b -= a;
        }
        const bool keep = (skip && skip[f]) || how == MLPT_NORMALIZE_NONE;
        shift[f] = keep ? 0.0f : (float)a;
        factor[f] = keep || !(b > 0) ? 1.0f : (float)(1.0 / b);
    }
}

/* Which inputs are one-hot values, which normalization leaves alone. */
static bool *one_hot_inputs(const mlpt_data *d, size_t features)
{
    bool *skip = calloc(features + 1, sizeof *skip);
    size_t at = 0;
    for (size_t c = 0; skip && c < d->table.n_columns; c++) {
        const size_t levels = d->table.columns[c].n_levels;
        for (size_t l = 0; l < levels; l++)
            skip[at + l] = true;
        at += levels ? levels : 1;
    }
    return skip;
}

/* classes = auto decides the class count: the last layer must tell that
 * many apart (a single sigmoid: two). */
static int check_last_layer(const mlpt_config *cfg, const mlpt_data *d, mlpt_error *err)
{
    const int last = cfg->model.n_layers - 1;
    const size_t units = (size_t)cfg->model.layers[last].units;
    const mlpt_task *task = task_of(cfg);
    if (task->values || cfg->data.n_classes || task->classes(units) == d->n_classes)
        return 0;
    char where[MLPT_ERROR_LEN], names[512], hint[160] = "";
    if (task->bit == MLPT_TASK_BINARY)
        snprintf(hint, sizeof hint, " (for %d classes: `dense %d softmax` with loss "
                 "sparse_categorical_crossentropy)", d->n_classes, d->n_classes);
    return mlpt_fail(err, "%s: the last layer tells %d %s apart (%s), but classes = auto found "
                     "%d %s in %s (%s); they must be equal%s",
                     mlpt_config_origin(cfg, "layer", last, where, sizeof where),
                     task->classes(units),
                     mlpt_noun((size_t)task->classes(units), "class", "classes"), task->name,
                     d->n_classes, mlpt_noun((size_t)d->n_classes, "class", "classes"),
                     d->train_paths[1], class_list(d, names, sizeof names), hint);
}

/* Scale, validation split and normalization, on the loaded sets. */
static int finish(const mlpt_config *cfg, mlpt_data *d, mlpt_error *err)
{
    mlpt_dataset_scale(&d->train, cfg->data.scale);
    mlpt_dataset_scale(&d->test, d->train.s.scale);
    d->train.s.n_classes = d->test.s.n_classes = d->n_classes;
    /* As Keras's validation_split: train on the first floor(n * (1 - v))
     * samples, validate on the rest, before any shuffling. */
    const size_t n = d->train.s.n;
    const size_t split = (size_t)floor((double)n * (1.0 - cfg->data.validation));
    if (cfg->data.validation > 0 && (split == 0 || split == n)) {
        char where[MLPT_ERROR_LEN];
        return mlpt_fail(err, "%s: validation = %g of %zu %s leaves %zu for validation and "
                         "%zu for training; both need at least one",
                         mlpt_config_origin(cfg, "validation", 0, where, sizeof where),
                         cfg->data.validation, n, mlpt_noun(n, "sample", "samples"), n - split,
                         split);
    }
    for (size_t i = 0, k = 0; i < d->n_rows; i++)
        if (d->split[i] == MLPT_ROW_TRAIN && k++ >= split)
            d->split[i] = MLPT_ROW_VALIDATION;
    d->normalize = cfg->data.normalize;
    if (d->normalize != MLPT_NORMALIZE_NONE) {
        const size_t m = d->train.s.features;
        bool *skip = one_hot_inputs(d, m);
        d->shift = malloc(m * sizeof *d->shift);
        d->factor = malloc(m * sizeof *d->factor);
        if (!skip || !d->shift || !d->factor) {
            free(skip);
            return mlpt_fail(err, "out of memory for the normalization");
        }
        const mlpt_samples part = mlpt_samples_slice(&d->train.s, 0, split);
        fit(&part, d->normalize, skip, d->shift, d->factor);
        free(skip);
        d->train.s.shift = d->test.s.shift = d->shift;
        d->train.s.factor = d->test.s.factor = d->factor;
    }
    d->fit = mlpt_samples_slice(&d->train.s, 0, split);
    d->val = mlpt_samples_slice(&d->train.s, split, n - split);
    return 0;
}

int mlpt_data_check_paths(const mlpt_config *cfg, bool train, bool test, mlpt_error *err)
{
    const struct {
        const char *key, *path;
        bool wanted;
    } files[] = {{"train_images", cfg->data.train_images, train},
                 {"train_labels", cfg->data.train_labels, train},
                 {"test_images", cfg->data.test_images, test},
                 {"test_labels", cfg->data.test_labels, test},
                 {"train", cfg->data.train, train || (test && cfg->data.test_split > 0)},
                 {"test", cfg->data.test, test}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = files[i].path;
        char archive[MLPT_PATH_LEN]; /* ARCHIVE.npz:ARRAY: the archive is there */
        if (!files[i].wanted || !path[0] || access(path, F_OK) == 0 || errno != ENOENT ||
            mlpt_npz_member(path, archive, sizeof archive))
            continue;
        return mlpt_config_no_file(cfg, files[i].key, path, err);
    }
    return 0;
}

int mlpt_config_no_file(const mlpt_config *cfg, const char *key, const char *path,
                        mlpt_error *err)
{
    char setting[MLPT_PATH_LEN + 128], cwd[MLPT_PATH_LEN] = "";
    mlpt_config_origin(cfg, key, 0, setting, sizeof setting);
    if (path[0] == '/')
        return mlpt_fail(err, "%s: no such file", setting);
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, "which cannot be named");
    return mlpt_fail(err, "%s: no such file (a relative path resolves against the working "
                          "directory, %s, not the config's folder)", setting, cwd);
}

int mlpt_data_load(const mlpt_config *cfg, bool with_test, mlpt_data *out, mlpt_error *err)
{
    mlpt_data d = {0};
    memset(out, 0, sizeof *out);
    const int rc = cfg->data.train[0] ? load_tables(cfg, with_test, &d, err)
                                      : load_arrays(cfg, with_test, &d, err);
    if (rc < 0 || check_last_layer(cfg, &d, err) < 0 ||
        check_probabilities(cfg, &d.train.s, d.train_paths[1], err) < 0 ||
        (d.test.s.n && check_probabilities(cfg, &d.test.s, d.test_paths[1], err) < 0) ||
        finish(cfg, &d, err) < 0) {
        mlpt_data_free(&d);
        return -1;
    }
    *out = d;
    return 0;
}

void mlpt_data_resolve_config(const mlpt_config *cfg, const mlpt_data *d, mlpt_config *out)
{
    *out = *cfg;
    out->data.n_classes = d->n_classes;
    memcpy(out->data.classes, d->classes, sizeof d->classes);
}

void mlpt_data_free(mlpt_data *d)
{
    mlpt_dataset_free(&d->train);
    mlpt_dataset_free(&d->test);
    mlpt_table_schema_free(&d->table);
    free(d->shift);
    free(d->factor);
    free(d->split);
    free(d->lines);
    memset(d, 0, sizeof *d);
}
