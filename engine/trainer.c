/* The training loop. One step over a minibatch of B samples:
 *
 *   shards (parallel over s = 0..S-1, rows [B*s/S, B*(s+1)/S)):
 *       gather -> forward -> softmax/loss -> backward into grad[s]
 *   update (parallel over blocks of parameters):
 *       g = (grad[0] + grad[1] + ... + grad[S-1]) / B, in shard order;
 *       grad[s] = 0; optimizer step on the block
 *
 * Nothing a thread computes depends on which thread it is or how many there
 * are, so the weights are bit-identical for any thread count. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fpmode.h"
#include "mlpt/train.h"
#include "optimizer.h"
#include "pass.h"
#include "rng.h"

/* Parameters per block of the fused reduce-and-update: small enough that a
 * block's S gradient rows and state stay in L1, large enough to vectorise. */
enum { UPDATE_BLOCK = 1024 };

struct mlpt_trainer {
    mlpt_model *model;
    mlpt_train_spec spec;
    int threads;
    size_t train_size;
    mlpt_workspace *shards;    /* spec.shards workspaces of ceil(batch/shards) rows */
    float *state1, *state2;    /* optimizer state, n_params each (state2: adam) */
    uint64_t steps_taken;      /* optimizer steps so far: adam's t */
    uint32_t *order;           /* this epoch's sample order */
    float lut[256];            /* byte -> byte / scale */
};

void mlpt_trainer_free(mlpt_trainer *t)
{
    if (!t)
        return;
    if (t->shards)
        for (int s = 0; s < t->spec.shards; s++)
            mlpt_workspace_free(&t->shards[s]);
    free(t->shards);
    free(t->state1);
    free(t->state2);
    free(t->order);
    free(t);
}

mlpt_trainer *mlpt_trainer_create(mlpt_model *m, const mlpt_train_spec *spec,
                                  size_t train_size, int threads, mlpt_error *err)
{
    if (spec->batch < 1 || spec->shards < 1 || spec->epochs < 1 || threads < 1 ||
        !(spec->scale > 0.0f)) {
        mlpt_fail(err, "invalid training spec: batch %d, shards %d, epochs %d, threads %d, "
                       "scale %g (each must be positive)",
                  spec->batch, spec->shards, spec->epochs, threads, (double)spec->scale);
        return NULL;
    }
    if (train_size == 0 || train_size > UINT32_MAX) {
        mlpt_fail(err, "a training set of %zu samples is not supported (1 to %u)", train_size,
                  UINT32_MAX);
        return NULL;
    }
    mlpt_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        mlpt_fail(err, "out of memory for the trainer");
        return NULL;
    }
    t->model = m;
    t->spec = *spec;
    t->threads = threads;
    t->train_size = train_size;
    size_t rows = ((size_t)spec->batch + (size_t)spec->shards - 1) / (size_t)spec->shards;
    t->shards = calloc((size_t)spec->shards, sizeof *t->shards);
    t->state1 = calloc(m->n_params, sizeof(float));
    t->state2 = calloc(m->n_params, sizeof(float));
    t->order = calloc(train_size, sizeof *t->order);
    if (!t->shards || !t->state1 || !t->state2 || !t->order) {
        mlpt_trainer_free(t);
        mlpt_fail(err, "out of memory for optimizer state of %zu parameters", m->n_params);
        return NULL;
    }
    for (int s = 0; s < spec->shards; s++)
        if (mlpt_workspace_init(&t->shards[s], m, rows, true, err) < 0) {
            mlpt_trainer_free(t);
            return NULL;
        }
    for (int v = 0; v < 256; v++)
        t->lut[v] = (float)((double)v / spec->scale);
    return t;
}

/* Forward and backward of shard s of the batch order[0..batch). */
static void run_shard(mlpt_trainer *t, const mlpt_dataset *d, const uint32_t *batch_ids,
                      size_t batch, int s, const mlpt_dropout_keys *keys_base)
{
    const size_t S = (size_t)t->spec.shards;
    const size_t lo = batch * (size_t)s / S, hi = batch * (size_t)(s + 1) / S;
    mlpt_workspace *ws = &t->shards[s];
    ws->loss_sum = 0.0;
    ws->correct = 0;
    if (hi == lo)
        return;
    mlpt_gather(ws, d, batch_ids + lo, hi - lo, t->lut);
    mlpt_dropout_keys keys = *keys_base;
    keys.sample_ids = ws->ids;
    mlpt_forward(t->model, ws, hi - lo, &keys);
    mlpt_backward(t->model, ws, hi - lo);
}

/* Sums the shards' gradients for parameters [lo, hi) in shard order,
 * clears them for the next step, and applies the optimizer. */
static void reduce_and_update(mlpt_trainer *t, size_t lo, size_t hi, float inv_batch,
                              const mlpt_opt_step *st)
{
    float g[UPDATE_BLOCK];
    const size_t n = hi - lo;
    float *g0 = t->shards[0].grad + lo;
    for (size_t i = 0; i < n; i++)
        g[i] = g0[i];
    memset(g0, 0, n * sizeof *g0);
    for (int s = 1; s < t->spec.shards; s++) {
        float *gs = t->shards[s].grad + lo;
        for (size_t i = 0; i < n; i++)
            g[i] += gs[i];
        memset(gs, 0, n * sizeof *gs);
    }
    for (size_t i = 0; i < n; i++)
        g[i] *= inv_batch;
    mlpt_optimizer_apply(t->spec.optimizer.kind, st, n, t->model->params + lo, g,
                         t->state1 + lo, t->state2 + lo);
}

/* Sums the shards' loss and correct counts in shard order. */
static double batch_loss(const mlpt_trainer *t, size_t *correct)
{
    double loss = 0.0;
    for (int s = 0; s < t->spec.shards; s++) {
        loss += t->shards[s].loss_sum;
        *correct += t->shards[s].correct;
    }
    return loss;
}

/* One step; returns the batch's summed loss. A non-finite loss skips the
 * update, so the parameters stay those of the last good step. */
static double train_step(mlpt_trainer *t, const mlpt_dataset *d, const uint32_t *batch_ids,
                         size_t batch, const mlpt_dropout_keys *keys, size_t *correct)
{
    const mlpt_opt_step st = mlpt_optimizer_prepare(&t->spec.optimizer, t->steps_taken + 1);
    const float inv_batch = 1.0f / (float)batch;
    const size_t n_params = t->model->n_params;
    const long n_blocks = (long)((n_params + UPDATE_BLOCK - 1) / UPDATE_BLOCK);
    double loss = 0.0;
#pragma omp parallel num_threads(t->threads)
    {
        mlpt_flush_denormals();
#pragma omp for schedule(static)
        for (int s = 0; s < t->spec.shards; s++)
            run_shard(t, d, batch_ids, batch, s, keys);
#pragma omp single
        loss = batch_loss(t, correct);
        if (isfinite(loss)) {
#pragma omp for schedule(static)
            for (long b = 0; b < n_blocks; b++) {
                size_t lo = (size_t)b * UPDATE_BLOCK;
                size_t hi = lo + UPDATE_BLOCK < n_params ? lo + UPDATE_BLOCK : n_params;
                reduce_and_update(t, lo, hi, inv_batch, &st);
            }
        }
    }
    if (isfinite(loss))
        t->steps_taken++;
    return loss;
}

int mlpt_trainer_epoch(mlpt_trainer *t, const mlpt_dataset *train, int epoch,
                       mlpt_step_fn on_step, void *user, mlpt_epoch_stats *out,
                       mlpt_error *err)
{
    if (train->n != t->train_size || train->features != t->model->input_width)
        return mlpt_fail(err, "training set of %zu samples x %zu features does not match "
                              "the trainer (%zu x %zu)",
                         train->n, train->features, t->train_size, t->model->input_width);
    const size_t n = t->train_size, B = (size_t)t->spec.batch;
    if (t->spec.shuffle)
        mlpt_shuffle(t->spec.seed, (uint32_t)epoch, t->order, n);
    else
        for (size_t i = 0; i < n; i++)
            t->order[i] = (uint32_t)i;

    const mlpt_dropout_keys keys = {.seed = t->spec.seed, .epoch = (uint32_t)epoch};
    mlpt_epoch_stats st = {.steps = (n + B - 1) / B};
    double loss_sum = 0.0;
    size_t correct = 0;
    for (size_t lo = 0; lo < n; lo += B) {
        const size_t batch = n - lo < B ? n - lo : B;
        const double loss = train_step(t, train, t->order + lo, batch, &keys, &correct);
        st.step++;
        if (!isfinite(loss))
            return mlpt_fail(err, "the loss became %s at epoch %d, step %zu; the model "
                                  "diverged (try a smaller learning_rate)",
                             isnan(loss) ? "NaN" : "infinite", epoch + 1, st.step);
        loss_sum += loss;
        st.samples = lo + batch;
        st.loss = loss_sum / (double)st.samples;
        st.accuracy = (double)correct / (double)st.samples;
        if (out)
            *out = st;
        if (on_step && on_step(&st, user))
            return 1;
    }
    return 0;
}
