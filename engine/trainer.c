/* The training loop. One step over a minibatch of B samples:
 *
 *   shards (parallel over s = 0..S-1, rows [B*s/S, B*(s+1)/S)):
 *       gather -> forward -> softmax/loss -> backward to dL/dZ per layer
 *       (with batchnorm, in phases: all shards stop before each batchnorm
 *       layer going forward, and at it going backward, while its batch
 *       statistics are reduced in parallel over its features; pass.h)
 *   update (parallel over parameter ranges, cut where the threads' measured
 *   rates make their times equal), per block of kernel rows (the bias the
 *   last row):
 *       g = (sum over the batch's samples, in sample order, of x * dL/dZ) / B,
 *       formed in registers from the shards' inputs and dL/dZ (their
 *       non-zeros by kernel row, or for a mostly non-zero input a dense
 *       panel of MLPT_PANEL rows: the same sums); optimizer step (gamma and
 *       beta of the normalization layers: their kinds' sums over the
 *       batch's samples in order, mlpt_layer_gradient)
 *   after a good step: batchnorm's moving averages
 *
 * The weight gradient never goes through memory: each row of it is formed
 * by the thread that updates the row, while the row is in L1. Every sum
 * runs over samples in batch order, so nothing a thread computes depends
 * on which thread it is, how many there are or how many shards the batch
 * is cut into: the weights are bit-identical for any thread count. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "fpmode.h"
#include "hash.h"
#include "mlpt/train.h"
#include "pass.h"
#include "rng.h"

/* Longest run of parameters updated at once: its gradient sum lives on the
 * stack, and it and the run's optimizer state stay in L1. */
enum { UPDATE_BLOCK = 1024 };

/* Most kernel rows listed at once (a multiple of MLPT_PANEL, so no unit
 * straddles two listings): the lists' memory stays that of LIST_ROWS rows
 * of the batch, whatever the input's width. */
enum { LIST_ROWS = 256 };

/* Parameters whose gradient is formed and applied together: columns
 * [col, col + len) of kernel rows [row, row + rows) (row geom.in is the
 * bias) of a kernel layer, or trained parameters [row, row + len) of
 * another kind (gamma, beta; rows 0). */
typedef struct update_unit {
    size_t offset, len;   /* in params: of the first row */
    int layer;
    size_t row, rows;     /* rows: at most MLPT_PANEL */
    size_t col;
} update_unit;

struct mlpt_trainer {
    mlpt_model *model;
    mlpt_train_spec spec;
    int threads;
    size_t train_size;
    mlpt_workspace *shards;    /* spec.shards workspaces of ceil(batch/shards) rows */
    int phases;                /* of a pass (mlpt_phases): 1 without batchnorm */
    mlpt_coupling coupling;    /* the batch's statistics, for batchnorm */
    float *state1, *state2;    /* optimizer state, n_params each (state2: 2-slot ones) */
    uint64_t steps_taken;      /* optimizer steps so far: adam's t */
    mlpt_schedule_state schedule; /* the plateau's rate, best loss and wait */
    uint32_t *order;           /* this epoch's sample order */
    update_unit *units;        /* every parameter once, in offset order */
    size_t n_units;
    mlpt_row_lists *lists;     /* one per thread: its kernel rows' non-zeros */
    mlpt_row_panel *panels;    /* one per thread: its kernel rows' dense inputs */
    /* Thread i updates the units starting in parameters [split[i],
     * split[i + 1]). Units are independent, so the cuts change no bit: they
     * move every step towards equal update times (rows differ in their
     * non-zeros, cores in their speed), from the parameters per second each
     * thread managed (rate, smoothed) in the time its last update took. */
    size_t *split;             /* threads + 1 */
    double *rate, *busy;       /* threads each */
    int team;                  /* threads in the last step's team */
    /* Training across processes (mlpt_trainer_distribute): this one runs
     * shards [shard_lo, shard_hi) and exchanges them with the others. */
    mlpt_exchange *exchange;   /* NULL in a single process */
    int shard_lo, shard_hi;
    bool exchange_failed;      /* in the last step, with the reason: */
    mlpt_error exchange_err;
    float lut[256];            /* byte -> byte / the training data's scale */
    uint64_t inputs;           /* input_hash of the training data */
    const mlpt_task *task;
    const float *class_weight; /* weights, per class label; NULL: none */
    float class_weights[MLPT_MAX_CLASS_WEIGHTS];
    double *metric_state;      /* the epoch's running metrics */
    size_t metric_state_len;
    double *unit_sq;           /* clip_norm: each unit's squared gradient norm; else NULL */
};

/* Cuts every kernel layer's kernel rows and bias into update units of
 * MLPT_PANEL rows (fewer at the end) by at most UPDATE_BLOCK columns, and
 * other layers' trained parameters into units of at most UPDATE_BLOCK, in
 * parameter order of their first parameters. Called twice: to count
 * (units NULL; without a pass over the rows, which a model too big to
 * train may have too many of), then to fill. */
static size_t plan_units(const mlpt_model *m, update_unit *units)
{
    size_t n = 0;
    for (int l = 0; l < m->spec.n_layers; l++) {
        const mlpt_layer_geom *g = &m->geom[l];
        if (!m->spec.layers[l].kind->kernel) {
            for (size_t i = 0; i < g->n_trainable; i += UPDATE_BLOCK, n++)
                if (units)
                    units[n] = (update_unit){
                        g->w_offset + i,
                        g->n_trainable - i < UPDATE_BLOCK ? g->n_trainable - i : UPDATE_BLOCK,
                        l, i, 0, 0};
            continue;
        }
        const size_t rows = g->in + 1; /* row in: the bias, laid out after */
        if (!units) { /* at most one unit per parameter: no overflow */
            n += ((rows + MLPT_PANEL - 1) / MLPT_PANEL) *
                 ((g->out + UPDATE_BLOCK - 1) / UPDATE_BLOCK);
            continue;
        }
        for (size_t row = 0; row < rows; row += MLPT_PANEL) {
            const size_t start = g->w_offset + row * g->out;
            for (size_t j = 0; j < g->out; j += UPDATE_BLOCK, n++)
                units[n] = (update_unit){start + j,
                                         g->out - j < UPDATE_BLOCK ? g->out - j : UPDATE_BLOCK, l,
                                         row, rows - row < MLPT_PANEL ? rows - row : MLPT_PANEL,
                                         j};
        }
    }
    return n;
}

static int build_units(mlpt_trainer *t)
{
    t->n_units = plan_units(t->model, NULL);
    if (!(t->units = calloc(t->n_units, sizeof *t->units)))
        return -1;
    plan_units(t->model, t->units);
    return 0;
}

/* The most kernel rows (the bias one of them) listed at once. */
static size_t list_rows(const mlpt_model *m)
{
    size_t widest = 0;
    for (int l = 0; l < m->spec.n_layers; l++)
        if (m->spec.layers[l].kind->kernel && m->geom[l].in + 1 > widest)
            widest = m->geom[l].in + 1;
    return widest < LIST_ROWS ? widest : LIST_ROWS;
}

/* Each thread's lists: room for a batch's non-zeros in list_rows rows. */
static size_t list_entries(const mlpt_model *m, const mlpt_train_spec *spec)
{
    return mlpt_mul_sat((size_t)spec->batch, list_rows(m));
}

/* Rows in each shard's workspace. */
static size_t shard_rows(const mlpt_train_spec *spec)
{
    return ((size_t)spec->batch + (size_t)spec->shards - 1) / (size_t)spec->shards;
}

/* The optimizer's state floats per parameter. */
static size_t moments(const mlpt_train_spec *spec)
{
    return (size_t)spec->optimizer.kind->slots;
}

mlpt_train_memory mlpt_train_memory_of(const mlpt_model *m, const mlpt_train_spec *spec)
{
    return (mlpt_train_memory){
        .params = mlpt_mul_sat(m->n_params, sizeof(float)),
        .optimizer = mlpt_add_sat(mlpt_mul_sat(m->n_params, moments(spec) * sizeof(float)),
                                  mlpt_mul_sat(plan_units(m, NULL), sizeof(update_unit))),
        .batch = mlpt_mul_sat(mlpt_workspace_bytes(m, shard_rows(spec), true),
                              (size_t)spec->shards),
        .per_thread = mlpt_add_sat(
            mlpt_add_sat(mlpt_mul_sat(list_entries(m, spec), sizeof(mlpt_entry)),
                         mlpt_mul_sat(list_rows(m) + 1, sizeof(uint32_t))),
            mlpt_mul_sat((size_t)spec->batch,
                         MLPT_PANEL * sizeof(float) + sizeof(float *) + sizeof(uint32_t))),
        .per_sample = sizeof(uint32_t),
    };
}

size_t mlpt_train_memory_total(const mlpt_train_memory *mem, int threads)
{
    return mlpt_add_sat(mlpt_add_sat(mem->params, mem->optimizer),
                        mlpt_add_sat(mem->batch, mlpt_mul_sat(mem->per_thread, (size_t)threads)));
}

static int build_lists(mlpt_trainer *t)
{
    const size_t batch = (size_t)t->spec.batch;
    if (!(t->lists = calloc((size_t)t->threads, sizeof *t->lists)) ||
        !(t->panels = calloc((size_t)t->threads, sizeof *t->panels)))
        return -1;
    for (int i = 0; i < t->threads; i++) {
        mlpt_row_panel *p = &t->panels[i];
        if (!(t->lists[i].entries = calloc(list_entries(t->model, &t->spec),
                                           sizeof *t->lists[i].entries)) ||
            !(t->lists[i].start = calloc(list_rows(t->model) + 1, sizeof *t->lists[i].start)) ||
            !(p->x = aligned_alloc(64, (batch * MLPT_PANEL * sizeof *p->x + 63) / 64 * 64)) ||
            !(p->d = calloc(batch, sizeof *p->d)) ||
            !(p->cursor = calloc(batch, sizeof *p->cursor)))
            return -1;
    }
    return 0;
}

void mlpt_trainer_free(mlpt_trainer *t)
{
    if (!t)
        return;
    if (t->shards)
        for (int s = 0; s < t->spec.shards; s++)
            mlpt_workspace_free(&t->shards[s]);
    free(t->shards);
    mlpt_coupling_free(&t->coupling);
    free(t->state1);
    free(t->state2);
    free(t->order);
    free(t->units);
    if (t->lists)
        for (int i = 0; i < t->threads; i++) {
            free(t->lists[i].entries);
            free(t->lists[i].start);
        }
    if (t->panels)
        for (int i = 0; i < t->threads; i++) {
            free(t->panels[i].x);
            free(t->panels[i].d);
            free(t->panels[i].cursor);
        }
    free(t->lists);
    free(t->panels);
    free(t->split);
    free(t->rate);
    free(t->busy);
    free(t->metric_state);
    free(t->unit_sq);
    mlpt_exchange_free(t->exchange);
    free(t);
}

/* spec's class weights for training on `train` (counted on its labels
 * when balanced) into t; fails unless they fit the task and the classes. */
static int resolve_class_weights(mlpt_trainer *t, const mlpt_class_weights *cw,
                                 const mlpt_samples *train, mlpt_error *err)
{
    if (cw->kind == MLPT_CLASS_WEIGHT_NONE)
        return 0;
    if (t->task->values)
        return mlpt_fail(err, "class weights apply to class labels, not to a %s model",
                         t->task->name);
    const int classes = t->task->classes(t->model->output_width);
    if (cw->kind == MLPT_CLASS_WEIGHT_LISTED) {
        if (cw->n != classes)
            return mlpt_fail(err, "%d class weights for a model of %d classes", cw->n, classes);
        memcpy(t->class_weights, cw->w, (size_t)classes * sizeof *cw->w);
    } else { /* scikit-learn: n / (classes present x count), each class present */
        size_t count[MLPT_MAX_CLASS_WEIGHTS] = {0};
        int present = 0;
        for (size_t i = 0; i < train->n; i++)
            present += count[train->labels[i]]++ == 0;
        for (int c = 0; c < classes; c++)
            t->class_weights[c] = count[c] ? (float)((double)train->n /
                                                     ((double)present * (double)count[c]))
                                           : 1.0f;
    }
    t->class_weight = t->class_weights;
    return 0;
}

/* How the training data's values become inputs: its scale and its
 * normalization, hashed (processes must agree on them). */
static uint64_t input_hash(const mlpt_samples *d)
{
    uint64_t h = mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)&d->scale, sizeof d->scale);
    if (d->shift) {
        h = mlpt_fnv1a(h, (const unsigned char *)d->shift, d->features * sizeof *d->shift);
        h = mlpt_fnv1a(h, (const unsigned char *)d->factor, d->features * sizeof *d->factor);
    }
    return h;
}

mlpt_trainer *mlpt_trainer_create(mlpt_model *m, const mlpt_train_spec *spec,
                                  const mlpt_samples *train, int threads, mlpt_error *err)
{
    const size_t train_size = train->n;
    if (spec->batch < 1 || spec->shards < 1 || spec->shards > MLPT_MAX_SHARDS ||
        spec->epochs < 1 || threads < 1) {
        mlpt_fail(err, "invalid training spec: batch %d, shards %d, epochs %d, threads %d "
                       "(each must be at least 1, shards at most %d)",
                  spec->batch, spec->shards, spec->epochs, threads, MLPT_MAX_SHARDS);
        return NULL;
    }
    if (!spec->optimizer.kind || spec->optimizer.kind->slots < 1 ||
        spec->optimizer.kind->slots > MLPT_MAX_SLOTS) {
        mlpt_fail(err, "invalid training spec: no optimizer");
        return NULL;
    }
    if (mlpt_optimizer_takes(spec->optimizer.kind, "epsilon") &&
        !(spec->optimizer.epsilon >= FLT_MIN)) {
        mlpt_fail(err, "optimizer epsilon %g must be a normal float (>= %g): denormals are "
                       "flushed to zero",
                  (double)spec->optimizer.epsilon, (double)FLT_MIN);
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
    t->schedule = mlpt_schedule_start(spec->optimizer.learning_rate);
    const size_t rows = shard_rows(spec);
    t->shards = calloc((size_t)spec->shards, sizeof *t->shards);
    t->state1 = calloc(m->n_params, sizeof(float));
    if (moments(spec) == 2)
        t->state2 = calloc(m->n_params, sizeof(float));
    t->order = calloc(train_size, sizeof *t->order);
    t->split = calloc((size_t)threads + 1, sizeof *t->split);
    t->rate = calloc((size_t)threads, sizeof *t->rate);
    t->busy = calloc((size_t)threads, sizeof *t->busy);
    t->task = mlpt_task_of(m->spec.loss, m->output_width);
    t->metric_state_len = mlpt_metrics_state_len(&spec->metrics, m->output_width);
    t->metric_state = calloc(t->metric_state_len + 1, sizeof *t->metric_state);
    if (!t->shards || !t->state1 || (moments(spec) == 2 && !t->state2) ||
        !t->order || !t->split || !t->rate || !t->busy || !t->metric_state) {
        mlpt_trainer_free(t);
        mlpt_fail(err, "out of memory for optimizer state of %zu parameters", m->n_params);
        return NULL;
    }
    for (int i = 0; i <= threads; i++)
        t->split[i] = m->n_params * (size_t)i / (size_t)threads;
    t->shard_hi = spec->shards;
    for (int s = 0; s < spec->shards; s++)
        if (mlpt_workspace_init(&t->shards[s], m, rows, true, err) < 0) {
            mlpt_trainer_free(t);
            return NULL;
        }
    t->phases = mlpt_phases(m);
    if (mlpt_coupling_init(&t->coupling, m, err) < 0) {
        mlpt_trainer_free(t);
        return NULL;
    }
    if (build_lists(t) < 0) {
        mlpt_trainer_free(t);
        mlpt_fail(err, "out of memory for the gradient lists of %d threads", threads);
        return NULL;
    }
    if (build_units(t) < 0 ||
        (spec->clip_norm > 0 && !(t->unit_sq = calloc(t->n_units, sizeof *t->unit_sq)))) {
        mlpt_trainer_free(t);
        mlpt_fail(err, "out of memory for the update plan of %zu parameters", m->n_params);
        return NULL;
    }
    if (mlpt_scale_table(t->lut, train->scale, err) < 0 ||
        resolve_class_weights(t, &spec->class_weight, train, err) < 0) {
        mlpt_trainer_free(t);
        return NULL;
    }
    t->inputs = input_hash(train);
    return t;
}

/* Phase p of the pass (forward and backward, when there is one phase) of
 * shard s of the batch order[0..batch). */
static void run_shard(mlpt_trainer *t, const mlpt_samples *d, const uint32_t *batch_ids,
                      size_t batch, int s, const mlpt_training *keys_base, int p)
{
    const size_t S = (size_t)t->spec.shards;
    const size_t lo = batch * (size_t)s / S, hi = batch * (size_t)(s + 1) / S;
    mlpt_workspace *ws = &t->shards[s];
    if (p == 0) {
        ws->rows = 0; /* an empty shard adds nothing to the gradient or the loss */
        if (hi == lo)
            return;
        mlpt_gather(ws, d, batch_ids + lo, hi - lo, t->lut);
        ws->rows = hi - lo;
    }
    mlpt_training keys = *keys_base;
    keys.sample_ids = ws->ids;
    mlpt_phase_run(t->model, ws, p, &keys, &t->coupling);
}

/* Forms the gradient of one unit, whose kernel rows the panel holds (when
 * it is this unit's layer's) or else lists does (or, for another kind, its
 * kind sums), and applies the optimizer row by row: weight decay to kernel
 * rows only, not to biases or normalization parameters. With sq, applies
 * nothing and adds up the squares of the (scaled) gradient in *sq instead,
 * for clip_norm. */
static void form_and_apply(mlpt_trainer *t, const update_unit *u, const mlpt_row_lists *lists,
                           const mlpt_row_panel *panel, const mlpt_opt_step *st, double *sq)
{
    float g[MLPT_PANEL * UPDATE_BLOCK] __attribute__((aligned(64)));
    const bool kernel = t->model->spec.layers[u->layer].kind->kernel;
    const size_t rows = kernel ? u->rows : 1;
    if (!kernel)
        mlpt_layer_gradient(t->model, t->shards, (size_t)t->spec.shards, u->layer, u->row,
                            u->len, g);
    else if (panel->layer == u->layer)
        mlpt_panel_gradient(panel, u->rows, u->col, u->len, g, UPDATE_BLOCK);
    else
        for (size_t r = 0; r < u->rows; r++)
            mlpt_gradient(lists, u->row + r, u->col, u->len, g + r * UPDATE_BLOCK);
    if (sq) {
        double sum = 0.0;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < u->len; i++) {
                const double x = (double)g[r * UPDATE_BLOCK + i] * st->g_scale;
                sum += x * x;
            }
        *sq = sum;
        return;
    }
    mlpt_opt_step plain = *st;
    plain.decay = 0.0f;
    const mlpt_layer_geom *geom = &t->model->geom[u->layer];
    for (size_t r = 0; r < rows; r++) {
        const size_t at = u->offset + r * geom->out;
        const bool decayed = kernel && u->row + r < geom->in;
        t->spec.optimizer.kind->apply(decayed ? st : &plain, u->len, t->model->params + at,
                                      g + r * UPDATE_BLOCK, t->state1 + at,
                                      t->state2 ? t->state2 + at : NULL);
    }
}

/* Units between the one being updated and the one whose weights are
 * prefetched for writing. */
enum { AHEAD = 2 };

/* Updates units [begin, end), a layer at a time: when the batch's inputs
 * of the layer are dense enough, through the panel, moved on a unit's rows
 * at a time; else listing the non-zeros of the layer's kernel rows. With
 * sq, only each unit's squared gradient norm into sq[unit]. */
static void update_units(mlpt_trainer *t, size_t begin, size_t end, mlpt_row_lists *lists,
                         mlpt_row_panel *panel, const mlpt_opt_step *st, double *sq)
{
    const mlpt_model *m = t->model;
    const size_t n_ws = (size_t)t->spec.shards;
    const update_unit *last = &t->units[end - 1];
    lists->layer = -1;
    panel->layer = -1;
    int layer = -1;
    for (size_t u = begin; u < end; u++) {
        const update_unit *unit = &t->units[u];
        if (u + AHEAD < end) {
            /* The other threads read these weights in the last forward
             * pass: ask for ownership of a unit's lines a little ahead,
             * not one line at a time as the optimizer writes them. */
            const update_unit *ahead = &t->units[u + AHEAD];
            const size_t n = m->geom[ahead->layer].out;
            for (size_t r = 0; r < ahead->rows; r++)
                for (size_t i = 0; i < ahead->len; i += 64 / sizeof(float))
                    __builtin_prefetch(m->params + ahead->offset + r * n + i, 1, 3);
        }
        if (unit->layer != layer) {
            layer = unit->layer;
            panel->layer = -1;
            if (m->spec.layers[layer].kind->kernel && mlpt_batch_dense(m, t->shards, n_ws, layer))
                mlpt_panel_start(m, t->shards, n_ws, layer, unit->row, panel);
        }
        const bool kernel = m->spec.layers[layer].kind->kernel; /* else its kind sums */
        if (kernel && panel->layer == layer) {
            if (unit->row != panel->r0)
                mlpt_panel_fill(m, panel, unit->row);
        } else if (kernel && (lists->layer != layer || unit->row >= lists->r1)) {
            /* the rest of this layer's rows in [begin, end), the bias
             * included, LIST_ROWS at most */
            const size_t r1 = last->layer == layer ? last->row + last->rows
                                                   : m->geom[layer].in + 1;
            mlpt_list_rows(m, t->shards, n_ws, layer, unit->row,
                           r1 - unit->row < LIST_ROWS ? r1 : unit->row + LIST_ROWS, lists);
        }
        form_and_apply(t, unit, lists, panel, st, sq ? &sq[u] : NULL);
    }
}

/* g_scale as clip_norm makes it, from every unit's squared norm summed in
 * unit order (Keras's global_clipnorm: g x clip / max(norm, clip)). */
static float clipped_scale(const mlpt_trainer *t, float g_scale)
{
    double sq = 0.0;
    for (size_t u = 0; u < t->n_units; u++)
        sq += t->unit_sq[u];
    const double norm = sqrt(sq), clip = t->spec.clip_norm;
    return norm > clip ? (float)(g_scale * (clip / norm)) : g_scale;
}

/* The first unit at or after parameter offset `at` (units are in offset order). */
static size_t unit_at(const mlpt_trainer *t, size_t at)
{
    size_t lo = 0, hi = t->n_units;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->units[mid].offset < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The batch's summed loss, over its samples in order (so that no shard
 * boundary shows in it). */
static double batch_loss(const mlpt_trainer *t)
{
    double loss = 0.0;
    for (int s = 0; s < t->spec.shards; s++) {
        const mlpt_workspace *ws = &t->shards[s];
        for (size_t r = 0; r < ws->rows; r++)
            loss += ws->row_loss[r];
    }
    return loss;
}

/* Adds the batch's outputs to the running metrics, shard by shard: in
 * sample order. */
static void add_metrics(mlpt_trainer *t)
{
    const int last = t->model->spec.n_layers - 1;
    for (int s = 0; s < t->spec.shards; s++) {
        const mlpt_workspace *ws = &t->shards[s];
        const mlpt_metric_rows rows = {ws->rows, t->model->output_width, ws->act[last],
                                       mlpt_workspace_targets(ws), t->task};
        mlpt_metrics_add(&t->spec.metrics, &rows, t->metric_state);
    }
}

/* Where thread i of a team of nt starts its share of the parameters. */
static size_t share_start(const mlpt_trainer *t, int i, int nt)
{
    return nt == t->threads ? t->split[i] : t->model->n_params * (size_t)i / (size_t)nt;
}

/* Moves the cuts between the threads' updates so that each thread's share
 * is proportional to the parameters per second it has been updating. */
static void rebalance(mlpt_trainer *t)
{
    const int n = t->threads;
    if (t->team != n)
        return; /* a smaller team used an equal split; nothing to learn */
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(t->busy[i] > 0.0))
            return; /* a clock too coarse to tell */
        const double r = (double)(t->split[i + 1] - t->split[i]) / t->busy[i];
        t->rate[i] = t->rate[i] > 0.0 ? 0.9 * t->rate[i] + 0.1 * r : r;
        total += t->rate[i];
    }
    double sum = 0.0;
    for (int i = 1; i < n; i++) {
        sum += t->rate[i - 1];
        t->split[i] = (size_t)((double)t->model->n_params * (sum / total));
    }
}

/* One step at learning rate lr; returns the batch's summed loss. A
 * non-finite loss skips the update, so the parameters stay those of the
 * last good step. */
static double train_step(mlpt_trainer *t, const mlpt_samples *d, const uint32_t *batch_ids,
                         size_t batch, const mlpt_training *keys, float lr)
{
    mlpt_optimizer_spec o = t->spec.optimizer;
    o.learning_rate = lr;
    mlpt_opt_step st = o.kind->prepare(&o, t->steps_taken + 1);
    st.g_scale = 1.0f / (float)batch; /* the loss is the batch's mean */
    t->exchange_failed = false;
#pragma omp parallel num_threads(t->threads)
    {
        mlpt_flush_denormals();
        for (int p = 0; p < t->phases; p++) {
            /* Shards differ in their non-zeros: hand them out one at a time. */
#pragma omp for schedule(dynamic, 1)
            for (int s = t->shard_lo; s < t->shard_hi; s++)
                run_shard(t, d, batch_ids, batch, s, keys, p);
            if (p + 1 == t->phases)
                break;
            if (t->exchange) {
#pragma omp master
                t->exchange_failed = mlpt_exchange_phase(t->exchange, t->model, t->shards, p,
                                                         &t->exchange_err) < 0;
#pragma omp barrier
            }
            if (t->exchange_failed) /* every thread read it after the barrier */
                break;
            const size_t chunks = mlpt_reduce_chunks(t->model, p);
#pragma omp for schedule(static)
            for (size_t c = 0; c < chunks; c++)
                mlpt_reduce(t->model, t->shards, (size_t)t->spec.shards, p, c, &t->coupling);
        }
        if (t->exchange) { /* MPI calls come from the thread that started MPI */
#pragma omp master
            if (!t->exchange_failed)
                t->exchange_failed =
                    mlpt_exchange_shards(t->exchange, t->model, t->shards, &t->exchange_err) < 0;
#pragma omp barrier
        }
        /* Every thread sums the batch's row losses itself, in the same
         * order: cheaper than another barrier. */
        if (!t->exchange_failed && isfinite(batch_loss(t))) {
            const int id = omp_get_thread_num(), nt = omp_get_num_threads();
            const double started = omp_get_wtime();
            const size_t begin = unit_at(t, share_start(t, id, nt)),
                         end = unit_at(t, share_start(t, id + 1, nt));
            mlpt_opt_step mine = st;
            if (t->unit_sq) { /* clip_norm: every gradient's norm before any update */
                if (begin < end)
                    update_units(t, begin, end, &t->lists[id], &t->panels[id], &st, t->unit_sq);
#pragma omp barrier
                mine.g_scale = clipped_scale(t, st.g_scale);
            }
            if (begin < end)
                update_units(t, begin, end, &t->lists[id], &t->panels[id], &mine, NULL);
            t->busy[id] = omp_get_wtime() - started;
            if (id == 0)
                t->team = nt;
        }
    }
    const double loss = batch_loss(t);
    if (!t->exchange_failed && isfinite(loss)) {
        mlpt_after_step(t->model, &t->coupling);
        t->steps_taken++;
        rebalance(t);
        add_metrics(t);
    }
    return loss;
}

/* What every process of a distributed run must have alike: the training
 * spec field by field, the training set's size and input_hash, the layer stack and the
 * weights (initial or resumed), hashed. */
static uint64_t agreement_hash(const mlpt_trainer *t)
{
    const mlpt_train_spec *s = &t->spec;
    const mlpt_optimizer_spec *o = &s->optimizer;
    const double fields[] = {mlpt_table_index(MLPT_TABLE(mlpt_optimizers), o->kind),
                             o->learning_rate, o->beta1, o->beta2, o->epsilon,
                             o->momentum, o->rho, o->weight_decay, s->clip_norm, s->batch,
                             s->epochs, s->shards, s->shuffle,
                             mlpt_table_index(MLPT_TABLE(mlpt_schedules), s->schedule.kind),
                             s->schedule.factor, s->schedule.epochs,
                             (double)s->seed, (double)t->train_size,
                             t->model->spec.n_layers, (double)t->model->n_params,
                             t->model->spec.loss_param};
    uint64_t h = mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)fields, sizeof fields);
    h = mlpt_fnv1a(h, (const unsigned char *)&t->inputs, sizeof t->inputs);
    for (int l = 0; l < t->model->spec.n_layers; l++) { /* as the model file writes it */
        char layer[128];
        mlpt_layer_format(&t->model->spec.layers[l], layer, sizeof layer);
        h = mlpt_fnv1a(h, (const unsigned char *)layer, strlen(layer) + 1);
    }
    const char *loss = t->model->spec.loss->name;
    h = mlpt_fnv1a(h, (const unsigned char *)loss, strlen(loss) + 1);
    if (t->class_weight)
        h = mlpt_fnv1a(h, (const unsigned char *)t->class_weights, sizeof t->class_weights);
    const uint64_t weights = mlpt_model_fingerprint(t->model);
    return mlpt_fnv1a(h, (const unsigned char *)&weights, sizeof weights);
}

int mlpt_trainer_distribute(mlpt_trainer *t, const void *comm, mlpt_error *err)
{
    if (t->exchange)
        return mlpt_fail(err, "the trainer is already distributed");
    const size_t rows = t->shards[0].capacity;
    if (!(t->exchange = mlpt_exchange_create(comm, t->model, t->spec.shards, rows,
                                             agreement_hash(t), err)))
        return -1;
    mlpt_exchange_own_shards(t->exchange, &t->shard_lo, &t->shard_hi);
    return 0;
}

double mlpt_trainer_comm_seconds(const mlpt_trainer *t)
{
    return t->exchange ? mlpt_exchange_seconds(t->exchange) : 0.0;
}

mlpt_trainer_state mlpt_trainer_state_of(mlpt_trainer *t)
{
    return (mlpt_trainer_state){t->spec.optimizer.kind, t->model->n_params, t->model->params,
                                t->state1, t->state2, &t->steps_taken, &t->schedule};
}

/* The learning rate of step `step` (0-based) of epoch `epoch`. */
static float rate_at(const mlpt_trainer *t, int epoch, size_t step, size_t steps)
{
    const mlpt_schedule_at at = {epoch, step, steps, t->spec.epochs};
    return mlpt_schedule_rate(&t->spec.schedule, t->spec.optimizer.learning_rate, &t->schedule,
                              &at);
}

/* The samples st's steps of batches of B (of n samples) cover, and the
 * running loss and metrics over them. */
static void set_means(const mlpt_trainer *t, mlpt_epoch_stats *st, size_t B, size_t n)
{
    st->samples = st->step * B < n ? st->step * B : n;
    if (st->samples) {
        st->loss = st->loss_sum / (double)st->samples;
        mlpt_metrics_values(&t->spec.metrics, t->model->output_width, t->metric_state,
                            st->metrics);
    }
}

int mlpt_trainer_epoch(mlpt_trainer *t, const mlpt_samples *train, int epoch,
                       const mlpt_epoch_stats *from, mlpt_step_fn on_step, void *user,
                       mlpt_epoch_stats *out, mlpt_error *err)
{
    if (mlpt_check_data(t->model, train, err) < 0)
        return -1;
    if (train->n != t->train_size)
        return mlpt_fail(err, "training set of %zu samples, but the trainer was made for %zu",
                         train->n, t->train_size);
    if (input_hash(train) != t->inputs)
        return mlpt_fail(err, "training set with another scale or normalization than the "
                              "trainer was made for");
    const size_t n = t->train_size, B = (size_t)t->spec.batch;
    mlpt_epoch_stats st = {.steps = (n + B - 1) / B, .metric_state = t->metric_state,
                           .metric_state_len = t->metric_state_len};
    memset(t->metric_state, 0, t->metric_state_len * sizeof *t->metric_state);
    if (from) {
        if (from->step > st.steps)
            return mlpt_fail(err, "cannot resume epoch %d at step %zu: it has %zu %s",
                             epoch + 1, from->step, st.steps,
                             mlpt_noun(st.steps, "step", "steps"));
        if (from->step && from->metric_state_len != t->metric_state_len)
            return mlpt_fail(err, "cannot resume epoch %d: its metrics' state has %zu values, "
                                  "these metrics' %zu",
                             epoch + 1, from->metric_state_len, t->metric_state_len);
        st.step = from->step;
        st.loss_sum = from->loss_sum;
        if (from->step && from->metric_state != t->metric_state)
            memcpy(t->metric_state, from->metric_state,
                   t->metric_state_len * sizeof *t->metric_state);
        st.lr = rate_at(t, epoch, st.step ? st.step - 1 : 0, st.steps);
        set_means(t, &st, B, n);
        if (out) /* a checkpoint at an epoch's last step leaves no step to run */
            *out = st;
    }
    if (t->spec.shuffle)
        mlpt_shuffle(t->spec.seed, (uint32_t)epoch, t->order, n);
    else
        for (size_t i = 0; i < n; i++)
            t->order[i] = (uint32_t)i;

    const mlpt_training keys = {.seed = t->spec.seed, .epoch = (uint32_t)epoch,
                                    .class_weight = t->class_weight};
    for (size_t lo = st.step * B; lo < n; lo += B) {
        const size_t batch = n - lo < B ? n - lo : B;
        st.lr = rate_at(t, epoch, st.step, st.steps);
        const double loss = train_step(t, train, t->order + lo, batch, &keys, st.lr);
        if (t->exchange_failed)
            return mlpt_fail(err, "%s", t->exchange_err.msg);
        if (!isfinite(loss))
            return mlpt_fail(err, "the loss became %s at epoch %d, step %zu; the model "
                                  "diverged (try a smaller learning_rate)",
                             isnan(loss) ? "NaN" : "infinite", epoch + 1, st.step + 1);
        st.step++;
        st.loss_sum += loss;
        set_means(t, &st, B, n);
        if (out)
            *out = st;
        if (on_step && on_step(&st, user))
            return 1;
    }
    return 0;
}
