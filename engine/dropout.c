/* The dropout layer, `dropout RATE`: inverted dropout in training, the
 * identity in inference. */
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "layers.h"
#include "rng.h"

static int parse(const mlpt_words *a, mlpt_layer_spec *l, mlpt_why *why)
{
    return mlpt_word_float("rate", a->w[0], 0.0f, 1.0f, true, &l->rate, why);
}

static void format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    char rate[MLPT_FLOAT_WORD];
    snprintf(buf, cap, "dropout %s", mlpt_float_word(l->rate, rate));
}

/* Its mask, from forward to backward. */
static bool keeps(const mlpt_layer_spec *l)
{
    (void)l;
    return true;
}

static int plan(const mlpt_layer_spec *l, size_t in, size_t offset, mlpt_layer_geom *g,
                mlpt_why *why)
{
    (void)offset;
    if (!(l->rate >= 0.0f && l->rate < 1.0f))
        return mlpt_why_fail(why, "dropout rate %g is outside [0, 1)", (double)l->rate);
    g->out = in;
    return 0;
}

/* Unit u of sample s is kept, scaled by 1 / (1 - rate), when the uniform
 * draw keyed by (seed, epoch, s, layer, u) is >= rate; its mask (io->kept) gets
 * the factor applied (0 or the scale). Without draws (inference), out = in. */
static void forward(const mlpt_layer_io *io)
{
    const size_t rows = io->rows, width = io->g->out;
    if (!io->drop) {
        memcpy(io->out, io->in, rows * width * sizeof(float));
        return;
    }
    const float rate = io->spec->rate, scale = 1.0f / (1.0f - rate);
    const mlpt_training *keys = io->drop;
    for (size_t r = 0; r < rows; r++) {
        float *mk = io->kept + r * width;
        /* unit u draws word u % 4 of counter u / 4, 64 units at a time */
        for (size_t u = 0; u < width; u += 64) {
            uint32_t w[64];
            mlpt_random4x16(keys->seed, MLPT_STREAM_DROPOUT, io->layer, keys->epoch,
                            keys->sample_ids[r], (uint32_t)(u / 4), w);
            for (size_t i = 0; i < 64 && u + i < width; i++)
                mk[u + i] = mlpt_unit_float(w[i]) >= rate ? scale : 0.0f;
        }
    }
    const float *in = io->in, *mask = io->kept; /* locals: io's fields do not */
    float *out = io->out;                       /* reload after every store */
    for (size_t i = 0; i < rows * width; i++)
        out[i] = in[i] * mask[i];
}

/* d_in = d_out * mask. */
static void backward(const mlpt_layer_io *io)
{
    const float *d_out = io->d_out, *mask = io->kept;
    float *d_in = io->d_in;
    const size_t n = io->rows * io->g->out;
    if (!d_in)
        return;
    for (size_t i = 0; i < n; i++)
        d_in[i] = d_out[i] * mask[i];
}

const mlpt_layer_ops mlpt_dropout = {
    .name = "dropout",
    .usage = "dropout RATE",
    .keras_type = "Dropout",
    .min_args = 1,
    .max_args = 1,
    .keeps = keeps,
    .parse = parse,
    .format = format,
    .plan = plan,
    .forward = forward,
    .backward = backward,
};
