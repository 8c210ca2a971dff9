/* Finite-difference checks of every layer's backward pass and of the loss:
 * the analytic gradient of the summed loss must match central differences
 * for every parameter, with fixed weights (seeded) and a fixed dropout mask
 * (keyed by sample and epoch, so identical in every perturbed pass). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/model.h"
#include "pass.h"

enum { ROWS = 4, FEATURES = 40, CLASSES = 3 };

static mlpt_layer_spec dense(int units, mlpt_activation act)
{
    return (mlpt_layer_spec){.kind = MLPT_LAYER_DENSE, .units = units, .activation = act};
}

static mlpt_layer_spec dropout(float rate)
{
    return (mlpt_layer_spec){.kind = MLPT_LAYER_DROPOUT, .rate = rate};
}

/* Rows [r0, r0 + n) of a block of ROWS fixed samples, with inputs in
 * (-1, 1), a third of them zero as in images, and labels 0..2, gathered
 * into ws as mlpt_gather gathers them. */
static void fill_rows(mlpt_workspace *ws, int r0, int n)
{
    float x[ROWS * FEATURES];
    for (int i = 0; i < n; i++) {
        const int r = r0 + i;
        for (int f = 0; f < FEATURES; f++)
            x[i * FEATURES + f] =
                (r + f) % 3 ? sinf(1.7f * (float)(r * FEATURES + f) + 0.3f) : 0.0f;
        ws->ids[i] = (uint32_t)(100 + r);
        ws->labels[i] = (uint8_t)(r % CLASSES);
    }
    mlpt_find_nonzeros((size_t)n, FEATURES, x, &ws->nz[0]);
}

/* The block cut into shards as the trainer cuts a minibatch: one row
 * (whose zero inputs leave some kernel rows untouched), none, the rest. */
enum { SHARDS = 3 };
static const int shard_lo[SHARDS] = {0, 1, 1}, shard_hi[SHARDS] = {1, 1, ROWS};

static double summed_loss(const mlpt_model *m, mlpt_workspace *ws, uint64_t seed)
{
    double loss = 0.0;
    for (int s = 0; s < SHARDS; s++) {
        mlpt_dropout_keys keys = {.seed = seed, .epoch = 3, .sample_ids = ws[s].ids};
        mlpt_forward(m, &ws[s], (size_t)(shard_hi[s] - shard_lo[s]), &keys);
        loss += ws[s].loss_sum;
    }
    return loss;
}

/* Compares the gradient that mlpt_gradient sums over the shards with
 * central differences for every parameter, and checks that each dense
 * layer's gradient is not all zero. */
static void check_model(const mlpt_layer_spec *layers, int n_layers)
{
    mlpt_model_spec spec = {.input_rank = 1, .input_dims = {FEATURES}, .n_layers = n_layers};
    memcpy(spec.layers, layers, (size_t)n_layers * sizeof *layers);
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 1234);
    for (int l = 0; l < n_layers; l++) /* non-zero biases exercise db */
        if (layers[l].kind == MLPT_LAYER_DENSE)
            for (size_t j = 0; j < m.geom[l].out; j++)
                m.params[m.geom[l].b_offset + j] = 0.05f * (float)j - 0.02f;
    mlpt_workspace ws[SHARDS];
    for (int s = 0; s < SHARDS; s++) {
        cr_assert_eq(mlpt_workspace_init(&ws[s], &m, ROWS, true, &err), 0, "%s", err.msg);
        fill_rows(&ws[s], shard_lo[s], shard_hi[s] - shard_lo[s]);
    }
    const uint64_t seed = 99;
    summed_loss(&m, ws, seed);
    for (int s = 0; s < SHARDS; s++)
        mlpt_backward(&m, &ws[s], (size_t)(shard_hi[s] - shard_lo[s]));
    /* As the trainer reads it: the non-zeros of a range of rows listed (two
     * halves here, as two threads split them), then the gradient formed row
     * by row. */
    float *grad = calloc(m.n_params, sizeof *grad);
    mlpt_row_lists lists = {.entries = calloc(ROWS * 201, sizeof(mlpt_entry)),
                            .start = calloc(202, sizeof(uint32_t))};
    cr_assert(grad && lists.entries && lists.start);
    for (int l = 0; l < n_layers; l++) {
        const mlpt_layer_geom *g = &m.geom[l];
        if (layers[l].kind != MLPT_LAYER_DENSE)
            continue;
        cr_assert_leq(g->in, 200);
        /* Row in, the bias, is laid out after the kernel. */
        const size_t cut[3] = {0, g->in / 2, g->in + 1};
        for (int half = 0; half < 2; half++) {
            mlpt_list_rows(&m, ws, SHARDS, l, cut[half], cut[half + 1], &lists);
            for (size_t row = cut[half]; row < cut[half + 1]; row++)
                mlpt_gradient(&lists, row, 0, g->out, grad + g->w_offset + row * g->out);
        }
    }
    free(lists.entries);
    free(lists.start);

    const float eps = 1e-3f;
    for (int l = 0; l < n_layers; l++) {
        const mlpt_layer_geom *g = &m.geom[l];
        double largest = 0.0;
        for (size_t i = g->w_offset; i < g->w_offset + g->n_params; i++) {
            const float saved = m.params[i];
            m.params[i] = saved + eps;
            double up = summed_loss(&m, ws, seed);
            m.params[i] = saved - eps;
            double down = summed_loss(&m, ws, seed);
            m.params[i] = saved;
            double numeric = (up - down) / (2.0 * (double)eps);
            double analytic = grad[i];
            cr_assert(fabs(numeric - analytic) <= 2e-3 + 2e-2 * fabs(numeric),
                      "layer %d parameter %zu: analytic %.6f, numeric %.6f", l + 1,
                      i - g->w_offset, analytic, numeric);
            largest = fmax(largest, fabs(analytic));
        }
        if (layers[l].kind == MLPT_LAYER_DENSE) {
            double kernel = 0.0; /* the kernel alone, not only the bias */
            for (size_t i = g->w_offset; i < g->b_offset; i++)
                kernel = fmax(kernel, fabs(grad[i]));
            cr_assert_gt(largest, 1e-3, "layer %d: gradient is all (nearly) zero", l + 1);
            cr_assert_gt(kernel, 1e-3, "layer %d: kernel gradient is all (nearly) zero", l + 1);
        }
    }
    free(grad);
    for (int s = 0; s < SHARDS; s++)
        mlpt_workspace_free(&ws[s]);
    mlpt_model_free(&m);
}

Test(gradcheck, dense_linear)
{
    mlpt_layer_spec l[] = {dense(5, MLPT_ACT_LINEAR), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 2);
}

Test(gradcheck, dense_relu)
{
    mlpt_layer_spec l[] = {dense(7, MLPT_ACT_RELU), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 2);
}

Test(gradcheck, dense_sigmoid)
{
    mlpt_layer_spec l[] = {dense(5, MLPT_ACT_SIGMOID), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 2);
}

Test(gradcheck, dense_tanh)
{
    mlpt_layer_spec l[] = {dense(5, MLPT_ACT_TANH), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 2);
}

Test(gradcheck, dropout_between_dense_layers)
{
    mlpt_layer_spec l[] = {dense(8, MLPT_ACT_TANH), dropout(0.4f),
                           dense(6, MLPT_ACT_SIGMOID), dropout(0.25f),
                           dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 5);
}

Test(gradcheck, he_uniform_deeper_stack)
{
    mlpt_layer_spec l[] = {dense(6, MLPT_ACT_TANH), dense(5, MLPT_ACT_RELU),
                           dense(4, MLPT_ACT_LINEAR), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    l[1].init = MLPT_INIT_HE_UNIFORM;
    check_model(l, 4);
}

/* Wider than one register block (128 columns with AVX-512, 64 without) and
 * not a multiple of the vector width: every kernel path, full and partial. */
Test(gradcheck, wide_layers_exercise_every_kernel_block)
{
    mlpt_layer_spec l[] = {dense(150, MLPT_ACT_TANH), dropout(0.1f),
                           dense(37, MLPT_ACT_SIGMOID), dense(CLASSES, MLPT_ACT_SOFTMAX)};
    check_model(l, 4);
}

/* The loss alone: d(sum of cross-entropies)/d logits = p - onehot. */
Test(gradcheck, softmax_cross_entropy)
{
    float z[ROWS * CLASSES], dz[ROWS * CLASSES];
    const uint8_t labels[ROWS] = {0, 2, 1, 2};
    for (int i = 0; i < ROWS * CLASSES; i++)
        z[i] = 3.0f * sinf((float)i);
    float probs[ROWS * CLASSES];
    memcpy(probs, z, sizeof z);
    float row_loss[ROWS];
    size_t correct = 0;
    mlpt_softmax_xent(ROWS, CLASSES, probs, labels, dz, row_loss, &correct);
    double largest = 0.0;
    for (int i = 0; i < ROWS * CLASSES; i++) {
        float up[ROWS * CLASSES], down[ROWS * CLASSES];
        memcpy(up, z, sizeof z);
        memcpy(down, z, sizeof z);
        up[i] += 1e-2f;
        down[i] -= 1e-2f;
        float lu[ROWS], ld[ROWS];
        mlpt_softmax_xent(ROWS, CLASSES, up, labels, NULL, lu, &correct);
        mlpt_softmax_xent(ROWS, CLASSES, down, labels, NULL, ld, &correct);
        double numeric = 0.0;
        for (int r = 0; r < ROWS; r++)
            numeric += ((double)lu[r] - ld[r]) / 2e-2;
        cr_assert(fabs(numeric - dz[i]) < 1e-3, "logit %d: analytic %f numeric %f", i, dz[i],
                  numeric);
        largest = fmax(largest, fabs(dz[i]));
    }
    cr_assert_gt(largest, 0.1);
    for (int r = 0; r < ROWS; r++) { /* probabilities: each row sums to 1 */
        float s = 0.0f;
        for (int c = 0; c < CLASSES; c++)
            s += probs[r * CLASSES + c];
        cr_assert_float_eq(s, 1.0f, 1e-6f);
    }
}

/* Large logits must not overflow: the loss comes from log-sum-exp. */
Test(gradcheck, softmax_is_stable_for_large_logits)
{
    float z[3] = {1000.0f, -1000.0f, 999.0f};
    const uint8_t label = 1;
    float loss;
    size_t correct = 0;
    mlpt_softmax_xent(1, 3, z, &label, NULL, &loss, &correct);
    cr_assert(isfinite(loss));
    cr_assert_float_eq((double)loss, 2000.0 + log1p(exp(-1.0)), 1e-3);
    cr_assert_eq(correct, 0);
}
