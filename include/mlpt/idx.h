/* mlpt/idx.h - IDX tensor files (the MNIST format), raw or gzip-compressed.
 *
 * An IDX file is a 4-byte magic (0, 0, type code, rank), rank big-endian
 * uint32 dimensions, then the elements in row-major order, big-endian.
 * mlptrain reads every type IDX defines (unsigned and signed byte, short,
 * int, float, double) of any rank from 1 to MLPT_IDX_MAX_RANK. gzip input is
 * recognised by its magic bytes, not by the file name. */
#ifndef MLPT_IDX_H
#define MLPT_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/array.h"
#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_IDX_MAX_RANK 8

/* What tells one data file's contents from another's (a checkpoint records
 * its training files' so that a resume on other data is refused): the
 * length of its IDX bytes, header and payload (after gunzip: the same data
 * compressed or not has one digest), and their FNV-1a 64. A NumPy array
 * read as bytes has the digest of its shape (8 bytes a dimension) and its
 * bytes as loaded. */
typedef struct mlpt_idx_digest {
    uint64_t bytes, hash;
} mlpt_idx_digest;

typedef struct mlpt_idx {
    int rank;                        /* 1..MLPT_IDX_MAX_RANK */
    size_t dims[MLPT_IDX_MAX_RANK];  /* dims[0] is the item count */
    size_t count;                    /* product of all dims: the elements */
    mlpt_array_kind kind;            /* the element type, as NumPy's kinds */
    int itemsize;                    /* bytes per element: 1, 2, 4 or 8 */
    size_t bytes;                    /* count * itemsize */
    uint8_t *data;                   /* the elements in the host's byte order, owned */
    mlpt_idx_digest digest;          /* of the bytes read */
} mlpt_idx;

/* Reads and fully validates path: magic, type code, rank, overflow of the
 * dimension product, and that the payload is exactly as long as the header
 * says (neither truncated nor followed by extra bytes). The declared size is
 * checked against the file size (or, for gzip, against the decompressed
 * stream, which is never inflated beyond that size) before the payload is
 * allocated. Hashes the bytes as they are read into out->digest. On failure
 * *out is left zeroed. Free with mlpt_idx_free. */
int mlpt_idx_load(const char *path, mlpt_idx *out, mlpt_error *err);

/* Releases the payload and zeroes *t; safe on a zeroed struct. */
void mlpt_idx_free(mlpt_idx *t);

/* What a file's first bytes say it is: to choose a reader, and to name a
 * file that no reader takes. */
typedef enum mlpt_file_kind {
    MLPT_FILE_IDX,   /* starts 0x00 0x00 */
    MLPT_FILE_GZIP,  /* starts 0x1f 0x8b */
    MLPT_FILE_PNG,   /* the PNG signature */
    MLPT_FILE_NPY,   /* a NumPy .npy array: starts 0x93 "NUMPY" */
    MLPT_FILE_ZIP,   /* a zip archive (a NumPy .npz): starts "PK" 3 4 */
    MLPT_FILE_OTHER  /* anything else */
} mlpt_file_kind;

/* The kind of a file starting with head[0..n) (its first MLPT_SNIFF_LEN
 * bytes, or all of a shorter file). *name (when name is not NULL) is what
 * the bytes look like, for a message: "a PNG picture", "a JPEG picture",
 * "a NumPy .npy array", "text (CSV or similar)"...; NULL for bytes it does
 * not recognise. */
#define MLPT_SNIFF_LEN 12
mlpt_file_kind mlpt_file_sniff(const unsigned char *head, size_t n, const char **name);

/* The kind of the file at path, from its first MLPT_SNIFF_LEN bytes, with
 * *name as above. *got (when got is not NULL) is how many bytes were read:
 * 0 when the file cannot be opened or read, which is left to the reader to
 * name the reason. */
mlpt_file_kind mlpt_file_sniff_path(const char *path, const char **name, size_t *got);

#ifdef __cplusplus
}
#endif
#endif
