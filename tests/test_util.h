/* tests/test_util.h - small helpers shared by the Criterion tests. */
#ifndef MLPT_TEST_UTIL_H
#define MLPT_TEST_UTIL_H

#include <stddef.h>

/* 1 when all len bytes at p are zero. */
static inline int is_zeroed(const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

#endif
