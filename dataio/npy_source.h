/* dataio/npy_source.h - where the bytes of one .npy array come from: a
 * file (npy.c), or a member of a .npz archive inflated as it is read
 * (npz.c). Either way the payload is read straight into the array. */
#ifndef MLPT_DATAIO_NPY_SOURCE_H
#define MLPT_DATAIO_NPY_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"
#include "mlpt/npy.h"

typedef struct npy_source {
    const char *name; /* for messages: "PATH" or "PATH:MEMBER" */
    uint64_t size;    /* bytes of the whole .npy, as its container says */
    /* Reads up to len bytes into dst; *got is short of len only at the end
     * of the data. */
    int (*read)(struct npy_source *s, void *dst, size_t len, size_t *got, mlpt_error *err);
} npy_source;

/* Reads one .npy array from src (see mlpt_npy_load). */
int npy_read(npy_source *src, mlpt_array *out, mlpt_error *err);

#endif
