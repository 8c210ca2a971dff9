/* mlpt/dataset.h - a labelled set of samples: an input file and a label
 * file, each IDX or NumPy .npy (told apart by content), checked against
 * each other.
 *
 * Pixels stay as bytes in memory (the MNIST training set is 47 MB as bytes,
 * 188 MB as floats); the trainer scales them per batch. */
#ifndef MLPT_DATASET_H
#define MLPT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"
#include "mlpt/idx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_dataset {
    size_t n;              /* number of samples */
    int sample_rank;       /* rank of one sample (2 for 28x28 images) */
    size_t sample_dims[MLPT_IDX_MAX_RANK - 1];
    size_t features;       /* product of sample_dims: the flattened width */
    const uint8_t *pixels; /* n * features bytes, sample-major */
    const uint8_t *labels; /* n bytes, each below n_classes */
    int n_classes;         /* the class count the labels were checked against */
    mlpt_idx_digest images_digest, labels_digest; /* of the two files (a slice keeps them) */
    mlpt_idx images_, labels_; /* owned storage; use the fields above */
} mlpt_dataset;

/* Loads images_path (rank >= 2: count x sample dims; IDX unsigned bytes, or
 * .npy uint8 or bool) and labels_path (rank 1, or .npy (n, 1); IDX unsigned
 * bytes, or .npy of any integer dtype). Checks that both have the same count and that every label is
 * below n_classes; errors name the file, and for a bad label its index and
 * value. On failure *out is left zeroed. */
int mlpt_dataset_load(const char *images_path, const char *labels_path,
                      int n_classes, mlpt_dataset *out, mlpt_error *err);

/* A view of samples [first, first + n) of src that shares its storage: used
 * for the validation split. A range beyond src is clamped to it. The view
 * must not outlive src and is never freed. */
mlpt_dataset mlpt_dataset_slice(const mlpt_dataset *src, size_t first, size_t n);

/* Frees storage owned by a loaded set; a no-op on a slice. */
void mlpt_dataset_free(mlpt_dataset *d);

#ifdef __cplusplus
}
#endif
#endif
