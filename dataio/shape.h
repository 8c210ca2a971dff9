/* dataio/shape.h - an input shape as text, such as "28x28": one grammar for
 * the config's [model] input and the model file's "input" metadata, each
 * with its own limit on a dimension (private). */
#ifndef MLPT_DATAIO_SHAPE_H
#define MLPT_DATAIO_SHAPE_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>

#include "mlpt/model.h"

/* Decimal digits (no sign or blanks, which strtoull would take), value
 * 1..max; *end is set after the digits. */
static inline bool parse_count(const char *s, const char **end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++)
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v) || v > max)
            return false;
    if (p == s || v < 1)
        return false;
    *end = p;
    *out = v;
    return true;
}

/* All of s: 1..MLPT_MAX_INPUT_RANK dimensions of 1..max_dim joined by 'x',
 * whose product fits in size_t, into spec's input_rank and input_dims. */
static inline bool parse_shape(const char *s, uint64_t max_dim, mlpt_model_spec *spec)
{
    size_t product = 1;
    for (spec->input_rank = 0; spec->input_rank < MLPT_MAX_INPUT_RANK; s++) {
        uint64_t dim;
        if (!parse_count(s, &s, max_dim, &dim) || dim > SIZE_MAX / product)
            return false;
        product *= (size_t)dim;
        spec->input_dims[spec->input_rank++] = (size_t)dim;
        if (*s != 'x')
            return *s == '\0';
    }
    return false;
}

#endif
