/* mlptrain predict MODEL INPUT...: what the model predicts (classes and
 * their probabilities, labels, values: see predictions.h) for PNG
 * pictures, IDX and NumPy arrays and CSV tables, from the model file
 * alone. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "predictions.h"
#include "mlpt/dataset.h"
#include "mlpt/fileio.h"
#include "mlpt/idx.h"
#include "mlpt/image.h"
#include "mlpt/npz.h"
#include "mlpt/table.h"
#include "mlpt/modelfile.h"
#include "mlpt/topology.h"
#include "mlpt/train.h"

/* One input's samples as a data set, with blank targets, and where its
 * indices start. */
typedef struct batch {
    mlpt_samples set;
    mlpt_dataset rows;  /* owned, for IDX, NumPy and CSV inputs */
    uint8_t *pixels;    /* owned, for PNG inputs */
    uint8_t *labels;    /* owned, n zeros: a label task's targets */
    float *targets;     /* owned, n x outputs zeros: a value task's */
    size_t first;       /* index of set's first sample in the file */
    char path[MLPT_PATH_LEN]; /* the file, without its index range */
} batch;

static void batch_free(batch *b)
{
    mlpt_dataset_free(&b->rows);
    free(b->pixels);
    free(b->labels);
    free(b->targets);
    memset(b, 0, sizeof *b);
}

static bool is_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Digits only, at least one; *end is set past them. */
static bool digits(const char *s, const char **end)
{
    *end = s;
    while (**end >= '0' && **end <= '9')
        ++*end;
    return *end > s;
}

/* "FILE:A-B" (inclusive), "FILE:A" or "FILE" into path and [first, last].
 * An input naming an existing file is that file, ':' or not. */
static int parse_range(const char *input, char *path, size_t *first, size_t *last, bool *ranged,
                       mlpt_error *err)
{
    const size_t n = strlen(input);
    *ranged = false;
    if (n == 0 || n >= MLPT_PATH_LEN)
        return mlpt_fail(err, "%s: expected a file name", input);
    memcpy(path, input, n + 1);
    char *colon = strrchr(path, ':');
    if (!colon || is_file(input))
        return 0;
    *colon = '\0';
    const char *spec = input + (colon - path) + 1, *end;
    if (!digits(spec, &end) ||
        (*end != '\0' && (*end != '-' || !digits(end + 1, &end) || *end != '\0'))) {
        if (mlpt_file_sniff_path(path, NULL, NULL) == MLPT_FILE_ZIP) { /* ARCHIVE.npz:ARRAY */
            memcpy(path, input, n + 1);
            return 0;
        }
        if (is_file(path))
            return mlpt_fail(err, "%s: malformed index range '%s': expected FILE:N or "
                             "FILE:FIRST-LAST, whole numbers from 0", input, spec);
        memcpy(path, input, n + 1); /* no FILE either: the reader names what it cannot open */
        return 0;
    }
    if (path[0] == '\0')
        return mlpt_fail(err, "%s: expected a file name", input);
    char *stop;
    errno = 0;
    const unsigned long long a = strtoull(spec, &stop, 10);
    const unsigned long long b = *stop == '-' ? strtoull(stop + 1, NULL, 10) : a;
    if (errno == ERANGE || b > SIZE_MAX)
        return mlpt_fail(err, "%s: index out of range: at most %zu", input, (size_t)SIZE_MAX);
    if (b < a)
        return mlpt_fail(err, "%s: expected FILE:FIRST-LAST with FIRST <= LAST", input);
    *first = (size_t)a;
    *last = (size_t)b;
    *ranged = true;
    return 0;
}

/* The model's input as an image: H x W, or a flat square. */
static int image_shape(const mlpt_model *m, size_t *h, size_t *w)
{
    const mlpt_model_spec *s = &m->spec;
    if (s->input_rank == 2) {
        *h = s->input_dims[0];
        *w = s->input_dims[1];
        return 0;
    }
    for (size_t side = 1; side * side <= m->input_width; side++)
        if (side * side == m->input_width) {
            *h = *w = side;
            return 0;
        }
    return -1;
}

/* Whether path is a NumPy array: a .npy file, or ARCHIVE.npz:ARRAY. */
static bool is_numpy(const char *path)
{
    const mlpt_file_kind kind = mlpt_file_sniff_path(path, NULL, NULL);
    char archive[MLPT_PATH_LEN];
    return kind == MLPT_FILE_NPY || kind == MLPT_FILE_ZIP ||
           mlpt_npz_member(path, archive, sizeof archive);
}

/* An IDX, NumPy or (for a model trained on a table) CSV file's samples
 * [first, last] (all when not ranged) into b. */
static int load_rows(const char *input, const char *path, bool table, size_t first, size_t last,
                     bool ranged, const mlpt_model *m, const mlpt_model_info *info, batch *b,
                     mlpt_error *err)
{
    if ((table ? mlpt_table_load_inputs(path, &info->table, &b->rows, err)
               : mlpt_dataset_load_inputs(path, &b->rows, err)) < 0)
        return -1;
    const char *noun = table ? "rows" : is_numpy(path) ? "samples" : "images";
    const size_t count = b->rows.s.n, per = b->rows.s.features;
    if (per != m->input_width)
        return mlpt_fail(err, "%s: %s have %zu values but the model expects %zu", path, noun,
                         per, m->input_width);
    if (!ranged)
        last = count - 1;
    if (last >= count)
        return mlpt_fail(err, "%s: index %zu is beyond its %zu %s", input, last, count, noun);
    b->set = mlpt_samples_slice(&b->rows.s, first, last - first + 1);
    b->first = first;
    return 0;
}

/* The loss turns the last layer's logits into the outputs, and reads the
 * targets as it does: zeros of the task's kind stand in for them (the loss
 * is not reported). A CSV's target columns, when there, are not read. */
static int blank_targets(batch *b, const mlpt_model *m, mlpt_error *err)
{
    const mlpt_task *task = mlpt_task_of(m->spec.loss, m->output_width);
    const size_t n = b->set.n;
    if (task->values ? !(b->targets = calloc(n * m->output_width + 1, sizeof *b->targets))
                     : !(b->labels = calloc(n + 1, 1)))
        return mlpt_fail(err, "%s: out of memory for %zu samples", b->path, n);
    b->set.labels = b->labels;
    b->set.targets = b->targets;
    b->set.target_width = task->values ? m->output_width : 0;
    b->set.n_classes = task->values ? 0 : 1;
    return 0;
}

static int load_input(const char *input, const mlpt_model *m, const mlpt_model_info *info,
                      batch *b, mlpt_error *err)
{
    memset(b, 0, sizeof *b);
    char *path = b->path;
    size_t first = 0, last = 0;
    bool ranged;
    if (parse_range(input, path, &first, &last, &ranged, err) < 0)
        return -1;
    const char *format;
    size_t got;
    const mlpt_file_kind kind = mlpt_file_sniff_path(path, &format, &got);
    const bool numpy = is_numpy(path), table = info->table.delimiter && !numpy;
    if (kind == MLPT_FILE_OTHER && got >= 2 && !numpy && !table) /* shorter: the IDX reader
                                                                    says what is missing */
        return mlpt_fail(err, "%s: %s, which predict does not read: it reads PNG pictures and "
                         "IDX image files (raw or gzip), NumPy .npy files and .npz arrays, "
                         "and CSV tables for a model trained on one", path,
                         format ? format : "an unknown format");
    if (ranged && kind == MLPT_FILE_PNG)
        return mlpt_fail(err, "%s: an index range picks images of an IDX file, not of a PNG "
                         "picture", input);
    if (kind == MLPT_FILE_PNG) {
        size_t h, w;
        if (image_shape(m, &h, &w) < 0)
            return mlpt_fail(err, "%s: the model's input (%zu values) is not an image", path,
                             m->input_width);
        if (!(b->pixels = malloc(m->input_width)))
            return mlpt_fail(err, "out of memory");
        if (mlpt_image_load_png(path, h, w, b->pixels, err) < 0)
            return -1;
        b->set = (mlpt_samples){.n = 1, .rank = 1, .dims = {m->input_width},
                                .features = m->input_width, .bytes = b->pixels};
    } else if (load_rows(input, path, table, first, last, ranged, m, info, b, err) < 0) {
        return -1;
    }
    /* as the model was trained: its scale, its normalization */
    b->set.scale = info->scale;
    b->set.shift = info->shift;
    b->set.factor = info->factor;
    return blank_targets(b, m, err);
}

/* Prints the record on one line and releases it; -1 when it could not be
 * made (out of memory, a number JSON cannot hold). */
static int print_json(json_t *record)
{
    char *text = record ? json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(record);
    if (!text)
        return -1;
    puts(text);
    free(text);
    return 0;
}

/* An input that could not be predicted: a record in the JSON stream (in
 * order, for a reader matching outputs to inputs), else a line on stderr
 * after the rows so far. */
static void print_failure(const char *input, const char *why, bool json)
{
    if (json && print_json(json_pack("{s:s, s:s}", "input", input, "error", why)) == 0)
        return;
    fflush(stdout);
    fprintf(stderr, "mlptrain: error: %s\n", why);
}

int cli_predict(const cli_args *a, mlpt_error *err)
{
    mlpt_model m;
    mlpt_model_info info;
    mlpt_topology topo;
    predictions shown;
    if (mlpt_model_load(a->model, &m, &info, err) < 0)
        return -1;
    int rc = predictions_init(&shown, &m, &info, a->top, a->model, err);
    if (rc == 0)
        rc = mlpt_topology_probe(&topo, err);
    mlpt_atomic_file csv = {0};
    if (rc == 0 && a->csv && mlpt_atomic_open(&csv, a->csv, err) == 0)
        predictions_csv_header(&shown, csv.f);
    else if (a->csv)
        rc = -1;
    size_t failed = 0;
    bool header = a->json; /* JSON has none */
    /* A bad input is reported and the others still predicted; only a bad
     * model (above) stops at once. */
    for (size_t i = 0; rc == 0 && i < a->n_inputs; i++) {
        batch b;
        mlpt_eval_result r;
        mlpt_error why;
        float *out = NULL;
        int in_rc = load_input(a->inputs[i], &m, &info, &b, &why);
        if (in_rc == 0 && !(out = malloc(b.set.n * m.output_width * sizeof *out)))
            in_rc = mlpt_fail(&why, "out of memory for %zu predictions", b.set.n);
        if (in_rc == 0)
            in_rc = mlpt_evaluate(&m, &b.set, &(mlpt_metric_list){0}, topo.allowed_cores, out,
                                  &r, &why);
        const bool indexed = b.pixels == NULL; /* not a PNG */
        if (in_rc == 0 && !header) {
            predictions_text_header(&shown, stdout);
            header = true;
        }
        for (size_t s = 0; in_rc == 0 && s < b.set.n; s++) {
            const float *row = out + s * m.output_width;
            char label[MLPT_PATH_LEN + 32];
            snprintf(label, sizeof label, indexed ? "%s:%zu" : "%s", b.path, b.first + s);
            if (!a->json)
                predictions_text_row(&shown, stdout, label, row);
            else if (print_json(predictions_json(&shown, b.path, b.first + s, row)) < 0)
                in_rc = mlpt_fail(&why, "%s: cannot write the prediction of sample %zu as "
                                  "JSON", b.path, b.first + s);
        }
        for (size_t s = 0; in_rc == 0 && a->csv && s < b.set.n; s++)
            predictions_csv_row(&shown, csv.f, b.path, b.first + s, out + s * m.output_width);
        if (in_rc < 0 && a->n_inputs == 1 && !a->json) { /* the one input's error is the run's */
            *err = why;
            rc = -1;
        } else if (in_rc < 0) {
            failed++;
            print_failure(a->inputs[i], why.msg, a->json);
        }
        free(out);
        batch_free(&b);
    }
    /* the rows predicted, also when some inputs were not */
    if (csv.f && rc < 0)
        mlpt_atomic_abort(&csv);
    else if (csv.f && mlpt_atomic_commit(&csv, err) < 0)
        rc = -1;
    if (rc == 0 && failed)
        rc = mlpt_fail(err, "%zu of %zu inputs could not be predicted", failed, a->n_inputs);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
    return rc;
}
