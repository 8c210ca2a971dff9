/* samples.c - the rows the engine reads (see mlpt/samples.h). */
#include "mlpt/samples.h"

#include <stdio.h>

float mlpt_samples_value(const mlpt_samples *s, size_t i, size_t f)
{
    const size_t at = i * s->features + f;
    /* in double, rounded once: the trainer's byte table computes the same */
    const float v = s->bytes ? (float)((double)s->bytes[at] / s->scale)
                             : (float)((double)s->floats[at] / s->scale);
    return s->shift ? (v - s->shift[f]) * s->factor[f] : v;
}

mlpt_samples mlpt_samples_slice(const mlpt_samples *s, size_t first, size_t n)
{
    /* A view has no way to report a bad range, so it is clamped to the
     * samples s has rather than reading past them. */
    if (first > s->n)
        first = s->n;
    if (n > s->n - first)
        n = s->n - first;
    mlpt_samples view = *s;
    view.n = n;
    if (s->bytes)
        view.bytes = s->bytes + first * s->features;
    else
        view.floats = s->floats + first * s->features;
    if (s->labels)
        view.labels = s->labels + first;
    else
        view.targets = s->targets + first * s->target_width;
    return view;
}

const char *mlpt_shape_text(const size_t *dims, int rank, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int d = 0; d < rank && o < cap; d++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%zu", d ? "x" : "", dims[d]);
    return buf;
}

size_t mlpt_argmax(const float *p, size_t n)
{
    size_t best = 0;
    for (size_t c = 1; c < n; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}
