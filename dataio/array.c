/* array.c - element types of the arrays data files load (see
 * mlpt/array.h). */
#include "mlpt/array.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *mlpt_array_dtype_name(const mlpt_array *a)
{
    static const char *const names[][4] = {
        /* itemsize 1, 2, 4, 8 */
        [MLPT_ARRAY_BOOL] = {"bool", "", "", ""},
        [MLPT_ARRAY_UINT] = {"uint8", "uint16", "uint32", "uint64"},
        [MLPT_ARRAY_INT] = {"int8", "int16", "int32", "int64"},
        [MLPT_ARRAY_FLOAT] = {"", "float16", "float32", "float64"},
    };
    const int slot = a->itemsize == 1 ? 0 : a->itemsize == 2 ? 1 : a->itemsize == 4 ? 2 : 3;
    return names[a->kind][slot];
}

/* IEEE 754 half to double. */
static double half_to_double(uint16_t h)
{
    const int exp = h >> 10 & 0x1f, frac = h & 0x3ff;
    const double sign = h >> 15 ? -1.0 : 1.0;
    if (exp == 0)
        return sign * ldexp(frac, -24);
    if (exp == 31)
        return frac ? NAN : sign * INFINITY;
    return sign * ldexp(frac | 0x400, exp - 25);
}

double mlpt_array_get(const mlpt_array *a, size_t i)
{
    const unsigned char *p = (const unsigned char *)a->data + i * (size_t)a->itemsize;
#define AS(T) do { T v; memcpy(&v, p, sizeof v); return (double)v; } while (0)
    switch (a->kind) {
    case MLPT_ARRAY_BOOL:
        return p[0] != 0;
    case MLPT_ARRAY_UINT:
        if (a->itemsize == 1) AS(uint8_t);
        if (a->itemsize == 2) AS(uint16_t);
        if (a->itemsize == 4) AS(uint32_t);
        AS(uint64_t);
    case MLPT_ARRAY_INT:
        if (a->itemsize == 1) AS(int8_t);
        if (a->itemsize == 2) AS(int16_t);
        if (a->itemsize == 4) AS(int32_t);
        AS(int64_t);
    case MLPT_ARRAY_FLOAT:
        if (a->itemsize == 2) {
            uint16_t h;
            memcpy(&h, p, sizeof h);
            return half_to_double(h);
        }
        if (a->itemsize == 4) AS(float);
        AS(double);
    }
#undef AS
    return NAN;
}

void mlpt_array_free(mlpt_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
