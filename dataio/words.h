/* dataio/words.h - lists of names: sorted by bytes (numpy.unique's order
 * for words) and joined into one line for messages (private). */
#ifndef MLPT_DATAIO_WORDS_H
#define MLPT_DATAIO_WORDS_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Orders two `const char *` elements by strcmp: for qsort and bsearch. */
static inline int words_by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The n names name(list, i) joined by blanks into buf ("sun rain fog"),
 * clipped with "..." to cap; returns buf. */
static inline const char *words_join(const void *list, size_t n,
                                     const char *(*name)(const void *list, size_t i), char *buf,
                                     size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", name(list, i));
    if (used >= cap && cap > 4)
        strcpy(buf + cap - 4, "...");
    return buf;
}

#endif
