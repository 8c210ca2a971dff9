/* mlpt/array.h - an n-dimensional array of numbers as a data file holds
 * it: the element type NumPy would name, the shape, and the elements in C
 * order and in the host's byte order. Every array data format (IDX, .npy,
 * .npz members) loads into one, and the data set is built from it. */
#ifndef MLPT_ARRAY_H
#define MLPT_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_ARRAY_MAX_RANK 8

/* The kind of an element, as NumPy's dtype.kind. */
typedef enum {
    MLPT_ARRAY_BOOL,  /* 'b': one byte, 0 or 1 */
    MLPT_ARRAY_UINT,  /* 'u' */
    MLPT_ARRAY_INT,   /* 'i' */
    MLPT_ARRAY_FLOAT  /* 'f': IEEE half, single or double */
} mlpt_array_kind;

typedef struct mlpt_array {
    mlpt_array_kind kind;
    int itemsize;                   /* bytes per element: 1, 2, 4 or 8 */
    int rank;                       /* 0 (a scalar) .. MLPT_ARRAY_MAX_RANK */
    size_t dims[MLPT_ARRAY_MAX_RANK]; /* C order: dims[0] varies slowest */
    size_t count;                   /* product of dims (1 for a scalar) */
    void *data;                     /* count * itemsize bytes, owned */
} mlpt_array;

/* The dtype as NumPy names it ("uint8", "float32", "bool"). */
const char *mlpt_array_dtype_name(const mlpt_array *a);

/* Element i as a double (exact for every dtype but 64-bit integers beyond
 * 2^53, which round). */
double mlpt_array_get(const mlpt_array *a, size_t i);

/* Releases the payload and zeroes *a; safe on a zeroed struct. */
void mlpt_array_free(mlpt_array *a);

#ifdef __cplusplus
}
#endif
#endif
