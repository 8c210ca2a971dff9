/* mlpt/dataset.h - a labelled set of samples from data files: an input file
 * and a label file, each IDX or NumPy (.npy, or an array of a .npz archive
 * named FILE.npz:NAME), told apart by content and checked against each
 * other.
 *
 * Inputs that are bytes (IDX unsigned byte, NumPy uint8 or bool) stay bytes
 * in memory (the MNIST training set is 47 MB as bytes, 188 MB as floats),
 * scaled as rows are gathered; inputs of any other type become float32. */
#ifndef MLPT_DATASET_H
#define MLPT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/array.h"
#include "mlpt/error.h"
#include "mlpt/idx.h"
#include "mlpt/samples.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_dataset {
    mlpt_samples s;           /* what the engine reads; s.scale is set by
                                 mlpt_dataset_scale, s.shift and s.factor
                                 by whoever normalizes (mlpt/data.h) */
    mlpt_idx_digest images_digest, labels_digest; /* of the two files */
    mlpt_array images_, labels_; /* owned storage; use s */
} mlpt_dataset;

/* Loads images_path (rank >= 2: count x sample dims) and labels_path: with
 * n_classes >= 1, rank 1 or (count, 1) class indices (of any integer
 * type, or whole floats), each below n_classes; with n_classes 0, value
 * targets of any numeric type, (count) or (count, outputs), finite, as
 * float32 rows (s.targets). Checks that both have the same count; errors
 * name the file, and for a bad target its index and value. On failure
 * *out is left zeroed. */
int mlpt_dataset_load(const char *images_path, const char *labels_path,
                      int n_classes, mlpt_dataset *out, mlpt_error *err);

/* An input file alone, as predict reads it (rank >= 2, as images_path
 * above), with labels all 0. */
int mlpt_dataset_load_inputs(const char *path, mlpt_dataset *out, mlpt_error *err);

/* Samples rows[0..n) of src, copied into a set of its own (the digests are
 * src's: they name the files the rows came from). */
int mlpt_dataset_take(const mlpt_dataset *src, const size_t *rows, size_t n, mlpt_dataset *out,
                      mlpt_error *err);

/* Makes d own `inputs` (n x features bytes or floats, with features and
 * dims already set in d->s) and `targets` (n label bytes, or n x k
 * float32 values of rank 2), and points d->s at them: for sets built in
 * memory (tables). */
void mlpt_dataset_adopt(mlpt_dataset *d, mlpt_array inputs, mlpt_array targets);

/* Sets the divisor of every input value: `scale`, or when it is 0 (the
 * config's `scale = auto`) 255 for byte inputs and 1 for any other. */
void mlpt_dataset_scale(mlpt_dataset *d, float scale);

/* Frees the set's storage and zeroes *d; safe on a zeroed set. */
void mlpt_dataset_free(mlpt_dataset *d);

#ifdef __cplusplus
}
#endif
#endif
