/* mlpt/npz.h - arrays in NumPy .npz archives (what numpy.savez and
 * numpy.savez_compressed write, and keras.datasets.mnist downloads).
 *
 * A .npz is a zip archive of .npy files, one per array, named after the
 * array ("x_train.npy"). Members may be stored or deflated; zip64 entries
 * are read; encrypted members and other compression methods are refused. */
#ifndef MLPT_NPZ_H
#define MLPT_NPZ_H

#include <stddef.h>

#include "mlpt/error.h"
#include "mlpt/npy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For "ARCHIVE:MEMBER" (split at the last colon) whose ARCHIVE is a zip
 * archive: MEMBER (within path), with ARCHIVE copied into file[0..cap).
 * NULL when path has no colon, or the part before it does not fit cap or
 * is not a zip archive (a file name with a colon, an index range...). */
const char *mlpt_npz_member(const char *path, char *file, size_t cap);

/* Reads the array `member` ("x_train", or "x_train.npy") of the archive at
 * path, as mlpt_npy_load reads a .npy file. The member's bytes are checked
 * against its directory entry (sizes, CRC-32) and inflated straight into
 * the array. An archive without that member (or member NULL) is an error
 * that lists the arrays it holds. Errors name "PATH:MEMBER" and the field.
 * On failure *out is left zeroed. */
int mlpt_npz_load(const char *path, const char *member, mlpt_array *out, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
