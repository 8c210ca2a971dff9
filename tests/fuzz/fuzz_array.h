/* tests/fuzz/fuzz_array.h - for the fuzz targets of the NumPy readers: what
 * every array they load must be, and what a failed load leaves. */
#ifndef MLPT_FUZZ_ARRAY_H
#define MLPT_FUZZ_ARRAY_H

#include <stdlib.h>
#include <string.h>

#include "mlpt/array.h"

static volatile double fuzz_array_sink;

/* Aborts unless a (a successful load) has a known dtype, dimensions that
 * multiply to its count and every element readable; then frees it. */
static void fuzz_check_array(mlpt_array *a)
{
    if (a->rank < 0 || a->rank > MLPT_ARRAY_MAX_RANK || !a->data || !*mlpt_array_dtype_name(a))
        abort();
    size_t count = 1;
    for (int i = 0; i < a->rank; i++)
        count *= a->dims[i];
    if (count != a->count)
        abort();
    double sum = 0;
    for (size_t i = 0; i < a->count; i++)
        sum += mlpt_array_get(a, i);
    fuzz_array_sink = sum;
    mlpt_array_free(a);
    if (a->data || a->count)
        abort();
}

/* Aborts unless a failed load left a zeroed, as the readers promise. */
static void fuzz_check_zeroed(const mlpt_array *a)
{
    static const mlpt_array zero;
    if (memcmp(a, &zero, sizeof *a) != 0)
        abort();
}

#endif
