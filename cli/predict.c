/* mlptrain predict MODEL INPUT...: class probabilities for PNG pictures and
 * IDX images, from the model file alone. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mlpt/idx.h"
#include "mlpt/image.h"
#include "mlpt/modelfile.h"
#include "mlpt/topology.h"
#include "mlpt/train.h"

/* One input's samples as a data set (labels all 0: only probabilities are
 * wanted), and where its indices start. */
typedef struct batch {
    mlpt_dataset set;
    mlpt_idx images;    /* owned, for IDX inputs */
    uint8_t *pixels;    /* owned, for PNG inputs */
    uint8_t *labels;    /* owned, n zeros */
    size_t first;       /* index of set's first sample in the file */
    char path[MLPT_PATH_LEN]; /* the file, without its index range */
} batch;

static void batch_free(batch *b)
{
    mlpt_idx_free(&b->images);
    free(b->pixels);
    free(b->labels);
    memset(b, 0, sizeof *b);
}

static bool is_png(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    bool png = f && fread(head, 1, 8, f) == 8 && memcmp(head, sig, 8) == 0;
    if (f)
        fclose(f);
    return png;
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
    const char *colon = strrchr(input, ':'), *end;
    *ranged = false;
    if (colon && !is_file(input) && digits(colon + 1, &end) &&
        (*end == '\0' || (*end == '-' && digits(end + 1, &end) && *end == '\0'))) {
        char *stop;
        errno = 0;
        unsigned long long a = strtoull(colon + 1, &stop, 10);
        unsigned long long b = *stop == '-' ? strtoull(stop + 1, NULL, 10) : a;
        if (errno || b < a)
            return mlpt_fail(err, "%s: expected FILE:FIRST-LAST with FIRST <= LAST", input);
        *first = (size_t)a;
        *last = (size_t)b;
        *ranged = true;
    }
    size_t len = *ranged ? (size_t)(colon - input) : strlen(input);
    if (len == 0 || len >= MLPT_PATH_LEN)
        return mlpt_fail(err, "%s: expected a file name", input);
    memcpy(path, input, len);
    path[len] = '\0';
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

static int load_input(const char *input, const mlpt_model *m, const mlpt_model_info *info,
                      batch *b, mlpt_error *err)
{
    memset(b, 0, sizeof *b);
    char *path = b->path;
    size_t first = 0, last = 0, n;
    bool ranged;
    if (parse_range(input, path, &first, &last, &ranged, err) < 0)
        return -1;
    const uint8_t *pixels;
    if (!ranged && is_png(path)) {
        size_t h, w;
        if (image_shape(m, &h, &w) < 0)
            return mlpt_fail(err, "%s: the model's input (%zu values) is not an image", path,
                             m->input_width);
        if (!(b->pixels = malloc(m->input_width)))
            return mlpt_fail(err, "out of memory");
        if (mlpt_image_load_png(path, h, w, b->pixels, err) < 0)
            return -1;
        pixels = b->pixels;
        n = 1;
    } else {
        if (mlpt_idx_load(path, &b->images, err) < 0)
            return -1;
        const size_t count = b->images.dims[0], per = b->images.count / count;
        if (per != m->input_width)
            return mlpt_fail(err, "%s: images have %zu values but the model expects %zu", path,
                             per, m->input_width);
        if (!ranged)
            last = count - 1;
        if (last >= count)
            return mlpt_fail(err, "%s: index %zu is beyond its %zu images", input, last, count);
        n = last - first + 1;
        pixels = b->images.data + first * per;
        b->first = first;
    }
    if (!(b->labels = calloc(n, 1)))
        return mlpt_fail(err, "out of memory");
    b->set = (mlpt_dataset){.n = n, .sample_rank = 1, .sample_dims = {m->input_width},
                            .features = m->input_width, .pixels = pixels, .labels = b->labels,
                            .n_classes = info->n_classes};
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

static int print_row(const char *input, size_t index, bool indexed, const float *p,
                     const mlpt_model_info *info, int top, bool json)
{
    int order[MLPT_MAX_CLASSES];
    rank_classes(p, info->n_classes, order);
    const int best = order[0];
    if (json) {
        json_t *probs = json_array();
        for (int k = 0; k < info->n_classes; k++)
            json_array_append_new(probs, json_real(p[k]));
        json_t *row = json_pack("{s:s, s:I, s:i, s:s, s:o}", "input", input, "index",
                                (json_int_t)index, "predicted", best, "class",
                                info->classes[best], "probabilities", probs);
        char *text = row ? json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(row);
        if (!text)
            return -1;
        puts(text);
        free(text);
        return 0;
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

int cli_predict(const cli_args *a, mlpt_error *err)
{
    mlpt_model m;
    mlpt_model_info info;
    mlpt_topology topo;
    if (mlpt_model_load(a->model, &m, &info, err) < 0)
        return -1;
    int rc = mlpt_topology_probe(&topo, err);
    const int top = a->top > info.n_classes ? info.n_classes : a->top;
    for (size_t i = 0; rc == 0 && i < a->n_inputs; i++) {
        batch b;
        mlpt_eval_result r;
        float *probs = NULL;
        rc = load_input(a->inputs[i], &m, &info, &b, err);
        if (rc == 0 && !(probs = malloc(b.set.n * m.output_width * sizeof *probs)))
            rc = mlpt_fail(err, "out of memory for %zu predictions", b.set.n);
        if (rc == 0)
            rc = mlpt_evaluate(&m, &b.set, info.scale, topo.allowed_cores, probs, &r, err);
        const bool indexed = b.images.data != NULL; /* IDX, not PNG */
        if (rc == 0 && !a->json && i == 0) /* inputs after a failure are not read */
            print_header(&info, top);
        for (size_t s = 0; rc == 0 && s < b.set.n; s++)
            if (print_row(b.path, b.first + s, indexed, probs + s * m.output_width, &info, top,
                          a->json) < 0)
                rc = mlpt_fail(err, "cannot format the prediction as JSON");
        free(probs);
        batch_free(&b);
    }
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
    return rc;
}
