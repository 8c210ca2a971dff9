#include "pass.h"

#include <math.h>

#include "mlpt/train.h"
#include <stdlib.h>
#include <string.h>

#include "mlpt/metrics.h"

static float *alloc_floats(size_t n)
{
    /* 64-byte aligned, with the kernels' slack after the end; aligned_alloc
     * wants a multiple of the alignment. */
    size_t bytes = ((n + MLPT_SLACK) * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* The first layer with trained parameters (the last layer is a dense
 * one): backward stops there, and it needs no input gradient. */
static int first_trained(const mlpt_model *m)
{
    int l = 0;
    while (!m->geom[l].n_trainable)
        l++;
    return l;
}

/* Whether mlpt_workspace_init gives layer l its input's non-zeros (0: the
 * gather's), a buffer it keeps from forward to backward, a gradient. */
static bool has_nonzeros(const mlpt_model *m, int l)
{
    return l == 0 || m->spec.layers[l].kind->kernel;
}

static bool has_kept(const mlpt_model *m, int l, bool training)
{
    const mlpt_layer_spec *s = &m->spec.layers[l];
    return training && s->kind->keeps && s->kind->keeps(s);
}

static bool has_delta(const mlpt_model *m, int l, bool training)
{
    return training && l >= first_trained(m);
}

/* Floats of target per row: value tasks' rows (labels take a byte). */
static size_t target_floats(const mlpt_model *m)
{
    return mlpt_task_of(m->spec.loss, m->output_width)->values ? m->output_width : 0;
}

size_t mlpt_workspace_bytes(const mlpt_model *m, size_t capacity, bool training)
{
    /* id, label, loss, targets, input */
    size_t row = mlpt_add_sat(sizeof(uint32_t) + sizeof(uint8_t) + sizeof(float) +
                                  mlpt_mul_sat(target_floats(m), sizeof(float)),
                              mlpt_mul_sat(m->input_width, sizeof(float)));
    for (int l = 0; l < m->spec.n_layers; l++) {
        const size_t out = mlpt_mul_sat(m->geom[l].out, sizeof(float));
        row = mlpt_add_sat(row, mlpt_mul_sat(out, 1u + has_kept(m, l, training) +
                                                      has_delta(m, l, training)));
        if (has_nonzeros(m, l))
            row = mlpt_add_sat(row, mlpt_add_sat(mlpt_mul_sat(m->geom[l].in, sizeof(uint32_t) +
                                                                                  sizeof(float)),
                                                 sizeof(uint32_t)));
    }
    return mlpt_mul_sat(row, capacity);
}

int mlpt_workspace_init(mlpt_workspace *ws, const mlpt_model *m, size_t capacity,
                        bool training, mlpt_error *err)
{
    memset(ws, 0, sizeof *ws);
    /* Then no buffer's size below overflows (half: room for the slack). */
    if (mlpt_workspace_bytes(m, capacity, training) > SIZE_MAX / 2)
        return mlpt_fail(err, "a workspace of %zu rows would not fit in memory", capacity);
    ws->capacity = capacity;
    bool ok = (ws->ids = calloc(capacity, sizeof *ws->ids)) != NULL &&
              (ws->labels = calloc(capacity, 1)) != NULL &&
              (ws->row_loss = calloc(capacity, sizeof *ws->row_loss)) != NULL;
    if (ok && target_floats(m))
        ok = (ws->targets = calloc(capacity * target_floats(m), sizeof(float))) != NULL;
    ws->input_always = !m->spec.layers[0].kind->kernel;
    ok = ok && (ws->input = alloc_floats(capacity * m->input_width)) != NULL;
    for (int l = 0; ok && l < m->spec.n_layers; l++) {
        const size_t in = m->geom[l].in;
        ok = (ws->act[l] = alloc_floats(capacity * m->geom[l].out)) != NULL;
        if (ok && has_kept(m, l, training))
            ok = (ws->kept[l] = alloc_floats(capacity * m->geom[l].out)) != NULL;
        if (ok && has_delta(m, l, training))
            ok = (ws->delta[l] = alloc_floats(capacity * m->geom[l].out)) != NULL;
        if (ok && has_nonzeros(m, l))
            ok = (ws->nz[l].idx = calloc(capacity * in, sizeof(uint32_t))) &&
                 (ws->nz[l].val = calloc(capacity * in, sizeof(float))) &&
                 (ws->nz[l].count = calloc(capacity, sizeof(uint32_t)));
    }
    if (!ok) {
        mlpt_workspace_free(ws);
        return mlpt_fail(err, "out of memory for a workspace of %zu rows", capacity);
    }
    return 0;
}

void mlpt_workspace_free(mlpt_workspace *ws)
{
    free(ws->input);
    free(ws->ids);
    free(ws->labels);
    free(ws->targets);
    free(ws->row_loss);
    for (int l = 0; l < MLPT_MAX_LAYERS; l++) {
        free(ws->act[l]);
        free(ws->kept[l]);
        free(ws->delta[l]);
        free(ws->nz[l].idx);
        free(ws->nz[l].val);
        free(ws->nz[l].count);
    }
    memset(ws, 0, sizeof *ws);
}

int mlpt_scale_table(float lut[256], float scale, mlpt_error *err)
{
    for (int v = 0; v < 256; v++) {
        lut[v] = (float)((double)v / scale);
        if (!isfinite(lut[v]))
            return mlpt_fail(err, "input scale %g makes byte %d infinite", (double)scale, v);
    }
    return 0;
}

int mlpt_check_data(const mlpt_model *m, const mlpt_samples *d, mlpt_error *err)
{
    if (d->features != m->input_width)
        return mlpt_fail(err, "data samples have %zu values but the model expects %zu",
                         d->features, m->input_width);
    const mlpt_task *task = mlpt_task_of(m->spec.loss, m->output_width);
    if (task->values && (!d->targets || d->target_width != m->output_width))
        return mlpt_fail(err, "a %s model with %zu outputs needs %zu target values per "
                              "sample, but the data has %s",
                         task->name, m->output_width, m->output_width,
                         d->targets ? "another number" : "class labels");
    if (!task->values && !d->labels)
        return mlpt_fail(err, "a %s model needs class labels, but the data has target values",
                         task->name);
    if (!task->values &&
        (d->n_classes < 1 || d->n_classes > task->classes(m->output_width)))
        return mlpt_fail(err, "data labels span %d classes but the model's %zu outputs tell "
                              "%d apart",
                         d->n_classes, m->output_width, task->classes(m->output_width));
    if (d->n > UINT32_MAX)
        return mlpt_fail(err, "%zu samples: at most %u are supported", d->n, UINT32_MAX);
    if (!(d->scale > 0) || !(d->bytes || d->floats))
        return mlpt_fail(err, "data samples without values or with scale %g", (double)d->scale);
    return 0;
}

/* Asks for the inputs of samples ids[0..rows) without waiting for them:
 * the samples are scattered over the data set, and fetching them all at
 * once hides most of the latency of fetching them one after the other. */
static void prefetch_samples(const mlpt_samples *d, const uint32_t *ids, size_t rows)
{
    const size_t bytes = d->features * (d->bytes ? 1 : sizeof *d->floats);
    const char *base = d->bytes ? (const char *)d->bytes : (const char *)d->floats;
    for (size_t r = 0; r < rows; r++)
        for (size_t f = 0; f < bytes; f += 64)
            __builtin_prefetch(base + (size_t)ids[r] * bytes + f);
}

/* The non-zero bytes of src[0..width) listed into idx and scaled through
 * lut into val; returns their count. */
static uint32_t list_bytes(const uint8_t *src, size_t width, const float lut[256],
                           uint32_t *idx, float *val)
{
    uint32_t count = 0;
    size_t f = 0;
    /* Images are mostly runs of zero bytes (borders, empty rows): skip
     * eight at a time, then compact the rest branch-free. */
    for (; f + 8 <= width; f += 8) {
        uint64_t word;
        memcpy(&word, src + f, sizeof word);
        if (word == 0)
            continue;
        for (size_t j = f; j < f + 8; j++) {
            idx[count] = (uint32_t)j;
            count += src[j] != 0;
        }
    }
    for (; f < width; f++) {
        idx[count] = (uint32_t)f;
        count += src[f] != 0;
    }
    /* lut[0] is 0: only the non-zero bytes need the table. */
    for (uint32_t q = 0; q < count; q++)
        val[q] = lut[src[idx[q]]];
    return count;
}

/* Sample i's values as the first layer sees them, compacted to the
 * non-zero ones: the general case of list_bytes (float inputs, or any
 * normalized ones), value by value. */
static uint32_t list_values(const mlpt_samples *d, size_t i, uint32_t *idx, float *val)
{
    uint32_t count = 0;
    for (size_t f = 0; f < d->features; f++) {
        const float v = mlpt_samples_value(d, i, f);
        idx[count] = (uint32_t)f;
        val[count] = v;
        count += v != 0.0f;
    }
    return count;
}

void mlpt_gather(mlpt_workspace *ws, const mlpt_samples *d, const uint32_t *ids,
                 size_t rows, const float lut[256])
{
    const size_t width = d->features;
    prefetch_samples(d, ids, rows);
    size_t nonzeros = 0;
    for (size_t r = 0; r < rows; r++) {
        uint32_t *idx = ws->nz[0].idx + r * width;
        float *val = ws->nz[0].val + r * width;
        const uint32_t count =
            d->bytes && !d->shift
                ? list_bytes(d->bytes + (size_t)ids[r] * width, width, lut, idx, val)
                : list_values(d, ids[r], idx, val);
        ws->nz[0].count[r] = count;
        nonzeros += count;
        ws->ids[r] = ids[r];
        if (d->labels)
            ws->labels[r] = d->labels[ids[r]];
        else
            memcpy(ws->targets + r * d->target_width, d->targets + ids[r] * d->target_width,
                   d->target_width * sizeof *ws->targets);
    }
    ws->input_dense = ws->input_always || mlpt_dense_pays(nonzeros, rows * width);
    if (!ws->input_dense)
        return;
    for (size_t r = 0; r < rows; r++) {
        const uint32_t *idx = ws->nz[0].idx + r * width;
        const float *val = ws->nz[0].val + r * width;
        float *dst = ws->input + r * width;
        memset(dst, 0, width * sizeof *dst);
        for (uint32_t q = 0; q < ws->nz[0].count[r]; q++)
            dst[idx[q]] = val[q];
    }
}

mlpt_targets mlpt_workspace_targets(const mlpt_workspace *ws)
{
    return ws->targets ? (mlpt_targets){.values = ws->targets}
                       : (mlpt_targets){.labels = ws->labels};
}

static const float *layer_input(const mlpt_workspace *ws, int l)
{
    return l > 0 ? ws->act[l - 1] : ws->input_dense ? ws->input : NULL;
}

/* Layer l's values over the whole batch, in training; NULL in inference
 * and for layers each sample computes on its own. */
static float *batch_values(const mlpt_coupling *c, int l)
{
    return c ? c->values[l] : NULL;
}

/* Forward through layers [from, to) of ws's rows, and when to is past the
 * last layer, the loss. */
static void forward_layers(const mlpt_model *m, mlpt_workspace *ws, size_t rows, int from,
                           int to, const mlpt_training *drop, const mlpt_coupling *c)
{
    const int last = m->spec.n_layers - 1;
    ws->rows = rows;
    for (int l = from; l < to; l++) {
        const mlpt_layer_spec *s = &m->spec.layers[l];
        const mlpt_layer_io io = {.spec = s, .g = &m->geom[l], .layer = (uint32_t)l,
                                  .params = m->params, .rows = rows, .in = layer_input(ws, l),
                                  .nz = &ws->nz[l], .listed = l == 0, .out = ws->act[l],
                                  .kept = ws->kept[l], .drop = drop, .logits = l == last,
                                  .batch = batch_values(c, l)};
        s->kind->forward(&io);
    }
    if (to <= last)
        return;
    const mlpt_targets y = mlpt_workspace_targets(ws);
    m->spec.loss->forward(rows, m->output_width, m->spec.loss_param, ws->act[last], &y,
                          drop ? ws->delta[last] : NULL, ws->row_loss);
    if (drop && drop->class_weight)
        for (size_t r = 0; r < rows; r++) {
            const float w = drop->class_weight[ws->labels[r]];
            float *d = ws->delta[last] + r * m->output_width;
            ws->row_loss[r] *= w;
            for (size_t k = 0; k < m->output_width; k++)
                d[k] *= w;
        }
    ws->loss_sum = 0.0;
    for (size_t r = 0; r < rows; r++)
        ws->loss_sum += ws->row_loss[r];
}

void mlpt_forward(const mlpt_model *m, mlpt_workspace *ws, size_t rows,
                  const mlpt_training *drop)
{
    forward_layers(m, ws, rows, 0, m->spec.n_layers, drop, NULL);
}

/* Backward through layers hi down to lo (or the first trained one). */
static void backward_layers(const mlpt_model *m, mlpt_workspace *ws, int hi, int lo,
                            const mlpt_coupling *c)
{
    const int first = first_trained(m), last = m->spec.n_layers - 1;
    for (int l = hi; l >= lo && l >= first; l--) {
        const mlpt_layer_io io = {.spec = &m->spec.layers[l], .g = &m->geom[l],
                                  .layer = (uint32_t)l, .params = m->params, .rows = ws->rows,
                                  .in = layer_input(ws, l), .out = ws->act[l],
                                  .kept = ws->kept[l], .logits = l == last,
                                  .batch = batch_values(c, l), .d_out = ws->delta[l],
                                  .d_in = l > first ? ws->delta[l - 1] : NULL};
        m->spec.layers[l].kind->backward(&io);
    }
}

/* ---- the phases of a training pass ---- */

/* The batch-coupled layers into L, in order; returns how many. */
static int coupled_layers(const mlpt_model *m, int L[MLPT_MAX_LAYERS])
{
    int k = 0;
    for (int l = 0; l < m->spec.n_layers; l++)
        if (m->spec.layers[l].kind->coupled)
            L[k++] = l;
    return k;
}

int mlpt_phases(const mlpt_model *m)
{
    int L[MLPT_MAX_LAYERS];
    return 2 * coupled_layers(m, L) + 1;
}

/* With k coupled layers L[0..k): phase p < k runs forward from L[p - 1]
 * (or the first layer) to before L[p]; phase k from there to the loss and
 * backward down to above L[k - 1]; phase k + q, backward from L[k - q]
 * down to above L[k - q - 1] (or the first trained layer). */
void mlpt_phase_run(const mlpt_model *m, mlpt_workspace *ws, int p,
                    const mlpt_training *drop, const mlpt_coupling *c)
{
    int L[MLPT_MAX_LAYERS];
    const int k = coupled_layers(m, L), n = m->spec.n_layers;
    if (!ws->rows)
        return;
    if (p <= k)
        forward_layers(m, ws, ws->rows, p ? L[p - 1] : 0, p < k ? L[p] : n, drop, c);
    if (p >= k) {
        const int q = p - k;
        backward_layers(m, ws, q ? L[k - q] : n - 1, k - q > 0 ? L[k - q - 1] + 1 : 0, c);
    }
}

int mlpt_phase_layer(const mlpt_model *m, int p, bool *backward)
{
    int L[MLPT_MAX_LAYERS];
    const int k = coupled_layers(m, L);
    *backward = p >= k;
    return p < k ? L[p] : L[2 * k - 1 - p];
}

int mlpt_phase_rows(const mlpt_model *m, mlpt_workspace *ws, int p, float *buf[2],
                    size_t width[2])
{
    bool backward;
    const int l = mlpt_phase_layer(m, p, &backward);
    if (!backward) {
        buf[0] = l == 0 ? ws->input : ws->act[l - 1];
        width[0] = m->geom[l].in;
        return 1;
    }
    buf[0] = ws->delta[l];
    buf[1] = ws->kept[l];
    width[0] = width[1] = m->geom[l].out;
    return 2;
}

/* Layer l of the workspaces ws[0, n_ws) as blocks, one per workspace. */
static void layer_blocks(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                         const mlpt_coupling *c, mlpt_layer_io *blocks)
{
    for (size_t s = 0; s < n_ws; s++)
        blocks[s] = (mlpt_layer_io){.spec = &m->spec.layers[l], .g = &m->geom[l],
                                    .layer = (uint32_t)l, .params = m->params,
                                    .rows = ws[s].rows, .in = layer_input(&ws[s], l),
                                    .out = ws[s].act[l], .kept = ws[s].kept[l],
                                    .batch = batch_values(c, l), .d_out = ws[s].delta[l]};
}

size_t mlpt_reduce_chunks(const mlpt_model *m, int p)
{
    bool backward;
    const int l = mlpt_phase_layer(m, p, &backward);
    return (m->geom[l].out + MLPT_REDUCE_FEATURES - 1) / MLPT_REDUCE_FEATURES;
}

void mlpt_reduce(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int p,
                 size_t chunk, const mlpt_coupling *c)
{
    bool backward;
    const int l = mlpt_phase_layer(m, p, &backward);
    const size_t out = m->geom[l].out, f0 = chunk * MLPT_REDUCE_FEATURES,
                 f1 = out - f0 < MLPT_REDUCE_FEATURES ? out : f0 + MLPT_REDUCE_FEATURES;
    mlpt_layer_io blocks[MLPT_MAX_SHARDS];
    layer_blocks(m, ws, n_ws, l, c, blocks);
    const mlpt_layer_ops *kind = m->spec.layers[l].kind;
    (backward ? kind->reduce_backward : kind->reduce_forward)(blocks, n_ws, f0, f1);
}

void mlpt_after_step(mlpt_model *m, const mlpt_coupling *c)
{
    for (int l = 0; l < m->spec.n_layers; l++) {
        const mlpt_layer_spec *s = &m->spec.layers[l];
        if (s->kind->after_step)
            s->kind->after_step(s, &m->geom[l], c->values[l], m->params);
    }
}

int mlpt_coupling_init(mlpt_coupling *c, const mlpt_model *m, mlpt_error *err)
{
    memset(c, 0, sizeof *c);
    for (int l = 0; l < m->spec.n_layers; l++) {
        const size_t floats = mlpt_mul_sat(m->geom[l].out, (size_t)m->spec.layers[l].kind->coupled);
        if (floats && !(c->values[l] = calloc(floats, sizeof(float)))) {
            mlpt_coupling_free(c);
            return mlpt_fail(err, "out of memory for the batch statistics of layer %d", l + 1);
        }
    }
    return 0;
}

void mlpt_coupling_free(mlpt_coupling *c)
{
    for (int l = 0; l < MLPT_MAX_LAYERS; l++)
        free(c->values[l]);
    memset(c, 0, sizeof *c);
}

void mlpt_layer_gradient(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                         size_t index, size_t len, float *g)
{
    mlpt_layer_io blocks[MLPT_MAX_SHARDS];
    layer_blocks(m, ws, n_ws, l, NULL, blocks);
    m->spec.layers[l].kind->gradient(blocks, n_ws, index, len, g);
}

/* The first of the n sorted indices idx[0, n) that is >= p. */
static uint32_t lower_bound(const uint32_t *idx, uint32_t n, uint32_t p)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (idx[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void mlpt_list_rows(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                    size_t r0, size_t r1, mlpt_row_lists *lists)
{
    /* A counting sort of the rows' non-zeros: start[p - r0 + 1] counts row
     * p, prefix sums turn counts into starts, and filling advances
     * start[p - r0] to where row p + 1 starts: one shift restores it. */
    const size_t k = m->geom[l].in, n = m->geom[l].out, rows = r1 - r0;
    const bool bias = r1 > k;
    const size_t kernel_end = bias ? k : r1;
    uint32_t *start = lists->start;
    memset(start, 0, (rows + 1) * sizeof *start);
    for (size_t s = 0; s < n_ws; s++) {
        const mlpt_nonzeros *nz = &ws[s].nz[l];
        for (size_t i = 0; i < ws[s].rows; i++) {
            const uint32_t *idx = nz->idx + i * k, count = nz->count[i];
            for (uint32_t q = lower_bound(idx, count, (uint32_t)r0);
                 q < count && idx[q] < kernel_end; q++)
                start[idx[q] - r0 + 1]++;
        }
        if (bias)
            start[k - r0 + 1] += (uint32_t)ws[s].rows;
    }
    for (size_t r = 0; r < rows; r++)
        start[r + 1] += start[r];
    for (size_t s = 0; s < n_ws; s++) {
        const mlpt_nonzeros *nz = &ws[s].nz[l];
        for (size_t i = 0; i < ws[s].rows; i++) {
            const uint32_t *idx = nz->idx + i * k, count = nz->count[i];
            const float *val = nz->val + i * k, *d = ws[s].delta[l] + i * n;
            for (uint32_t q = lower_bound(idx, count, (uint32_t)r0);
                 q < count && idx[q] < kernel_end; q++)
                lists->entries[start[idx[q] - r0]++] = (mlpt_entry){d, val[q]};
            if (bias)
                lists->entries[start[k - r0]++] = (mlpt_entry){d, 1.0f};
        }
    }
    memmove(start + 1, start, rows * sizeof *start);
    start[0] = 0;
    lists->layer = l;
    lists->r0 = r0;
    lists->r1 = r1;
}

void mlpt_gradient(const mlpt_row_lists *lists, size_t row, size_t col, size_t len, float *g)
{
    const uint32_t *start = lists->start + (row - lists->r0);
    mlpt_gemm_tn_row(lists->entries + start[0], start[1] - start[0], col, len, g);
}

bool mlpt_batch_dense(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l)
{
    size_t nonzeros = 0, samples = 0;
    for (size_t s = 0; s < n_ws; s++) {
        for (size_t i = 0; i < ws[s].rows; i++)
            nonzeros += ws[s].nz[l].count[i];
        samples += ws[s].rows;
    }
    return mlpt_dense_pays(nonzeros, samples * m->geom[l].in);
}

void mlpt_panel_start(const mlpt_model *m, const mlpt_workspace *ws, size_t n_ws, int l,
                      size_t r0, mlpt_row_panel *p)
{
    const size_t k = m->geom[l].in, n = m->geom[l].out;
    size_t q = 0;
    for (size_t s = 0; s < n_ws; s++)
        for (size_t i = 0; i < ws[s].rows; i++, q++) {
            p->d[q] = ws[s].delta[l] + i * n;
            p->cursor[q] = lower_bound(ws[s].nz[l].idx + i * k, ws[s].nz[l].count[i],
                                       (uint32_t)(r0 < k ? r0 : k));
        }
    p->ws = ws;
    p->n_ws = n_ws;
    p->samples = q;
    p->layer = l;
    mlpt_panel_fill(m, p, r0);
}

void mlpt_panel_fill(const mlpt_model *m, mlpt_row_panel *p, size_t r0)
{
    const size_t k = m->geom[p->layer].in, r1 = r0 + MLPT_PANEL;
    memset(p->x, 0, p->samples * MLPT_PANEL * sizeof *p->x);
    size_t q = 0;
    for (size_t s = 0; s < p->n_ws; s++) {
        const mlpt_nonzeros *nz = &p->ws[s].nz[p->layer];
        for (size_t i = 0; i < p->ws[s].rows; i++, q++) {
            const uint32_t *idx = nz->idx + i * k, count = nz->count[i];
            const float *val = nz->val + i * k;
            float *x = p->x + q * MLPT_PANEL;
            uint32_t c = p->cursor[q];
            for (; c < count && idx[c] < r1; c++)
                x[idx[c] - r0] = val[c];
            p->cursor[q] = c;
            if (k >= r0 && k < r1)
                x[k - r0] = 1.0f;
        }
    }
    p->r0 = r0;
}

void mlpt_panel_gradient(const mlpt_row_panel *p, size_t rows, size_t col, size_t len,
                         float *g, size_t ldg)
{
    mlpt_gemm_tn_panel(p->samples, rows, p->x, p->d, col, len, g, ldg);
}
