/* mlpt/npy.h - NumPy .npy arrays (what numpy.save writes).
 *
 * A .npy file is the magic "\x93NUMPY", a format version (1.0, 2.0 or
 * 3.0), a little-endian header length (2 bytes in version 1, 4 after), a
 * header that is a Python dict literal with the keys 'descr' (the dtype,
 * such as '<f4' or '|u1'), 'fortran_order' (True or False) and 'shape' (a
 * tuple), then the elements. mlptrain reads the dtypes bool (b1), u1-u8,
 * i1-i8, f2, f4 and f8 in either byte order, C or Fortran order, any rank
 * up to MLPT_NPY_MAX_RANK. The loaded array is always in C order and in the
 * host's byte order. */
#ifndef MLPT_NPY_H
#define MLPT_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_NPY_MAX_RANK 8

/* The kind of an element, as NumPy's dtype.kind. */
typedef enum {
    MLPT_NPY_BOOL,  /* 'b': one byte, 0 or 1 */
    MLPT_NPY_UINT,  /* 'u' */
    MLPT_NPY_INT,   /* 'i' */
    MLPT_NPY_FLOAT  /* 'f': IEEE half, single or double */
} mlpt_npy_kind;

typedef struct mlpt_npy {
    mlpt_npy_kind kind;
    int itemsize;                   /* bytes per element: 1, 2, 4 or 8 */
    int rank;                       /* 0 (a scalar) .. MLPT_NPY_MAX_RANK */
    size_t dims[MLPT_NPY_MAX_RANK]; /* C order: dims[0] varies slowest */
    size_t count;                   /* product of dims (1 for a scalar) */
    void *data;                     /* count * itemsize bytes, owned */
} mlpt_npy;

/* Reads and fully validates path: the magic, the version, the header's
 * syntax and keys, the dtype, the shape's product against size_t, and that
 * the payload is exactly as long as the shape says. The payload is
 * allocated only once the file's size is known to match, and read in place
 * (byte-swapped in place when stored big-endian; a Fortran-order array of
 * rank 2 or more is transposed, which takes one more copy). Errors name the
 * file and the header field. On failure *out is left zeroed. */
int mlpt_npy_load(const char *path, mlpt_npy *out, mlpt_error *err);

/* The dtype as NumPy names it ("uint8", "float32", "bool"). */
const char *mlpt_npy_dtype_name(const mlpt_npy *a);

/* Element i as a double (exact for every dtype but 64-bit integers beyond
 * 2^53, which round). */
double mlpt_npy_get(const mlpt_npy *a, size_t i);

/* Releases the payload and zeroes *a; safe on a zeroed struct. */
void mlpt_npy_free(mlpt_npy *a);

#ifdef __cplusplus
}
#endif
#endif
