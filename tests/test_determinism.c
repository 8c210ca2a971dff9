/* The reproducibility contract: the same spec and seed give bit-identical
 * weights at any thread count and any shard count, and across runs, on
 * mostly zero inputs (the sparse kernels) and on dense ones (the dense
 * kernels, which give the sparse kernels' bits). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mlpt/train.h"
#include "test_spec.h"

enum { SAMPLES = 3200, FEATURES = 64, CLASSES = 10 };

/* A synthetic set whose label is learnable from its pixels: mostly zero
 * pixels (noise of 6 bits, zero one time in 64), or with `dense` none zero. */
static mlpt_samples synthetic(uint8_t *pixels, uint8_t *labels, bool dense)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < SAMPLES; i++) {
        labels[i] = (uint8_t)(i % CLASSES);
        for (size_t f = 0; f < FEATURES; f++) {
            x = x * 1664525u + 1013904223u;
            uint8_t noise = dense ? (uint8_t)(1 + (x >> 25)) : (uint8_t)(x >> 26);
            pixels[i * FEATURES + f] = f % CLASSES == labels[i] ? (uint8_t)(120 + noise) : noise;
        }
    }
    return (mlpt_samples){.n = SAMPLES, .rank = 1, .dims = {FEATURES}, .features = FEATURES,
                          .bytes = pixels, .scale = 255.0f, .labels = labels,
                          .n_classes = CLASSES};
}

static mlpt_train_spec tutorial_spec(void)
{
    return (mlpt_train_spec){
        .optimizer = {mlpt_optimizer_named("adam"), 0.001f, 0.9f, 0.999f, 1e-7f, 0, 0},
        .batch = 32, .epochs = 3, .shards = 8, .shuffle = true, .seed = 42};
}

static const char *const tutorial_layers[] = {"dense 32 relu", "dropout 0.2",
                                              "dense 10 softmax", NULL};

/* Batch normalization (as the first layer too, where it reads the
 * gathered input) couples a batch's samples across shards; layer
 * normalization's gamma and beta are summed over them. */
static const char *const norm_layers[] = {"batchnorm", "dense 32 relu", "batchnorm momentum 0.9",
                                          "dropout 0.2", "dense 16 tanh", "layernorm",
                                          "dense 10 softmax", NULL};

/* Trains spec's epochs of the NULL-terminated layer lines on d and
 * returns the parameters (caller frees). */
static float *train_on(const mlpt_samples *data, const char *const *lines,
                       const mlpt_train_spec *spec, int threads, size_t *n_params, double *loss)
{
    const mlpt_samples d = *data;
    mlpt_model_spec ms = {.input_rank = 1, .input_dims = {FEATURES}, .loss = SCCE};
    while (lines[ms.n_layers]) {
        ms.layers[ms.n_layers] = layer(lines[ms.n_layers]);
        ms.n_layers++;
    }
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&ms, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, spec->seed);
    mlpt_trainer *t = mlpt_trainer_create(&m, spec, &d, threads, &err);
    cr_assert_not_null(t, "%s", err.msg);
    mlpt_epoch_stats st;
    for (int e = 0; e < spec->epochs; e++)
        cr_assert_eq(mlpt_trainer_epoch(t, &d, e, NULL, NULL, NULL, &st, &err), 0, "%s", err.msg);
    *loss = st.loss;
    mlpt_trainer_free(t);
    *n_params = m.n_params;
    return m.params; /* ownership passes to the caller */
}

/* The same on the synthetic set (100 steps an epoch at batch 32). */
static float *train_layers(const char *const *lines, const mlpt_train_spec *spec, int threads,
                           size_t *n_params, double *loss)
{
    static uint8_t pixels[SAMPLES * FEATURES], labels[SAMPLES];
    const mlpt_samples d = synthetic(pixels, labels, false);
    return train_on(&d, lines, spec, threads, n_params, loss);
}

/* On the dense set, a deeper stack whose widths exercise the dense
 * kernels' whole and partial tiles (50 kernel rows, 20 columns). */
static float *train_dense(const mlpt_train_spec *spec, int threads, size_t *n_params,
                          double *loss)
{
    static const char *const lines[] = {"dense 50 relu", "dropout 0.2", "dense 20 relu",
                                        "dense 10 softmax", NULL};
    static uint8_t pixels[SAMPLES * FEATURES], labels[SAMPLES];
    const mlpt_samples d = synthetic(pixels, labels, true);
    return train_on(&d, lines, spec, threads, n_params, loss);
}

static float *train(const mlpt_train_spec *spec, int threads, size_t *n_params, double *loss)
{
    return train_layers(tutorial_layers, spec, threads, n_params, loss);
}

/* class_weight = balanced is scikit-learn's compute_class_weight on the
 * training labels, n / (classes x count): the same weights as listed by
 * hand from the counts, and a change from no weights. */
Test(determinism, balanced_class_weights_are_scikit_learns)
{
    static uint8_t pixels[SAMPLES * FEATURES], labels[SAMPLES];
    mlpt_samples d = synthetic(pixels, labels, false);
    size_t count[CLASSES] = {0}, n;
    for (size_t i = 0; i < SAMPLES; i++) { /* skewed: most of classes 5-9 become 0 */
        if (labels[i] >= 5 && i % 3)
            labels[i] = 0;
        count[labels[i]]++;
    }
    mlpt_train_spec plain = tutorial_spec(), balanced = plain, listed = plain;
    plain.epochs = balanced.epochs = listed.epochs = 1;
    balanced.class_weight.kind = MLPT_CLASS_WEIGHT_BALANCED;
    listed.class_weight = (mlpt_class_weights){.kind = MLPT_CLASS_WEIGHT_LISTED, .n = CLASSES};
    for (int c = 0; c < CLASSES; c++)
        listed.class_weight.w[c] = (float)((double)SAMPLES / (CLASSES * (double)count[c]));
    cr_assert_gt(listed.class_weight.w[9], 2.5f, "a rare class weighs more");
    double loss;
    float *a = train_on(&d, tutorial_layers, &balanced, 2, &n, &loss);
    float *b = train_on(&d, tutorial_layers, &listed, 1, &n, &loss);
    float *c = train_on(&d, tutorial_layers, &plain, 1, &n, &loss);
    cr_assert_eq(memcmp(a, b, n * sizeof *a), 0, "balanced differs from its weights listed");
    cr_assert_neq(memcmp(a, c, n * sizeof *a), 0, "class weights changed nothing");
    free(a);
    free(b);
    free(c);
}

Test(determinism, identical_weights_for_1_2_3_4_threads)
{
    mlpt_train_spec spec = tutorial_spec();
    size_t n, n_other;
    double loss, loss_other;
    float *reference = train(&spec, 1, &n, &loss);
    cr_assert_lt(loss, 0.5, "training did not learn: last-epoch loss %f", loss);
    for (int threads = 2; threads <= 4; threads++) {
        float *w = train(&spec, threads, &n_other, &loss_other);
        cr_assert_eq(n, n_other);
        cr_assert_eq(memcmp(reference, w, n * sizeof *w), 0,
                     "weights differ between 1 and %d threads", threads);
        cr_assert_eq(loss, loss_other, "reported loss differs at %d threads", threads);
        free(w);
    }
    free(reference);
}

Test(determinism, identical_across_runs_and_different_for_another_seed)
{
    mlpt_train_spec spec = tutorial_spec();
    size_t n;
    double loss;
    float *a = train(&spec, 2, &n, &loss);
    float *b = train(&spec, 2, &n, &loss);
    cr_assert_eq(memcmp(a, b, n * sizeof *a), 0, "two runs differ");
    spec.seed = 7;
    float *c = train(&spec, 2, &n, &loss);
    cr_assert_neq(memcmp(a, c, n * sizeof *a), 0, "seed does not change the weights");
    free(a);
    free(b);
    free(c);
}

/* Shards only split the work: every sum runs over the batch's samples in
 * order, so the shard count changes neither the weights nor the loss. */
Test(determinism, identical_weights_for_any_shard_count)
{
    mlpt_train_spec spec = tutorial_spec();
    spec.shards = 1;
    size_t n;
    double loss, loss_other;
    float *reference = train(&spec, 1, &n, &loss);
    const int shards[] = {2, 3, 8, 32, 256};
    for (size_t i = 0; i < sizeof shards / sizeof *shards; i++) {
        spec.shards = shards[i];
        float *w = train(&spec, 2, &n, &loss_other);
        cr_assert_eq(memcmp(reference, w, n * sizeof *w), 0,
                     "weights differ between 1 and %d shards", shards[i]);
        cr_assert_eq(loss, loss_other, "reported loss differs at %d shards", shards[i]);
        free(w);
    }
    free(reference);
}

Test(determinism, batch_smaller_than_shards_and_uneven_last_batch)
{
    mlpt_train_spec spec = tutorial_spec();
    spec.batch = 5; /* 3200 = 640 x 5; shards 8 > batch: three empty shards */
    spec.epochs = 1;
    size_t n;
    double loss1, loss3;
    float *a = train(&spec, 1, &n, &loss1);
    float *b = train(&spec, 3, &n, &loss3);
    cr_assert_eq(memcmp(a, b, n * sizeof *a), 0);
    free(a);
    free(b);
    spec.batch = 33; /* last batch of 32 */
    a = train(&spec, 1, &n, &loss1);
    b = train(&spec, 4, &n, &loss3);
    cr_assert_eq(memcmp(a, b, n * sizeof *a), 0);
    free(a);
    free(b);
}

/* The batch's statistics are summed over its samples in order, whatever
 * the threads and shards (empty ones too: batch 5 in 8 shards), and so
 * are gamma's and beta's gradients; the moving averages follow. */
Test(determinism, normalization_identical_for_threads_and_shards)
{
    mlpt_train_spec spec = tutorial_spec();
    spec.epochs = 2;
    size_t n, n_other;
    double loss, loss_other;
    float *reference = train_layers(norm_layers, &spec, 1, &n, &loss);
    cr_assert_lt(loss, 0.5, "training did not learn: loss %f", loss);
    for (int threads = 2; threads <= 4; threads++) {
        float *w = train_layers(norm_layers, &spec, threads, &n_other, &loss_other);
        cr_assert_eq(n, n_other);
        cr_assert_eq(memcmp(reference, w, n * sizeof *w), 0,
                     "weights differ between 1 and %d threads", threads);
        cr_assert_eq(loss, loss_other, "reported loss differs at %d threads", threads);
        free(w);
    }
    const int shards[] = {1, 3, 32};
    for (size_t i = 0; i < sizeof shards / sizeof *shards; i++) {
        spec.shards = shards[i];
        float *w = train_layers(norm_layers, &spec, 3, &n_other, &loss_other);
        cr_assert_eq(memcmp(reference, w, n * sizeof *w), 0,
                     "weights differ between 8 and %d shards", shards[i]);
        free(w);
    }
    free(reference);
    spec.shards = 8;
    spec.batch = 5;
    float *a = train_layers(norm_layers, &spec, 1, &n, &loss);
    float *b = train_layers(norm_layers, &spec, 4, &n, &loss_other);
    cr_assert_eq(memcmp(a, b, n * sizeof *a), 0, "batch 5 in 8 shards: 1 and 4 threads differ");
    free(a);
    free(b);
}

/* What a trainer takes is known before it is made: the weights, adam's two
 * moments, and a batch's buffers; a model whose buffers cannot be counted
 * in size_t is planned but its batch reads SIZE_MAX, not a wrapped size. */
Test(memory, counted_before_allocating)
{
    const mlpt_train_spec spec = tutorial_spec();
    mlpt_model_spec ms = {.input_rank = 2, .input_dims = {28, 28}, .n_layers = 2, .loss = SCCE};
    ms.layers[0] = layer("dense 128 relu");
    ms.layers[1] = layer("dense 10 softmax");
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_plan(&ms, &m, &err), 0, "%s", err.msg);
    mlpt_train_memory mem = mlpt_train_memory_of(&m, &spec);
    cr_assert_eq(mem.params, 101770 * sizeof(float));
    cr_assert_geq(mem.optimizer, 2 * mem.params);
    /* at least the 784 inputs' non-zeros (index and value) of 32 samples */
    cr_assert_geq(mem.batch, 32 * 784 * 8);
    cr_assert(mem.batch < SIZE_MAX && mem.per_thread < SIZE_MAX);

    ms.input_rank = 1;
    ms.input_dims[0] = (size_t)1 << 61; /* 2^61 + 129 parameters: plannable */
    ms.layers[0].units = 1;
    cr_assert_eq(mlpt_model_plan(&ms, &m, &err), 0, "%s", err.msg);
    mem = mlpt_train_memory_of(&m, &spec);
    cr_assert_eq(mem.batch, SIZE_MAX); /* 4 rows of 2^61 inputs at 8 bytes each */
    /* a thread lists a bounded number of kernel rows at a time, whatever
     * the width: its buffers stay countable */
    cr_assert_lt(mem.per_thread, (size_t)1 << 30);

    ms.input_dims[0] = (size_t)1 << 62; /* 2^62 parameters: not in bytes */
    cr_assert_eq(mlpt_model_plan(&ms, &m, &err), -1);
    cr_assert(strstr(err.msg, "overflows"), "%s", err.msg);
}

/* The dense kernels at 1, 2, 3 and 4 threads, and 1, 3 and 8 shards (16
 * rows of a batch of 128: whole register tiles; 43: partial ones). */
Test(determinism, dense_inputs_identical_for_any_threads_and_shards)
{
    mlpt_train_spec spec = tutorial_spec();
    spec.batch = 128;
    spec.epochs = 6;
    spec.shards = 1;
    size_t n, n_other;
    double loss, loss_other;
    float *reference = train_dense(&spec, 1, &n, &loss);
    cr_assert_lt(loss, 1.0, "training did not learn: last-epoch loss %f", loss);
    const int threads[] = {2, 3, 4, 2, 3}, shards[] = {1, 1, 1, 8, 3};
    for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
        spec.shards = shards[i];
        float *w = train_dense(&spec, threads[i], &n_other, &loss_other);
        cr_assert_eq(n, n_other);
        cr_assert_eq(memcmp(reference, w, n * sizeof *w), 0,
                     "weights differ between 1 thread, 1 shard and %d threads, %d shards",
                     threads[i], shards[i]);
        cr_assert_eq(loss, loss_other, "reported loss differs at %d threads, %d shards",
                     threads[i], shards[i]);
        free(w);
    }
    free(reference);
}

/* Values in [-1, 1) with every third one zero; w[i] when it is set. */
static void values(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = i % 3 == 0 ? 0.0f : (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
    }
}

static float *floats(size_t n)
{
    float *p = aligned_alloc(64, ((n + MLPT_SLACK) * sizeof *p + 63) / 64 * 64);
    cr_assert_not_null(p);
    memset(p, 0, (n + MLPT_SLACK) * sizeof *p);
    return p;
}

/* The dense kernels form the sparse kernels' sums: X W + b for shapes with
 * whole and partial tiles in every direction (rows 1 to 19, columns 1 to
 * 70, depth past the forward's block of 512), and the weight gradient of
 * MLPT_PANEL rows or fewer. */
Test(dense_kernels, same_bits_as_the_sparse_ones)
{
    const size_t shapes[][3] = {{1, 1, 1},  {3, 7, 5},    {8, 16, 48},  {9, 33, 17},
                                {16, 64, 70}, {19, 600, 50}, {4, 1030, 33}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *X = floats(m * k), *W = floats(k * n), *b = floats(n), *Z1 = floats(m * n),
              *Z2 = floats(m * n);
        values(X, m * k, 1);
        values(W, k * n, 2);
        values(b, n, 3);
        mlpt_nonzeros nz = {calloc(m * k, sizeof(uint32_t)), calloc(m * k, sizeof(float)),
                            calloc(m, sizeof(uint32_t))};
        mlpt_find_nonzeros(m, k, X, &nz);
        mlpt_gemm_bias(m, k, n, &nz, W, b, Z1);
        mlpt_gemm_bias_dense(m, k, n, X, W, b, Z2);
        cr_assert_eq(memcmp(Z1, Z2, m * n * sizeof *Z1), 0, "X W + b differs at %zux%zux%zu", m,
                     k, n);

        /* X^T D: sample i's row of the panel is X's row i's first kernel
         * rows, and D's rows are Z's. */
        const size_t rows = k < MLPT_PANEL ? k : MLPT_PANEL;
        float *A = floats(m * MLPT_PANEL), *G = floats(MLPT_PANEL * n), *g = floats(n);
        const float **d = calloc(m, sizeof *d);
        mlpt_entry *e = calloc(m, sizeof *e);
        for (size_t i = 0; i < m; i++) {
            d[i] = Z1 + i * n;
            for (size_t r = 0; r < rows; r++)
                A[i * MLPT_PANEL + r] = X[i * k + r];
        }
        mlpt_gemm_tn_panel(m, rows, A, d, 0, n, G, n);
        for (size_t r = 0; r < rows; r++) {
            size_t count = 0;
            for (size_t i = 0; i < m; i++)
                if (X[i * k + r] != 0.0f)
                    e[count++] = (mlpt_entry){d[i], X[i * k + r]};
            mlpt_gemm_tn_row(e, count, 0, n, g);
            cr_assert_eq(memcmp(g, G + r * n, n * sizeof *g), 0,
                         "X^T D row %zu differs at %zux%zux%zu", r, m, k, n);
        }
        free(X), free(W), free(b), free(Z1), free(Z2), free(A), free(G), free(g);
        free(d), free(e), free(nz.idx), free(nz.val), free(nz.count);
    }
}

/* clip_norm: the same weights at any thread count; a clip no gradient
 * reaches changes no bit; and one plain SGD step under a tight clip moves
 * the weights by exactly learning_rate x clip_norm (the whole gradient
 * scaled to that norm, Keras's global_clipnorm). */
static int stop_after_one(const mlpt_epoch_stats *s, void *user)
{
    (void)s, (void)user;
    return 1;
}

Test(determinism, clip_norm)
{
    mlpt_train_spec spec = tutorial_spec(), loose, none = tutorial_spec();
    spec.epochs = none.epochs = 1;
    spec.clip_norm = 0.05f;
    loose = none;
    loose.clip_norm = 1e30f;
    size_t n;
    double loss;
    float *ref = train(&spec, 1, &n, &loss), *plain = train(&none, 1, &n, &loss);
    for (int threads = 2; threads <= 3; threads++) {
        float *w = train(&spec, threads, &n, &loss);
        cr_assert_eq(memcmp(ref, w, n * sizeof *w), 0, "clipped: %d threads", threads);
        free(w);
    }
    float *l = train(&loose, 2, &n, &loss);
    cr_assert_eq(memcmp(l, plain, n * sizeof *l), 0, "a clip never reached changed weights");
    cr_assert_neq(memcmp(ref, plain, n * sizeof *l), 0, "clipping changed nothing");
    free(ref);
    free(plain);
    free(l);

    static uint8_t pixels[SAMPLES * FEATURES], labels[SAMPLES];
    const mlpt_samples d = synthetic(pixels, labels, false);
    mlpt_model_spec ms = {.input_rank = 1, .input_dims = {FEATURES}, .n_layers = 2,
                          .loss = SCCE};
    ms.layers[0] = layer("dense 16 tanh");
    ms.layers[1] = layer("dense 10 softmax");
    mlpt_train_spec sgd = {.optimizer = {.kind = mlpt_optimizer_named("sgd"),
                                         .learning_rate = 0.1f},
                           .batch = 32, .epochs = 1, .shards = 4, .seed = 3, .clip_norm = 1e-3f};
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&ms, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 3);
    float *before = malloc(m.n_params * sizeof *before);
    memcpy(before, m.params, m.n_params * sizeof *before);
    mlpt_trainer *t = mlpt_trainer_create(&m, &sgd, &d, 2, &err);
    cr_assert_not_null(t, "%s", err.msg);
    mlpt_epoch_stats st;
    cr_assert_eq(mlpt_trainer_epoch(t, &d, 0, NULL, stop_after_one, NULL, &st, &err), 1);
    double moved = 0.0;
    for (size_t i = 0; i < m.n_params; i++)
        moved += ((double)m.params[i] - before[i]) * ((double)m.params[i] - before[i]);
    cr_assert_float_eq(sqrt(moved), 0.1 * 1e-3, 1e-6, "the step's norm %g", sqrt(moved));
    mlpt_trainer_free(t);
    mlpt_model_free(&m);
    free(before);
}
