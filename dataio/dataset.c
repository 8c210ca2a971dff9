/* dataset.c - an input file and a label file, IDX or NumPy, checked against
 * each other (see mlpt/dataset.h). */
#include "mlpt/dataset.h"

#include <stdbool.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "le_bytes.h"
#include "mlpt/npy.h"
#include "mlpt/npz.h"

_Static_assert(MLPT_ARRAY_MAX_RANK == MLPT_IDX_MAX_RANK &&
                   MLPT_MAX_SAMPLE_RANK >= MLPT_ARRAY_MAX_RANK - 1,
               "a sample of any array a data file holds must fit mlpt_samples");

/* ---- one file as an array ---- */

/* The digest of a NumPy array: its shape, then its bytes as loaded. */
static mlpt_idx_digest array_digest(const mlpt_array *a)
{
    uint64_t hash = mlpt_fnv_start;
    for (int i = 0; i < a->rank; i++) {
        unsigned char dim[8];
        put_le64(dim, a->dims[i]);
        hash = mlpt_fnv1a(hash, dim, sizeof dim);
    }
    const size_t bytes = a->count * (size_t)a->itemsize;
    return (mlpt_idx_digest){8 * (uint64_t)a->rank + bytes, mlpt_fnv1a(hash, a->data, bytes)};
}

static int load_npy(const char *path, mlpt_array *a, mlpt_idx_digest *digest, mlpt_error *err)
{
    if (mlpt_npy_load(path, a, err) < 0)
        return -1;
    *digest = array_digest(a);
    return 0;
}

/* FILE.npz:NAME; FILE.npz alone fails, listing the arrays it holds. */
static int load_npz(const char *path, const char *member, mlpt_array *a, mlpt_idx_digest *digest,
                    mlpt_error *err)
{
    if (mlpt_npz_load(path, member, a, err) < 0)
        return -1;
    *digest = array_digest(a);
    return 0;
}

static int load_idx(const char *path, mlpt_array *a, mlpt_idx_digest *digest, mlpt_error *err)
{
    mlpt_idx t;
    if (mlpt_idx_load(path, &t, err) < 0)
        return -1;
    *a = (mlpt_array){.kind = t.kind, .itemsize = t.itemsize, .rank = t.rank,
                      .count = t.count, .data = t.data};
    memcpy(a->dims, t.dims, sizeof a->dims);
    *digest = t.digest;
    return 0;
}

/* path as an array with its digest. The array formats are told apart by
 * content, in this order: the file is a .npy, or a .npz (which, read
 * without a member, fails listing its arrays); or the part before the last
 * colon is a .npz and the member follows. IDX is last and takes anything,
 * so that its reader names what is wrong with a file of no known format,
 * or one that cannot be opened. (CSV tables are the one table format: see
 * mlpt/table.h.) */
static int load_array(const char *path, mlpt_array *a, mlpt_idx_digest *digest,
                      mlpt_error *err)
{
    char archive[FILENAME_MAX];
    const char *member;
    switch (mlpt_file_sniff_path(path, NULL, NULL)) {
    case MLPT_FILE_NPY:
        return load_npy(path, a, digest, err);
    case MLPT_FILE_ZIP:
        return load_npz(path, NULL, a, digest, err);
    default:
        member = mlpt_npz_member(path, archive, sizeof archive);
        return member ? load_npz(archive, member, a, digest, err)
                      : load_idx(path, a, digest, err);
    }
}

/* ---- inputs and labels ---- */

/* a's values as float32, in place when they are float32 already. */
static int to_float32(const char *path, mlpt_array *a, mlpt_error *err)
{
    if (a->kind == MLPT_ARRAY_FLOAT && a->itemsize == 4)
        return 0;
    float *f = malloc((a->count ? a->count : 1) * sizeof *f);
    if (!f)
        return mlpt_fail_at(err, path, NULL, "out of memory to convert %zu %s values to "
                            "float32", a->count, mlpt_array_dtype_name(a));
    for (size_t i = 0; i < a->count; i++)
        f[i] = (float)mlpt_array_get(a, i);
    free(a->data);
    a->data = f;
    a->kind = MLPT_ARRAY_FLOAT;
    a->itemsize = 4;
    return 0;
}

/* Inputs that are bytes stay bytes; any other type becomes float32. */
static int as_inputs(const char *path, mlpt_array *a, mlpt_error *err)
{
    const bool bytes = a->itemsize == 1 && a->kind != MLPT_ARRAY_INT;
    return bytes ? 0 : to_float32(path, a, err);
}

/* Labels of any integer type, or floats that are whole numbers (Keras
 * code often holds 0/1 targets as float32), become one byte each (class
 * indices; the class count is at most 256), in place. */
static int as_labels(const char *path, mlpt_array *a, mlpt_error *err)
{
    uint8_t *bytes = a->data;
    for (size_t i = 0; i < a->count; i++) {
        const double v = mlpt_array_get(a, i);
        if (v != floor(v))
            return mlpt_fail_at(err, path, NULL, "target at index %zu is %g: class labels "
                                "are whole numbers (a model that predicts numbers ends in "
                                "`dense N linear` with loss mean_squared_error)", i, v);
        if (v < 0 || v > 255)
            return mlpt_fail_at(err, path, NULL, "label at index %zu is %.0f, not a class index "
                                "from 0 to 255", i, v);
        bytes[i] = (uint8_t)v;
    }
    a->kind = MLPT_ARRAY_UINT;
    a->itemsize = 1;
    /* y of shape (n, 1), as Keras code often holds it, is a list of labels */
    if (a->rank == 2 && a->dims[1] == 1)
        a->rank = 1;
    return 0;
}

/* Value targets, of any numeric type, become float32 rows: (count) is one
 * value per sample, (count, k) k of them. */
static int as_values(const char *path, mlpt_array *a, mlpt_error *err)
{
    if (a->rank > 2)
        return mlpt_fail_at(err, path, NULL, "targets of rank %d: expected (count) or (count, "
                            "outputs)", a->rank);
    if (to_float32(path, a, err) < 0)
        return -1;
    const float *v = a->data;
    for (size_t i = 0; i < a->count; i++)
        if (!isfinite(v[i]))
            return mlpt_fail_at(err, path, NULL, "target at index %zu is %g: targets must be "
                                "finite", i, (double)v[i]);
    if (a->rank == 1) {
        a->rank = 2;
        a->dims[1] = 1;
    }
    return 0;
}

/* Checks that images (count x sample dims) and labels (count) belong
 * together. */
static int check_pair(const char *images_path, const mlpt_array *images,
                      const char *labels_path, const mlpt_array *labels, int n_classes,
                      mlpt_error *err)
{
    if (images->rank < 2)
        return mlpt_fail(err, "%s: images need rank >= 2 (count x sample dims), got rank %d",
                         images_path, images->rank);
    if (labels->rank != 1 && labels->kind != MLPT_ARRAY_FLOAT)
        return mlpt_fail(err, "%s: labels need rank 1 (count), got rank %d",
                         labels_path, labels->rank);
    if (images->dims[0] != labels->dims[0])
        return mlpt_fail(err, "%s holds %zu %s but %s holds %zu %s", images_path,
                         images->dims[0], mlpt_noun(images->dims[0], "image", "images"),
                         labels_path, labels->dims[0],
                         mlpt_noun(labels->dims[0], "label", "labels"));
    if (images->count == 0)
        return mlpt_fail(err, "%s: holds no samples", images_path);
    const uint8_t *y = labels->data;
    for (size_t i = 0; n_classes && i < labels->count; i++)
        if (y[i] >= n_classes)
            return mlpt_fail(err, "%s: label at index %zu is %u, not below the class count %d",
                             labels_path, i, y[i], n_classes);
    return 0;
}

int mlpt_dataset_load(const char *images_path, const char *labels_path,
                      int n_classes, mlpt_dataset *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_classes < 0)
        return mlpt_fail(err, "%s: class count %d is negative", labels_path, n_classes);

    mlpt_dataset d = {0};
    if (load_array(images_path, &d.images_, &d.images_digest, err) < 0 ||
        as_inputs(images_path, &d.images_, err) < 0 ||
        load_array(labels_path, &d.labels_, &d.labels_digest, err) < 0 ||
        (n_classes ? as_labels(labels_path, &d.labels_, err)
                   : as_values(labels_path, &d.labels_, err)) < 0 ||
        check_pair(images_path, &d.images_, labels_path, &d.labels_, n_classes, err) < 0) {
        mlpt_dataset_free(&d);
        return -1;
    }
    mlpt_samples *s = &d.s;
    s->n = d.images_.dims[0];
    s->rank = d.images_.rank - 1;
    s->features = 1;
    for (int i = 0; i < s->rank; i++) {
        s->dims[i] = d.images_.dims[i + 1];
        s->features *= s->dims[i]; /* a factor of images_.count: no overflow */
    }
    if (d.images_.itemsize == 1)
        s->bytes = d.images_.data;
    else
        s->floats = d.images_.data;
    s->scale = 1.0f;
    s->n_classes = n_classes;
    mlpt_dataset_adopt(&d, d.images_, d.labels_);
    *out = d;
    return 0;
}

void mlpt_dataset_adopt(mlpt_dataset *d, mlpt_array inputs, mlpt_array targets)
{
    const bool values = targets.kind == MLPT_ARRAY_FLOAT;
    d->images_ = inputs;
    d->labels_ = targets;
    d->s.n = targets.dims[0];
    d->s.bytes = inputs.itemsize == 1 ? inputs.data : NULL;
    d->s.floats = inputs.itemsize == 1 ? NULL : inputs.data;
    d->s.labels = values ? NULL : targets.data;
    d->s.targets = values ? targets.data : NULL;
    d->s.target_width = values ? targets.dims[1] : 0;
    if (d->s.scale <= 0)
        d->s.scale = 1.0f;
}

int mlpt_dataset_load_inputs(const char *path, mlpt_dataset *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    mlpt_dataset d = {0};
    if (load_array(path, &d.images_, &d.images_digest, err) < 0 ||
        as_inputs(path, &d.images_, err) < 0) {
        mlpt_dataset_free(&d);
        return -1;
    }
    if (d.images_.rank < 2 || d.images_.count == 0) {
        mlpt_dataset_free(&d);
        return mlpt_fail(err, "%s: inputs need rank >= 2 (count x sample dims) and at least "
                         "one sample", path);
    }
    const size_t n = d.images_.dims[0];
    mlpt_array labels = {.kind = MLPT_ARRAY_UINT, .itemsize = 1, .rank = 1, .dims = {n},
                         .count = n, .data = calloc(n, 1)};
    if (!labels.data) {
        mlpt_dataset_free(&d);
        return mlpt_fail(err, "%s: out of memory", path);
    }
    d.s.rank = d.images_.rank - 1;
    d.s.features = d.images_.count / n;
    memcpy(d.s.dims, d.images_.dims + 1, (size_t)d.s.rank * sizeof d.s.dims[0]);
    mlpt_dataset_adopt(&d, d.images_, labels);
    *out = d;
    return 0;
}

int mlpt_dataset_take(const mlpt_dataset *src, const size_t *rows, size_t n, mlpt_dataset *out,
                      mlpt_error *err)
{
    const mlpt_samples *s = &src->s;
    const size_t width = s->features * (s->bytes ? 1 : sizeof(float));
    mlpt_dataset d = *src;
    mlpt_array inputs = {.kind = s->bytes ? MLPT_ARRAY_UINT : MLPT_ARRAY_FLOAT,
                         .itemsize = s->bytes ? 1 : 4, .rank = 2, .dims = {n, s->features},
                         .count = n * s->features, .data = malloc(n * width + 1)};
    /* the targets alike: a byte per label, or a row of floats */
    mlpt_array targets = src->labels_;
    const size_t target_bytes = targets.count / (targets.dims[0] ? targets.dims[0] : 1) *
                                targets.itemsize;
    targets.dims[0] = n;
    targets.count = n * (targets.count / (src->labels_.dims[0] ? src->labels_.dims[0] : 1));
    targets.data = malloc(n * target_bytes + 1);
    memset(out, 0, sizeof *out);
    if (!inputs.data || !targets.data) {
        free(inputs.data);
        free(targets.data);
        return mlpt_fail(err, "out of memory for %zu samples", n);
    }
    const unsigned char *from = s->bytes ? (const void *)s->bytes : (const void *)s->floats;
    const unsigned char *y = src->labels_.data;
    for (size_t i = 0; i < n; i++) {
        memcpy((unsigned char *)inputs.data + i * width, from + rows[i] * width, width);
        memcpy((unsigned char *)targets.data + i * target_bytes, y + rows[i] * target_bytes,
               target_bytes);
    }
    mlpt_dataset_adopt(&d, inputs, targets);
    *out = d;
    return 0;
}

void mlpt_dataset_scale(mlpt_dataset *d, float scale)
{
    d->s.scale = scale > 0 ? scale : d->s.bytes ? 255.0f : 1.0f;
}

void mlpt_dataset_free(mlpt_dataset *d)
{
    mlpt_array_free(&d->images_);
    mlpt_array_free(&d->labels_);
    memset(d, 0, sizeof *d);
}
