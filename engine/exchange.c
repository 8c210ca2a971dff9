#include "exchange.h"

#include "mlpt/train.h"

#ifdef MLPT_HAVE_MPI
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mlpt_exchange {
    MPI_Comm comm;          /* a duplicate of the caller's, returning errors */
    int rank, ranks;
    int shard_lo, shard_hi; /* this rank's shards */
    uint8_t *send, *recv;   /* packed shards: this rank's, everyone's */
    int *counts, *displs;   /* bytes from each rank, and where they land */
    int shards;             /* per batch, over all ranks */
    double seconds;         /* spent in MPI so far */
};

/* The bytes of one row's target: a label, or a value per output. */
static size_t target_bytes(const mlpt_model *m, const mlpt_workspace *ws)
{
    return ws->targets ? m->output_width * sizeof(float) : sizeof(uint8_t);
}

/* A row's target, at *p (the metrics need every row's, with its outputs). */
static void *target_of(const mlpt_model *m, const mlpt_workspace *ws, size_t i)
{
    return ws->targets ? (void *)(ws->targets + i * m->output_width) : (void *)&ws->labels[i];
}

/* Whether layer l's gradient is its kind's sums of dL/d out and its kept
 * values (gamma and beta of the normalization layers). */
static bool sums_kept(const mlpt_model *m, int l)
{
    return !m->spec.layers[l].kind->kernel && m->geom[l].n_trainable;
}

/* Most bytes one shard of `capacity` rows packs into: its rows and its
 * rows' target bytes, then per row its loss, its target, its outputs and,
 * per kernel layer, the non-zero count, the non-zeros (index and value) and
 * dL/dZ; per normalization layer dL/d out and the kept values. */
static size_t shard_bytes(const mlpt_model *m, size_t capacity)
{
    size_t row = sizeof(float) + (1 + 2 * m->output_width) * sizeof(float);
    for (int l = 0; l < m->spec.n_layers; l++)
        if (m->spec.layers[l].kind->kernel)
            row += sizeof(uint32_t) + m->geom[l].in * (sizeof(uint32_t) + sizeof(float)) +
                   m->geom[l].out * sizeof(float);
        else if (sums_kept(m, l))
            row += 2 * m->geom[l].out * sizeof(float);
    return 2 * sizeof(uint32_t) + capacity * row;
}

/* Most bytes one shard packs into for the reduction after a phase: its
 * rows, and per row the buffers mlpt_phase_rows names. */
static size_t phase_bytes(const mlpt_model *m, size_t capacity)
{
    size_t row = 0;
    for (int l = 0; l < m->spec.n_layers; l++)
        if (m->spec.layers[l].kind->coupled) {
            const size_t in = m->geom[l].in, out2 = 2 * m->geom[l].out;
            row = in > row ? in : row;
            row = out2 > row ? out2 : row;
        }
    return sizeof(uint32_t) + capacity * row * sizeof(float);
}

/* The first of rank r's shards (of R ranks): the shards are cut evenly. */
static int first_shard(int shards, int r, int ranks)
{
    return (int)((long)shards * r / ranks);
}

static uint8_t *put(uint8_t *p, const void *src, size_t bytes)
{
    memcpy(p, src, bytes);
    return p + bytes;
}

static const uint8_t *get(const uint8_t *p, void *dst, size_t bytes)
{
    memcpy(dst, p, bytes);
    return p + bytes;
}

static uint8_t *pack_shard(const mlpt_model *m, const mlpt_workspace *ws, uint8_t *p)
{
    const uint32_t head[2] = {(uint32_t)ws->rows, (uint32_t)target_bytes(m, ws)};
    const size_t width = m->output_width, last = (size_t)m->spec.n_layers - 1;
    p = put(p, head, sizeof head);
    for (size_t i = 0; i < ws->rows; i++) {
        p = put(p, &ws->row_loss[i], sizeof(float));
        p = put(p, target_of(m, ws, i), head[1]);
        p = put(p, ws->act[last] + i * width, width * sizeof(float));
        for (int l = 0; l < m->spec.n_layers; l++) {
            if (!m->spec.layers[l].kind->kernel)
                continue;
            const size_t k = m->geom[l].in, n = m->geom[l].out;
            const uint32_t count = ws->nz[l].count[i];
            p = put(p, &count, sizeof count);
            p = put(p, ws->nz[l].idx + i * k, count * sizeof(uint32_t));
            p = put(p, ws->nz[l].val + i * k, count * sizeof(float));
            p = put(p, ws->delta[l] + i * n, n * sizeof(float));
        }
        for (int l = 0; l < m->spec.n_layers; l++)
            if (sums_kept(m, l)) {
                const size_t n = m->geom[l].out;
                p = put(p, ws->delta[l] + i * n, n * sizeof(float));
                p = put(p, ws->kept[l] + i * n, n * sizeof(float));
            }
    }
    return p;
}

/* Unpacks one shard, or returns NULL if what came is not a shard of this
 * model and workspace size (the processes run different builds). */
static const uint8_t *unpack_shard(const mlpt_model *m, mlpt_workspace *ws, const uint8_t *p,
                                   const uint8_t *end)
{
    uint32_t head[2];
    if ((size_t)(end - p) < sizeof head)
        return NULL;
    p = get(p, head, sizeof head);
    if (head[0] > ws->capacity || head[1] != target_bytes(m, ws))
        return NULL;
    ws->rows = head[0];
    const size_t width = m->output_width, last = (size_t)m->spec.n_layers - 1;
    for (size_t i = 0; i < ws->rows; i++) {
        if ((size_t)(end - p) < sizeof(float) + head[1] + width * sizeof(float))
            return NULL;
        p = get(p, &ws->row_loss[i], sizeof(float));
        p = get(p, target_of(m, ws, i), head[1]);
        p = get(p, ws->act[last] + i * width, width * sizeof(float));
        for (int l = 0; l < m->spec.n_layers; l++) {
            if (!m->spec.layers[l].kind->kernel)
                continue;
            const size_t k = m->geom[l].in, n = m->geom[l].out;
            uint32_t count;
            if ((size_t)(end - p) < sizeof count)
                return NULL;
            p = get(p, &count, sizeof count);
            if (count > k || (size_t)(end - p) < count * (sizeof(uint32_t) + sizeof(float)) +
                                                       n * sizeof(float))
                return NULL;
            ws->nz[l].count[i] = count;
            p = get(p, ws->nz[l].idx + i * k, count * sizeof(uint32_t));
            p = get(p, ws->nz[l].val + i * k, count * sizeof(float));
            p = get(p, ws->delta[l] + i * n, n * sizeof(float));
        }
        for (int l = 0; l < m->spec.n_layers; l++)
            if (sums_kept(m, l)) {
                const size_t n = m->geom[l].out;
                if ((size_t)(end - p) < 2 * n * sizeof(float))
                    return NULL;
                p = get(p, ws->delta[l] + i * n, n * sizeof(float));
                p = get(p, ws->kept[l] + i * n, n * sizeof(float));
            }
    }
    return p;
}

static uint8_t *pack_phase(const mlpt_model *m, mlpt_workspace *ws, int phase, uint8_t *p)
{
    float *buf[2];
    size_t width[2];
    const int n = mlpt_phase_rows(m, ws, phase, buf, width);
    const uint32_t rows = (uint32_t)ws->rows;
    p = put(p, &rows, sizeof rows);
    for (int b = 0; b < n; b++)
        p = put(p, buf[b], rows * width[b] * sizeof(float));
    return p;
}

/* As unpack_shard, for pack_phase's rows; sets the shard's row count. */
static const uint8_t *unpack_phase(const mlpt_model *m, mlpt_workspace *ws, int phase,
                                   const uint8_t *p, const uint8_t *end)
{
    float *buf[2];
    size_t width[2];
    const int n = mlpt_phase_rows(m, ws, phase, buf, width);
    uint32_t rows;
    if ((size_t)(end - p) < sizeof rows)
        return NULL;
    p = get(p, &rows, sizeof rows);
    if (rows > ws->capacity)
        return NULL;
    ws->rows = rows;
    for (int b = 0; b < n; b++) {
        if ((size_t)(end - p) < rows * width[b] * sizeof(float))
            return NULL;
        p = get(p, buf[b], rows * width[b] * sizeof(float));
    }
    return p;
}

static int mpi_fail(mlpt_error *err, const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error code %d", code);
    return mlpt_fail(err, "%s failed: %s", what, text);
}

bool mlpt_mpi_available(void)
{
    return true;
}

mlpt_exchange *mlpt_exchange_create(const void *comm, const mlpt_model *m, int shards,
                                    size_t capacity, uint64_t agreement, mlpt_error *err)
{
    mlpt_exchange *x = calloc(1, sizeof *x);
    if (!x) {
        mlpt_fail(err, "out of memory for the exchange between processes");
        return NULL;
    }
    x->comm = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(*(const MPI_Comm *)comm, &x->comm);
    if (rc != MPI_SUCCESS) {
        mpi_fail(err, "MPI_Comm_dup", rc);
        mlpt_exchange_free(x);
        return NULL;
    }
    MPI_Comm_set_errhandler(x->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(x->comm, &x->rank);
    MPI_Comm_size(x->comm, &x->ranks);
    uint64_t low = agreement, high = agreement;
    if ((rc = MPI_Allreduce(&agreement, &low, 1, MPI_UINT64_T, MPI_MIN, x->comm)) != MPI_SUCCESS ||
        (rc = MPI_Allreduce(&agreement, &high, 1, MPI_UINT64_T, MPI_MAX, x->comm)) != MPI_SUCCESS) {
        mpi_fail(err, "comparing the processes' settings (MPI_Allreduce)", rc);
        mlpt_exchange_free(x);
        return NULL;
    }
    if (low != high) {
        mlpt_fail(err, "the processes disagree on the config, the training set's size or the "
                       "starting weights (a checkpoint): all must read the same files");
        mlpt_exchange_free(x);
        return NULL;
    }
    x->shards = shards;
    x->shard_lo = first_shard(shards, x->rank, x->ranks);
    x->shard_hi = first_shard(shards, x->rank + 1, x->ranks);
    const size_t per_shard = shard_bytes(m, capacity) > phase_bytes(m, capacity)
                                 ? shard_bytes(m, capacity) : phase_bytes(m, capacity);
    const size_t mine = per_shard * (size_t)(x->shard_hi - x->shard_lo);
    const size_t all = per_shard * (size_t)shards;
    if (all > (size_t)INT32_MAX) {
        mlpt_fail(err, "a step's shard results could take %zu bytes; MPI counts stop at 2 GiB "
                       "(use a smaller batch)",
                  all);
        mlpt_exchange_free(x);
        return NULL;
    }
    x->send = malloc(mine ? mine : 1);
    x->recv = malloc(all ? all : 1);
    x->counts = calloc((size_t)x->ranks, sizeof *x->counts);
    x->displs = calloc((size_t)x->ranks, sizeof *x->displs);
    if (!x->send || !x->recv || !x->counts || !x->displs) {
        mlpt_fail(err, "out of memory for exchanging %zu bytes per step", all);
        mlpt_exchange_free(x);
        return NULL;
    }
    return x;
}

void mlpt_exchange_free(mlpt_exchange *x)
{
    if (!x)
        return;
    if (x->comm != MPI_COMM_NULL)
        MPI_Comm_free(&x->comm);
    free(x->send);
    free(x->recv);
    free(x->counts);
    free(x->displs);
    free(x);
}

void mlpt_exchange_own_shards(const mlpt_exchange *x, int *lo, int *hi)
{
    *lo = x->shard_lo;
    *hi = x->shard_hi;
}

double mlpt_exchange_seconds(const mlpt_exchange *x)
{
    return x->seconds;
}

/* What is exchanged: a step's shard results (phase -1), or the rows of
 * the reduction after a phase. */
static uint8_t *pack(const mlpt_model *m, mlpt_workspace *ws, int phase, uint8_t *p)
{
    return phase < 0 ? pack_shard(m, ws, p) : pack_phase(m, ws, phase, p);
}

static const uint8_t *unpack(const mlpt_model *m, mlpt_workspace *ws, int phase,
                             const uint8_t *p, const uint8_t *end)
{
    return phase < 0 ? unpack_shard(m, ws, p, end) : unpack_phase(m, ws, phase, p, end);
}

/* Sends this rank's shards' packed values to every other rank and
 * unpacks theirs into their shards of ws. */
static int exchange(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws, int phase,
                    mlpt_error *err)
{
    const double started = MPI_Wtime();
    uint8_t *packed = x->send;
    for (int s = x->shard_lo; s < x->shard_hi; s++)
        packed = pack(m, &ws[s], phase, packed);
    const int bytes = (int)(packed - x->send);
    int rc = MPI_Allgather(&bytes, 1, MPI_INT, x->counts, 1, MPI_INT, x->comm);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, "exchanging shard sizes (MPI_Allgather)", rc);
    for (int r = 1; r < x->ranks; r++)
        x->displs[r] = x->displs[r - 1] + x->counts[r - 1];
    rc = MPI_Allgatherv(x->send, bytes, MPI_BYTE, x->recv, x->counts, x->displs, MPI_BYTE,
                        x->comm);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, "exchanging shard results (MPI_Allgatherv)", rc);
    for (int r = 0; r < x->ranks; r++) {
        if (r == x->rank) /* its own shards are in ws already */
            continue;
        const uint8_t *p = x->recv + x->displs[r], *end = p + x->counts[r];
        for (int s = first_shard(x->shards, r, x->ranks);
             p && s < first_shard(x->shards, r + 1, x->ranks); s++)
            p = unpack(m, &ws[s], phase, p, end);
        if (p != end)
            return mlpt_fail(err, "process %d sent shard results this process cannot read "
                                  "(are all processes running the same mlptrain?)",
                             r);
    }
    x->seconds += MPI_Wtime() - started;
    return 0;
}

int mlpt_exchange_shards(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws,
                         mlpt_error *err)
{
    return exchange(x, m, ws, -1, err);
}

int mlpt_exchange_phase(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws, int phase,
                        mlpt_error *err)
{
    return exchange(x, m, ws, phase, err);
}

#else /* no MPI in this build */

bool mlpt_mpi_available(void)
{
    return false;
}

mlpt_exchange *mlpt_exchange_create(const void *comm, const mlpt_model *m, int shards,
                                    size_t capacity, uint64_t agreement, mlpt_error *err)
{
    (void)comm, (void)m, (void)shards, (void)capacity, (void)agreement;
    mlpt_fail(err, "this build of mlptrain has no MPI (configure with Open MPI installed and "
                   "-DMLPT_MPI=ON)");
    return NULL;
}

void mlpt_exchange_free(mlpt_exchange *x)
{
    (void)x;
}

void mlpt_exchange_own_shards(const mlpt_exchange *x, int *lo, int *hi)
{
    (void)x, (void)lo, (void)hi;
}

int mlpt_exchange_shards(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws,
                         mlpt_error *err)
{
    (void)x, (void)m, (void)ws;
    return mlpt_fail(err, "this build of mlptrain has no MPI");
}

int mlpt_exchange_phase(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws, int phase,
                        mlpt_error *err)
{
    (void)x, (void)m, (void)ws, (void)phase;
    return mlpt_fail(err, "this build of mlptrain has no MPI");
}

double mlpt_exchange_seconds(const mlpt_exchange *x)
{
    (void)x;
    return 0.0;
}

#endif
