/* Finite-difference checks of every layer's backward pass and of the loss:
 * the analytic gradient of the summed loss must match central differences
 * for every parameter, with fixed weights (seeded) and a fixed dropout mask
 * (keyed by sample and epoch, so identical in every perturbed pass). The
 * batch is cut into shards, so batchnorm's statistics, which couple its
 * samples, are checked across them. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/metrics.h"
#include "mlpt/model.h"
#include "pass.h"
#include "test_spec.h"

enum { ROWS = 4, FEATURES = 40, CLASSES = 3 };

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
    memcpy(ws->input, x, (size_t)n * FEATURES * sizeof *x);
    ws->input_dense = ws->input_always; /* a first layer without a kernel reads them densely */
    ws->rows = (size_t)n;
}

/* The block cut into shards as the trainer cuts a minibatch: one row
 * (whose zero inputs leave some kernel rows untouched), none, the rest. */
enum { SHARDS = 3 };
static const int shard_lo[SHARDS] = {0, 1, 1}, shard_hi[SHARDS] = {1, 1, ROWS};

/* The training pass over the shards, phase by phase, as the trainer runs
 * it (pass.h); returns the loss summed over the block. */
static double summed_loss(const mlpt_model *m, mlpt_workspace *ws, const mlpt_coupling *c,
                          uint64_t seed)
{
    const int phases = mlpt_phases(m);
    for (int p = 0; p < phases; p++) {
        for (int s = 0; s < SHARDS; s++) {
            mlpt_training keys = {.seed = seed, .epoch = 3, .sample_ids = ws[s].ids};
            mlpt_phase_run(m, &ws[s], p, &keys, c);
        }
        for (size_t k = 0; p + 1 < phases && k < mlpt_reduce_chunks(m, p); k++)
            mlpt_reduce(m, ws, SHARDS, p, k, c);
    }
    double loss = 0.0;
    for (int s = 0; s < SHARDS; s++)
        loss += ws[s].loss_sum;
    return loss;
}

/* Compares the gradient that mlpt_gradient (kernel layers) and
 * mlpt_layer_gradient (the others' trained parameters) sum over the shards
 * with central differences for every parameter, and checks that each
 * trained layer's gradient is not all zero. The layers are config lines. */
static void check_model(const char *const *lines, int n_layers)
{
    mlpt_model_spec spec = {.input_rank = 1, .input_dims = {FEATURES}, .n_layers = n_layers,
                            .loss = SCCE};
    mlpt_layer_spec layers[MLPT_MAX_LAYERS];
    for (int l = 0; l < n_layers; l++)
        spec.layers[l] = layers[l] = layer(lines[l]);
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 1234);
    for (int l = 0; l < n_layers; l++) /* non-zero biases exercise db */
        if (layers[l].kind->kernel)
            for (size_t j = 0; j < m.geom[l].out; j++)
                m.params[m.geom[l].b_offset + j] = 0.05f * (float)j - 0.02f;
    mlpt_workspace ws[SHARDS];
    mlpt_coupling coupling;
    cr_assert_eq(mlpt_coupling_init(&coupling, &m, &err), 0, "%s", err.msg);
    for (int s = 0; s < SHARDS; s++) {
        cr_assert_eq(mlpt_workspace_init(&ws[s], &m, ROWS, true, &err), 0, "%s", err.msg);
        fill_rows(&ws[s], shard_lo[s], shard_hi[s] - shard_lo[s]);
    }
    const uint64_t seed = 99;
    summed_loss(&m, ws, &coupling, seed);
    /* As the trainer reads it: the non-zeros of a range of rows listed (two
     * halves here, as two threads split them), then the gradient formed row
     * by row. */
    float *grad = calloc(m.n_params, sizeof *grad);
    mlpt_row_lists lists = {.entries = calloc(ROWS * 201, sizeof(mlpt_entry)),
                            .start = calloc(202, sizeof(uint32_t))};
    cr_assert(grad && lists.entries && lists.start);
    for (int l = 0; l < n_layers; l++) {
        const mlpt_layer_geom *g = &m.geom[l];
        if (!layers[l].kind->kernel) { /* in two ranges too */
            const size_t half = g->n_trainable / 2 + 1;
            if (g->n_trainable) {
                mlpt_layer_gradient(&m, ws, SHARDS, l, 0, half, grad + g->w_offset);
                mlpt_layer_gradient(&m, ws, SHARDS, l, half, g->n_trainable - half,
                                    grad + g->w_offset + half);
            }
            continue;
        }
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
            double up = summed_loss(&m, ws, &coupling, seed);
            m.params[i] = saved - eps;
            double down = summed_loss(&m, ws, &coupling, seed);
            m.params[i] = saved;
            double numeric = (up - down) / (2.0 * (double)eps);
            double analytic = grad[i];
            cr_assert(fabs(numeric - analytic) <= 2e-3 + 2e-2 * fabs(numeric),
                      "layer %d parameter %zu: analytic %.6f, numeric %.6f", l + 1,
                      i - g->w_offset, analytic, numeric);
            largest = fmax(largest, fabs(analytic));
        }
        if (g->n_trainable)
            cr_assert_gt(largest, 1e-3, "layer %d: gradient is all (nearly) zero", l + 1);
        if (layers[l].kind->kernel) {
            double kernel = 0.0; /* the kernel alone, not only the bias */
            for (size_t i = g->w_offset; i < g->b_offset; i++)
                kernel = fmax(kernel, fabs(grad[i]));
            cr_assert_gt(kernel, 1e-3, "layer %d: kernel gradient is all (nearly) zero", l + 1);
        } else if (g->n_trainable) {
            double gamma = 0.0; /* gamma's, not only beta's */
            for (size_t i = g->w_offset; i < g->w_offset + g->out; i++)
                gamma = fmax(gamma, fabs(grad[i]));
            cr_assert_gt(gamma, 1e-3, "layer %d: gamma's gradient is all (nearly) zero", l + 1);
        }
    }
    free(grad);
    mlpt_coupling_free(&coupling);
    for (int s = 0; s < SHARDS; s++)
        mlpt_workspace_free(&ws[s]);
    mlpt_model_free(&m);
}

/* Every activation of the table (but the last layer's own, which its
 * loss computes) in a hidden dense layer: a new one is checked here
 * without a line of test. */
Test(gradcheck, dense_with_every_activation)
{
    for (int a = 0; mlpt_activations[a]; a++) {
        if (mlpt_activations[a]->last_only)
            continue;
        char hidden[64];
        snprintf(hidden, sizeof hidden, "dense 7 %s", mlpt_activations[a]->name);
        const char *l[] = {hidden, "dense 3 softmax"};
        check_model(l, 2);
    }
}

Test(gradcheck, dropout_between_dense_layers)
{
    const char *l[] = {"dense 8 tanh", "dropout 0.4", "dense 6 sigmoid", "dropout 0.25",
                       "dense 3 softmax"};
    check_model(l, 5);
}

/* Activations whose derivative is one of Z (kept from forward) after
 * dropout's mask and before a parameter given on the line. */
Test(gradcheck, z_activations_between_dropout_and_alpha)
{
    const char *l[] = {"dense 8 gelu", "dropout 0.4", "dense 6 silu",
                       "dense 5 leaky_relu 0.05 he_uniform", "dense 3 softmax"};
    check_model(l, 5);
}

Test(gradcheck, he_uniform_deeper_stack)
{
    const char *l[] = {"dense 6 tanh", "dense 5 relu he_uniform", "dense 4 linear",
                       "dense 3 softmax"};
    check_model(l, 4);
}

/* Wider than one register block (128 columns with AVX-512, 64 without) and
 * not a multiple of the vector width: every kernel path, full and partial. */
Test(gradcheck, wide_layers_exercise_every_kernel_block)
{
    const char *l[] = {"dense 150 tanh", "dropout 0.1", "dense 37 sigmoid", "dense 3 softmax"};
    check_model(l, 4);
}

/* Batchnorm's statistics are the batch's, over shards of 1, 0 and 3 rows:
 * the gradient includes their dependence on every sample. As the first
 * layer too (its input is the gathered one), and with its options. (Its
 * outputs are centred on zero, where relu's kink would spoil the central
 * differences: smooth activations after it.) */
Test(gradcheck, batchnorm_across_shards)
{
    const char *l[] = {"dense 8 tanh", "batchnorm", "dense 6 silu",
                       "batchnorm momentum 0.9 epsilon 0.01", "dense 3 softmax"};
    check_model(l, 5);
    const char *first[] = {"batchnorm", "dense 5 sigmoid", "dropout 0.3", "batchnorm",
                           "dense 3 softmax"};
    check_model(first, 5);
}

Test(gradcheck, layernorm)
{
    const char *l[] = {"dense 8 relu", "layernorm", "dense 6 sigmoid", "layernorm epsilon 0.01",
                       "dense 3 softmax"};
    check_model(l, 5);
    const char *first[] = {"layernorm", "dense 7 tanh", "dropout 0.3", "layernorm",
                           "batchnorm", "dense 3 softmax"};
    check_model(first, 6);
}

/* Every loss of the table alone, one output wide and wider (a single
 * sigmoid is binary, several multi-label): d(sum of row losses)/d logits
 * against central differences, with the targets of the loss's task. */
Test(gradcheck, every_loss)
{
    for (int k = 0; mlpt_losses[k]; k++)
        for (size_t width = 1; width <= CLASSES; width += CLASSES - 1) {
            const mlpt_loss_ops *loss = mlpt_losses[k];
            const mlpt_task *task = mlpt_task_of(loss, width);
            const size_t n = ROWS * width;
            float z[ROWS * CLASSES], dz[ROWS * CLASSES], out[ROWS * CLASSES];
            float values[ROWS * CLASSES];
            const uint8_t labels[ROWS] = {0, 2, 1, 2}, bits[ROWS] = {0, 1, 1, 0};
            for (size_t i = 0; i < n; i++) {
                z[i] = 3.0f * sinf((float)i);
                values[i] = (float)(i % 2); /* 0/1 for multi-label, numbers for regression */
            }
            if (!task->values && task->classes(width) < 2)
                continue; /* a softmax of one output has nothing to learn */
            const mlpt_targets y = task->values ? (mlpt_targets){.values = values}
                                                : (mlpt_targets){.labels = width > 1 ? labels
                                                                                     : bits};
            memcpy(out, z, sizeof z);
            float row_loss[ROWS];
            loss->forward(ROWS, width, loss->param_default, out, &y, dz, row_loss);
            double largest = 0.0;
            for (size_t i = 0; i < n; i++) {
                float up[ROWS * CLASSES], down[ROWS * CLASSES];
                memcpy(up, z, sizeof z);
                memcpy(down, z, sizeof z);
                up[i] += 1e-2f;
                down[i] -= 1e-2f;
                float lu[ROWS], ld[ROWS];
                loss->forward(ROWS, width, loss->param_default, up, &y, NULL, lu);
                loss->forward(ROWS, width, loss->param_default, down, &y, NULL, ld);
                double numeric = 0.0;
                for (int r = 0; r < ROWS; r++)
                    numeric += ((double)lu[r] - ld[r]) / 2e-2;
                cr_assert(fabs(numeric - dz[i]) < 1e-3,
                          "%s, %zu wide, logit %zu: analytic %f numeric %f", loss->name, width,
                          i, dz[i], numeric);
                largest = fmax(largest, fabs(dz[i]));
            }
            cr_assert_gt(largest, 0.1, "%s, %zu wide", loss->name, width);
        }
}

/* Softmax outputs: each row sums to 1. */
Test(gradcheck, softmax_cross_entropy_outputs_are_probabilities)
{
    float z[ROWS * CLASSES];
    const uint8_t labels[ROWS] = {0, 2, 1, 2};
    const mlpt_targets y = {.labels = labels};
    for (int i = 0; i < ROWS * CLASSES; i++)
        z[i] = 3.0f * sinf((float)i);
    float row_loss[ROWS];
    SCCE->forward(ROWS, CLASSES, 0.0f, z, &y, NULL, row_loss);
    for (int r = 0; r < ROWS; r++) {
        float s = 0.0f;
        for (int c = 0; c < CLASSES; c++)
            s += z[r * CLASSES + c];
        cr_assert_float_eq(s, 1.0f, 1e-6f);
    }
}

/* Large logits must not overflow: the loss comes from log-sum-exp. */
Test(gradcheck, softmax_is_stable_for_large_logits)
{
    float z[3] = {1000.0f, -1000.0f, 999.0f};
    const uint8_t label = 1;
    const mlpt_targets y = {.labels = &label};
    float loss;
    SCCE->forward(1, 3, 0.0f, z, &y, NULL, &loss);
    cr_assert(isfinite(loss));
    cr_assert_float_eq((double)loss, 2000.0 + log1p(exp(-1.0)), 1e-3);
    cr_assert_eq(mlpt_argmax(z, 3), 0);
}
