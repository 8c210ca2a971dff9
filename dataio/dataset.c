/* dataset.c - an input file and a label file, IDX or NumPy .npy, checked
 * against each other (see mlpt/dataset.h). */
#include "mlpt/dataset.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/npy.h"
#include "mlpt/npz.h"
#include "le_bytes.h"

/* Image files have rank <= MLPT_IDX_MAX_RANK, so one sample has at most
 * MLPT_IDX_MAX_RANK - 1 dimensions; sample_dims must hold them all. */
_Static_assert(sizeof ((mlpt_dataset *)0)->sample_dims
                   / sizeof ((mlpt_dataset *)0)->sample_dims[0] >= MLPT_IDX_MAX_RANK - 1,
               "sample_dims cannot hold the dimensions of an IDX sample");

/* Returns the index of the first label >= n_classes, or n if there is none. */
static size_t first_bad_label(const uint8_t *labels, size_t n, int n_classes)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= n_classes)
            return i;
    return n;
}

/* Checks that images (count x sample dims) and labels (count) belong
 * together. */
static int check_pair(const char *images_path, const mlpt_idx *images,
                      const char *labels_path, const mlpt_idx *labels, int n_classes,
                      mlpt_error *err)
{
    if (images->rank < 2)
        return mlpt_fail(err, "%s: images need rank >= 2 (count x sample dims), got rank %d",
                         images_path, images->rank);
    if (labels->rank != 1)
        return mlpt_fail(err, "%s: labels need rank 1 (count), got rank %d",
                         labels_path, labels->rank);
    if (images->dims[0] != labels->dims[0])
        return mlpt_fail(err, "%s holds %zu %s but %s holds %zu %s", images_path,
                         images->dims[0], mlpt_noun(images->dims[0], "image", "images"),
                         labels_path, labels->dims[0],
                         mlpt_noun(labels->dims[0], "label", "labels"));
    size_t bad = first_bad_label(labels->data, labels->count, n_classes);
    if (bad < labels->count)
        return mlpt_fail(err, "%s: label at index %zu is %u, not below the class count %d",
                         labels_path, bad, labels->data[bad], n_classes);
    return 0;
}

_Static_assert(MLPT_NPY_MAX_RANK == MLPT_IDX_MAX_RANK,
               "a .npy array must fit the tensor an IDX file loads into");

/* Whether path starts with the .npy magic; a file that cannot be read is
 * left to the IDX reader, whose error names the reason. */
static bool is_npy(const char *path)
{
    unsigned char magic[6];
    FILE *f = fopen(path, "rb");
    const bool npy = f && fread(magic, 1, sizeof magic, f) == sizeof magic &&
                     memcmp(magic, "\x93NUMPY", sizeof magic) == 0;
    if (f)
        fclose(f);
    return npy;
}

/* A NumPy array (from a .npy file, or the member of a .npz archive named
 * after the last colon: "mnist.npz:x_train"); *found is false when path is
 * neither. */
static int load_numpy(const char *path, mlpt_npy *a, bool *found, mlpt_error *err)
{
    *found = true;
    if (is_npy(path))
        return mlpt_npy_load(path, a, err);
    if (mlpt_npz_is_archive(path))
        return mlpt_npz_load(path, NULL, a, err); /* fails, listing the arrays */
    const char *colon = strrchr(path, ':');
    char archive[FILENAME_MAX];
    if (colon && (size_t)(colon - path) < sizeof archive) {
        snprintf(archive, sizeof archive, "%.*s", (int)(colon - path), path);
        if (mlpt_npz_is_archive(archive))
            return mlpt_npz_load(archive, colon + 1, a, err);
    }
    *found = false;
    return 0;
}

/* A NumPy array as the byte tensor the trainer reads. Inputs must already
 * be bytes (uint8 or bool), which the trainer scales per batch; labels may
 * be of any integer type, checked here to fit a byte (check_pair then
 * checks them against the class count). */
static int npy_as_bytes(const char *path, mlpt_npy *a, bool labels, mlpt_idx *out,
                        mlpt_error *err)
{
    int rc = 0;
    if (a->rank < 1 || a->count == 0)
        rc = mlpt_fail_at(err, path, "shape", "holds no %s (shape of rank %d with %zu elements)",
                          labels ? "labels" : "samples", a->rank, a->count);
    else if (!labels &&
             !(a->itemsize == 1 && (a->kind == MLPT_NPY_UINT || a->kind == MLPT_NPY_BOOL)))
        rc = mlpt_fail_at(err, path, "descr", "inputs of dtype %s are not supported: inputs are "
                          "read as bytes (uint8 or bool)", mlpt_npy_dtype_name(a));
    else if (labels && a->kind == MLPT_NPY_FLOAT)
        rc = mlpt_fail_at(err, path, "descr", "labels of dtype %s: class labels are integers",
                          mlpt_npy_dtype_name(a));
    if (rc == 0 && a->itemsize > 1) { /* labels narrowed to bytes, in place */
        uint8_t *bytes = a->data;
        for (size_t i = 0; i < a->count && rc == 0; i++) {
            const double v = mlpt_npy_get(a, i);
            if (v < 0 || v > 255)
                rc = mlpt_fail_at(err, path, NULL, "label at index %zu is %.0f, not a class "
                                  "index from 0 to 255", i, v);
            bytes[i] = (uint8_t)v;
        }
    }
    if (rc < 0) {
        mlpt_npy_free(a);
        return -1;
    }
    /* y of shape (n, 1), as Keras code often holds it, is a list of labels */
    if (labels && a->rank == 2 && a->dims[1] == 1)
        a->rank = 1;
    *out = (mlpt_idx){.rank = a->rank, .count = a->count, .data = a->data};
    memcpy(out->dims, a->dims, sizeof out->dims);
    /* The digest of what is trained on: the shape, then the bytes. */
    uint64_t hash = mlpt_fnv_start;
    for (int i = 0; i < out->rank; i++) {
        unsigned char dim[8];
        put_le64(dim, out->dims[i]);
        hash = mlpt_fnv1a(hash, dim, sizeof dim);
    }
    out->digest = (mlpt_idx_digest){8 * (uint64_t)out->rank + out->count,
                                    mlpt_fnv1a(hash, out->data, out->count)};
    return 0;
}

/* An IDX, .npy or .npz file, told apart by its first bytes. */
static int load_bytes(const char *path, bool labels, mlpt_idx *out, mlpt_error *err)
{
    mlpt_npy a;
    bool numpy;
    if (load_numpy(path, &a, &numpy, err) < 0)
        return -1;
    return numpy ? npy_as_bytes(path, &a, labels, out, err) : mlpt_idx_load(path, out, err);
}

int mlpt_dataset_load(const char *images_path, const char *labels_path,
                      int n_classes, mlpt_dataset *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_classes < 1)
        return mlpt_fail(err, "%s: class count %d must be at least 1", labels_path, n_classes);

    mlpt_dataset d = {0};
    if (load_bytes(images_path, false, &d.images_, err) != 0)
        return -1;
    if (load_bytes(labels_path, true, &d.labels_, err) != 0
        || check_pair(images_path, &d.images_, labels_path, &d.labels_, n_classes, err) != 0) {
        mlpt_dataset_free(&d);
        return -1;
    }

    d.n = d.images_.dims[0];
    d.sample_rank = d.images_.rank - 1;
    d.features = 1;
    for (int i = 0; i < d.sample_rank; i++) {
        d.sample_dims[i] = d.images_.dims[i + 1];
        d.features *= d.sample_dims[i]; /* a factor of images_.count: no overflow */
    }
    d.pixels = d.images_.data;
    d.labels = d.labels_.data;
    d.n_classes = n_classes;
    d.images_digest = d.images_.digest;
    d.labels_digest = d.labels_.digest;
    *out = d;
    return 0;
}

mlpt_dataset mlpt_dataset_slice(const mlpt_dataset *src, size_t first, size_t n)
{
    /* The header gives no way to report a bad range, so it is clamped to
     * the samples src has rather than reading past them. */
    if (first > src->n)
        first = src->n;
    if (n > src->n - first)
        n = src->n - first;

    mlpt_dataset view = *src;
    view.n = n;
    view.pixels = src->pixels + first * src->features;
    view.labels = src->labels + first;
    /* The view owns nothing, which makes mlpt_dataset_free a no-op on it. */
    memset(&view.images_, 0, sizeof view.images_);
    memset(&view.labels_, 0, sizeof view.labels_);
    return view;
}

void mlpt_dataset_free(mlpt_dataset *d)
{
    if (!d->images_.data && !d->labels_.data)
        return; /* a slice, or already freed */
    mlpt_idx_free(&d->images_);
    mlpt_idx_free(&d->labels_);
    memset(d, 0, sizeof *d);
}
