/* mlptrain predict MODEL INPUT...: class probabilities for PNG pictures,
 * IDX and NumPy arrays and CSV tables, from the model file alone. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mlpt/dataset.h"
#include "mlpt/fileio.h"
#include "mlpt/idx.h"
#include "mlpt/image.h"
#include "mlpt/npz.h"
#include "mlpt/table.h"
#include "mlpt/modelfile.h"
#include "mlpt/topology.h"
#include "mlpt/train.h"

/* One input's samples as a data set (labels all 0: only probabilities are
 * wanted), and where its indices start. */
typedef struct batch {
    mlpt_samples set;
    mlpt_dataset rows;  /* owned, for IDX, NumPy and CSV inputs */
    uint8_t *pixels;    /* owned, for PNG inputs */
    uint8_t *labels;    /* owned, n zeros */
    size_t first;       /* index of set's first sample in the file */
    char path[MLPT_PATH_LEN]; /* the file, without its index range */
} batch;

static void batch_free(batch *b)
{
    mlpt_dataset_free(&b->rows);
    free(b->pixels);
    free(b->labels);
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
        if (!(b->pixels = malloc(m->input_width)) || !(b->labels = calloc(1, 1)))
            return mlpt_fail(err, "out of memory");
        if (mlpt_image_load_png(path, h, w, b->pixels, err) < 0)
            return -1;
        b->set = (mlpt_samples){.n = 1, .rank = 1, .dims = {m->input_width},
                                .features = m->input_width, .bytes = b->pixels,
                                .labels = b->labels};
    } else if (load_rows(input, path, table, first, last, ranged, m, info, b, err) < 0) {
        return -1;
    }
    /* as the model was trained: its scale, its normalization */
    b->set.scale = info->scale;
    b->set.shift = info->shift;
    b->set.factor = info->factor;
    b->set.n_classes = info->n_classes;
    return 0;
}

/* Class indices by decreasing probability (ties: lower index first). */
static void rank_classes(const float *p, int n, int *order)
{
    for (int i = 0; i < n; i++) {
        int j = i;
        for (; j > 0 && p[order[j - 1]] < p[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
}

static void print_header(const mlpt_model_info *info, int top)
{
    printf("%-40s %-16s", "input", "predicted");
    if (top)
        printf(" top %d\n", top);
    else {
        for (int k = 0; k < info->n_classes; k++)
            printf(" %7.7s", info->classes[k]);
        putchar('\n');
    }
}

/* Prints the record on one line and releases it; -1 when it could not be
 * made (out of memory). */
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

static int print_row(const char *input, size_t index, bool indexed, const float *p,
                     const mlpt_model_info *info, int top, bool json)
{
    int order[MLPT_MAX_CLASSES];
    rank_classes(p, info->n_classes, order);
    const int best = order[0];
    if (json) {
        json_t *probs = json_array(), *ranked = json_array();
        for (int k = 0; k < info->n_classes; k++)
            json_array_append_new(probs, json_real(p[k]));
        for (int k = 0; k < top; k++)
            json_array_append_new(ranked, json_pack("{s:s, s:f}", "class",
                                                    info->classes[order[k]], "probability",
                                                    (double)p[order[k]]));
        json_t *row = json_pack("{s:s, s:I, s:i, s:s, s:o}", "input", input, "index",
                                (json_int_t)index, "predicted", best, "class",
                                info->classes[best], "probabilities", probs);
        if (row && top)
            json_object_set(row, "top", ranked);
        json_decref(ranked);
        return print_json(row);
    }
    char label[MLPT_PATH_LEN + 32], predicted[MLPT_CLASS_NAME_LEN + 16];
    if (indexed)
        snprintf(label, sizeof label, "%s:%zu", input, index);
    else
        snprintf(label, sizeof label, "%s", input);
    snprintf(predicted, sizeof predicted, "%s (%.1f%%)", info->classes[best], 100.0 * p[best]);
    printf("%-40s %-16s", label, predicted);
    for (int k = 0; k < (top ? top : info->n_classes); k++) {
        const int c = top ? order[k] : k;
        if (top)
            printf(" %s %.1f%%%s", info->classes[c], 100.0 * p[c], k + 1 < top ? "," : "");
        else
            printf(" %7.4f", p[c]);
    }
    putchar('\n');
    return 0;
}

/* One CSV field, quoted when it holds a delimiter, a quote or a line end. */
static void csv_field(FILE *f, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p; p++)
        fputs(*p == '"' ? "\"\"" : (char[2]){*p, '\0'}, f);
    fputc('"', f);
}

/* --csv: input, index, predicted class, one probability column per class. */
static void csv_header(FILE *f, const mlpt_model_info *info)
{
    fputs("input,index,predicted", f);
    for (int k = 0; k < info->n_classes; k++) {
        fputc(',', f);
        csv_field(f, info->classes[k]);
    }
    fputc('\n', f);
}

static void csv_row(FILE *f, const char *input, size_t index, const float *p,
                    const mlpt_model_info *info)
{
    csv_field(f, input);
    fprintf(f, ",%zu,", index);
    csv_field(f, info->classes[mlpt_argmax(p, (size_t)info->n_classes)]);
    for (int k = 0; k < info->n_classes; k++)
        fprintf(f, ",%.9g", (double)p[k]);
    fputc('\n', f);
}

int cli_predict(const cli_args *a, mlpt_error *err)
{
    mlpt_model m;
    mlpt_model_info info;
    mlpt_topology topo;
    if (mlpt_model_load(a->model, &m, &info, err) < 0)
        return -1;
    int rc = mlpt_topology_probe(&topo, err);
    mlpt_atomic_file csv = {0};
    if (rc == 0 && a->csv && mlpt_atomic_open(&csv, a->csv, err) == 0)
        csv_header(csv.f, &info);
    else if (a->csv)
        rc = -1;
    const int top = a->top > info.n_classes ? info.n_classes : a->top;
    size_t failed = 0;
    bool header = a->json; /* JSON has none */
    /* A bad input is reported and the others still predicted; only a bad
     * model (above) stops at once. */
    for (size_t i = 0; rc == 0 && i < a->n_inputs; i++) {
        batch b;
        mlpt_eval_result r;
        mlpt_error why;
        float *probs = NULL;
        int in_rc = load_input(a->inputs[i], &m, &info, &b, &why);
        if (in_rc == 0 && !(probs = malloc(b.set.n * m.output_width * sizeof *probs)))
            in_rc = mlpt_fail(&why, "out of memory for %zu predictions", b.set.n);
        if (in_rc == 0)
            in_rc = mlpt_evaluate(&m, &b.set, &(mlpt_metric_list){0}, topo.allowed_cores, probs,
                                  &r, &why);
        const bool indexed = b.pixels == NULL; /* not a PNG */
        if (in_rc == 0 && !header) {
            print_header(&info, top);
            header = true;
        }
        for (size_t s = 0; in_rc == 0 && s < b.set.n; s++)
            if (print_row(b.path, b.first + s, indexed, probs + s * m.output_width, &info, top,
                          a->json) < 0)
                in_rc = mlpt_fail(&why, "cannot format the prediction as JSON");
        for (size_t s = 0; in_rc == 0 && a->csv && s < b.set.n; s++)
            csv_row(csv.f, b.path, b.first + s, probs + s * m.output_width, &info);
        if (in_rc < 0 && a->n_inputs == 1 && !a->json) { /* the one input's error is the run's */
            *err = why;
            rc = -1;
        } else if (in_rc < 0) {
            failed++;
            print_failure(a->inputs[i], why.msg, a->json);
        }
        free(probs);
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
