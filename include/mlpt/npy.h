/* mlpt/npy.h - NumPy .npy arrays (what numpy.save writes).
 *
 * A .npy file is the magic "\x93NUMPY", a format version (1.0, 2.0 or
 * 3.0), a little-endian header length (2 bytes in version 1, 4 after), a
 * header that is a Python dict literal with the keys 'descr' (the dtype,
 * such as '<f4' or '|u1'), 'fortran_order' (True or False) and 'shape' (a
 * tuple), then the elements. mlptrain reads the dtypes bool (b1), u1-u8,
 * i1-i8, f2, f4 and f8 in either byte order, C or Fortran order, any rank
 * up to MLPT_ARRAY_MAX_RANK. The loaded array is always in C order and in the
 * host's byte order. */
#ifndef MLPT_NPY_H
#define MLPT_NPY_H

#include "mlpt/array.h"
#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads and fully validates path: the magic, the version, the header's
 * syntax and keys, the dtype, the shape's product against size_t, and that
 * the payload is exactly as long as the shape says. The payload is
 * allocated only once the file's size is known to match, and read in place
 * (byte-swapped in place when stored big-endian; a Fortran-order array of
 * rank 2 or more is transposed, which takes one more copy). Errors name the
 * file and the header field. On failure *out is left zeroed. */
int mlpt_npy_load(const char *path, mlpt_array *out, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
