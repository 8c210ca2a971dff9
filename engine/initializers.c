/* Kernel initializers, as Keras defines them: weights uniform in
 * (-limit, limit). Each an entry of mlpt_initializers (engine/tables.c). */
#include <math.h>

#include "mlpt/tables.h"

static double glorot_uniform(size_t fan_in, size_t fan_out)
{
    return sqrt(6.0 / (double)(fan_in + fan_out));
}

static double he_uniform(size_t fan_in, size_t fan_out)
{
    (void)fan_out;
    return sqrt(6.0 / (double)fan_in);
}

const mlpt_initializer_ops mlpt_glorot_uniform = {"glorot_uniform", glorot_uniform};
const mlpt_initializer_ops mlpt_he_uniform = {"he_uniform", he_uniform};
