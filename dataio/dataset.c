/* dataset.c - an image IDX file and a label IDX file, checked against each
 * other (see mlpt/dataset.h). */
#include "mlpt/dataset.h"

#include <string.h>

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
        return mlpt_fail(err, "%s holds %zu images but %s holds %zu labels",
                         images_path, images->dims[0], labels_path, labels->dims[0]);
    size_t bad = first_bad_label(labels->data, labels->count, n_classes);
    if (bad < labels->count)
        return mlpt_fail(err, "%s: label at index %zu is %u, not below the class count %d",
                         labels_path, bad, labels->data[bad], n_classes);
    return 0;
}

int mlpt_dataset_load(const char *images_path, const char *labels_path,
                      int n_classes, mlpt_dataset *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_classes < 1)
        return mlpt_fail(err, "%s: class count %d must be at least 1", labels_path, n_classes);

    mlpt_dataset d = {0};
    if (mlpt_idx_load(images_path, &d.images_, err) != 0)
        return -1;
    if (mlpt_idx_load(labels_path, &d.labels_, err) != 0
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
