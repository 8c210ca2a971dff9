/* Layout, every number little-endian:
 *   "MLPTCKP" and the format version, '4'        8 bytes
 *   optimizer, n_params, steps_taken             u64 each (optimizer: its
 *                                                position in mlpt_optimizers)
 *   epoch, step, steps, samples, n_metrics       u64 each
 *   loss_sum                                     f64 (as its u64 bits)
 *   n_history, settings_len, settings_hash       u64 each
 *   finished                                     u64, 0 or 1
 *   train images' and labels' digests            bytes and hash, u64 each
 *   metric_state_len                             u64
 *   schedule: rate, best (f64), wait (u64)
 *   early stopping: best (f64), best_epoch, wait, stopped, n_best (0 or n_params)
 *   save_best: best (f64), best_epoch, which figure (best_of)
 *   history: n_history rows of epoch (u64), loss, n_metrics metrics, val_loss,
 *            n_metrics val metrics, lr, seconds, samples per second (f64)
 *   metric_state: metric_state_len f64
 *   settings: settings_len bytes
 *   params, state1, [state2 for 2-slot ones]     n_params f32 each
 *   best weights                                 n_best f32
 *   FNV-1a 64 of everything above                u64 */
#include "mlpt/checkpoint.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "le_bytes.h"

/* The last byte is the format version: a reader of another version says so
 * rather than misreading the layout. */
static const char MAGIC[8] = {'M', 'L', 'P', 'T', 'C', 'K', 'P', '4'};
enum { HEADER_WORDS = 29, HEADER_BYTES = 8 + 8 * HEADER_WORDS };
/* A history row: its epoch, then loss, metrics, val_loss, val metrics, lr,
 * seconds, samples per second. */
static size_t row_words(size_t n_metrics)
{
    return 6 + 2 * n_metrics;
}
enum { MAX_HISTORY = 100000, MAX_SETTINGS = 1 << 20 };

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* A writer that hashes what it writes. */
typedef struct hashed_out {
    FILE *f;
    uint64_t hash;
} hashed_out;

static void emit(hashed_out *o, const unsigned char *p, size_t n)
{
    o->hash = mlpt_fnv1a(o->hash, p, n);
    fwrite(p, 1, n, o->f);
}

static void emit_u64(hashed_out *o, uint64_t v)
{
    unsigned char b[8];
    put_le64(b, v);
    emit(o, b, 8);
}

int mlpt_checkpoint_save(const char *path, const mlpt_checkpoint *c, mlpt_trainer *t,
                         mlpt_error *err)
{
    const mlpt_trainer_state s = mlpt_trainer_state_of(t);
    const size_t settings_len = c->settings ? strlen(c->settings) : 0;
    mlpt_atomic_file a;
    if (mlpt_atomic_open(&a, path, err) < 0)
        return -1;
    hashed_out o = {a.f, mlpt_fnv_start};
    emit(&o, (const unsigned char *)MAGIC, sizeof MAGIC);
    const uint64_t words[HEADER_WORDS] = {
        (uint64_t)mlpt_table_index(MLPT_TABLE(mlpt_optimizers), s.optimizer), s.n_params,
        *s.steps_taken,
        (uint64_t)c->epoch,    c->done.step,     c->done.steps,
        c->done.samples,       (uint64_t)c->n_metrics, double_bits(c->done.loss_sum),
        c->n_history,          settings_len,     mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)
                                                       (c->settings ? c->settings : ""),
                                                       settings_len),
        c->finished,           c->train_images.bytes, c->train_images.hash,
        c->train_labels.bytes, c->train_labels.hash, c->done.metric_state_len,
        double_bits(s.schedule->rate), double_bits(s.schedule->best),
        (uint64_t)s.schedule->wait,
        double_bits(c->early.best), (uint64_t)c->early.best_epoch, (uint64_t)c->early.wait,
        (uint64_t)c->stopped,  c->best_params ? s.n_params : 0,
        double_bits(c->best.best), (uint64_t)c->best.best_epoch, c->best_of};
    for (int i = 0; i < HEADER_WORDS; i++)
        emit_u64(&o, words[i]);
    for (size_t i = 0; i < c->n_history; i++) {
        const mlpt_history_row *r = &c->history[i];
        emit_u64(&o, (uint64_t)r->epoch);
        emit_u64(&o, double_bits(r->loss));
        for (int m = 0; m < c->n_metrics; m++)
            emit_u64(&o, double_bits(r->metrics[m]));
        emit_u64(&o, double_bits(r->val_loss));
        for (int m = 0; m < c->n_metrics; m++)
            emit_u64(&o, double_bits(r->val_metrics[m]));
        emit_u64(&o, double_bits(r->lr));
        emit_u64(&o, double_bits(r->seconds));
        emit_u64(&o, double_bits(r->samples_per_s));
    }
    for (size_t i = 0; i < c->done.metric_state_len; i++)
        emit_u64(&o, double_bits(c->done.metric_state[i]));
    emit(&o, (const unsigned char *)(c->settings ? c->settings : ""), settings_len);
    write_le_floats(o.f, s.params, s.n_params, &o.hash);
    write_le_floats(o.f, s.state1, s.n_params, &o.hash);
    if (s.state2)
        write_le_floats(o.f, s.state2, s.n_params, &o.hash);
    if (c->best_params)
        write_le_floats(o.f, c->best_params, s.n_params, &o.hash);
    const uint64_t hash = o.hash;
    emit_u64(&o, hash);
    return mlpt_atomic_commit(&a, err);
}

/* The whole file, after checking that it can hold the magic. */
static unsigned char *read_all(const char *path, size_t *size, mlpt_error *err)
{
    FILE *f;
    uint64_t file_size;
    if (mlpt_open_regular(path, &f, &file_size, err) < 0)
        return NULL;
    unsigned char *buf = NULL;
    if (file_size < sizeof MAGIC)
        mlpt_fail(err, "%s: %" PRIu64 " bytes, too short for a checkpoint", path, file_size);
    else if (!(buf = malloc((size_t)file_size)))
        mlpt_fail(err, "%s: out of memory for %" PRIu64 " bytes", path, file_size);
    else if (fread(buf, 1, (size_t)file_size, f) != (size_t)file_size) {
        mlpt_fail(err, "%s: read error: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    *size = buf ? (size_t)file_size : 0;
    fclose(f);
    return buf;
}

static float *copy_floats(const unsigned char *p, size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (x)
        get_le_floats(x, p, n);
    return x;
}

/* Parses buf (size bytes, already hash-checked) into c. */
static int parse(const char *path, const unsigned char *buf, size_t size, mlpt_checkpoint *c,
                 mlpt_error *err)
{
    uint64_t w[HEADER_WORDS];
    for (int i = 0; i < HEADER_WORDS; i++)
        w[i] = get_le64(buf + 8 + 8 * i);
    const uint64_t optimizer = w[0], n_params = w[1], n_history = w[9], settings_len = w[10],
                   n_metrics = w[7], state_len = w[17], n_best = w[25];
    size_t n_optimizers = 0;
    while (mlpt_optimizers[n_optimizers])
        n_optimizers++;
    if (optimizer >= n_optimizers)
        return mlpt_fail(err, "%s: unknown optimizer %llu", path, (unsigned long long)optimizer);
    const mlpt_optimizer_ops *kind = mlpt_optimizers[optimizer];
    if (w[12] > 1)
        return mlpt_fail(err, "%s: the finished flag is %llu, not 0 or 1", path,
                         (unsigned long long)w[12]);
    if (n_history > MAX_HISTORY || settings_len > MAX_SETTINGS || n_params > SIZE_MAX / 16 ||
        w[3] > MAX_HISTORY || n_metrics > MLPT_MAX_METRICS || state_len > MAX_SETTINGS ||
        w[20] > MAX_HISTORY || w[22] > MAX_HISTORY || w[23] > MAX_HISTORY ||
        w[24] > MAX_HISTORY || w[27] > MAX_HISTORY || (n_best && n_best != n_params))
        return mlpt_fail(err, "%s: header counts out of range", path);
    const double rate = bits_double(w[18]);
    if (!(rate >= 0.0 && rate <= FLT_MAX))
        return mlpt_fail(err, "%s: the learning rate %g is not a float >= 0", path, rate);
    /* the watches: best values that can be improved on (not NaN), at epochs
     * already trained, and early stopping's best weights when it has one */
    if (isnan(bits_double(w[19])) || isnan(bits_double(w[21])) || isnan(bits_double(w[26])) ||
        w[22] > w[3] || w[27] > w[3] || (w[22] && !n_best))
        return mlpt_fail(err, "%s: its early stopping, save_best or schedule state is not one "
                              "a run can be in", path);
    /* the parameters, the state, the best weights */
    const uint64_t arrays = 1 + (uint64_t)kind->slots + (n_best != 0);
    const size_t row_bytes = 8 * row_words((size_t)n_metrics);
    const uint64_t expected = HEADER_BYTES + n_history * row_bytes + 8 * state_len +
                              settings_len + arrays * 4 * n_params + 8;
    if (expected != size)
        return mlpt_fail(err, "%s: %zu bytes, but its header describes %llu", path, size,
                         (unsigned long long)expected);
    c->optimizer = kind;
    c->n_params = (size_t)n_params;
    c->steps_taken = w[2];
    c->epoch = (int)w[3];
    c->done = (mlpt_epoch_stats){.step = w[4], .steps = w[5], .samples = w[6],
                                 .loss_sum = bits_double(w[8]),
                                 .metric_state_len = (size_t)state_len};
    c->n_metrics = (int)n_metrics;
    c->n_history = (size_t)n_history;
    c->settings_hash = w[11];
    c->finished = w[12];
    c->train_images = (mlpt_idx_digest){w[13], w[14]};
    c->train_labels = (mlpt_idx_digest){w[15], w[16]};
    c->schedule = (mlpt_schedule_state){(float)rate, bits_double(w[19]), (int)w[20]};
    c->early = (mlpt_watch){bits_double(w[21]), (int)w[22], (int)w[23]};
    c->stopped = (int)w[24];
    c->best = (mlpt_watch){.best = bits_double(w[26]), .best_epoch = (int)w[27]};
    c->best_of = w[28];
    const unsigned char *p = buf + HEADER_BYTES;
    c->history = calloc(n_history ? n_history : 1, sizeof *c->history);
    c->settings = malloc(settings_len + 1);
    c->done.metric_state = calloc(state_len + 1, sizeof *c->done.metric_state);
    if (!c->history || !c->settings || !c->done.metric_state)
        return mlpt_fail(err, "%s: out of memory", path);
    for (size_t i = 0; i < n_history; i++, p += row_bytes) {
        mlpt_history_row *r = &c->history[i];
        const unsigned char *q = p + 8;
        r->epoch = (int)get_le64(p);
        r->loss = bits_double(get_le64(q)), q += 8;
        for (uint64_t m = 0; m < n_metrics; m++, q += 8)
            r->metrics[m] = bits_double(get_le64(q));
        r->val_loss = bits_double(get_le64(q)), q += 8;
        for (uint64_t m = 0; m < n_metrics; m++, q += 8)
            r->val_metrics[m] = bits_double(get_le64(q));
        r->lr = bits_double(get_le64(q)), q += 8;
        r->seconds = bits_double(get_le64(q)), q += 8;
        r->samples_per_s = bits_double(get_le64(q));
    }
    for (uint64_t i = 0; i < state_len; i++, p += 8)
        c->done.metric_state[i] = bits_double(get_le64(p));
    memcpy(c->settings, p, settings_len);
    c->settings[settings_len] = '\0';
    if (strlen(c->settings) != settings_len ||
        mlpt_fnv1a(mlpt_fnv_start, p, settings_len) != c->settings_hash)
        return mlpt_fail(err, "%s: the settings do not match their hash", path);
    for (const char *line = c->settings; *line;) { /* each "section.key=value\n" */
        const char *eol = strchr(line, '\n'), *eq = strchr(line, '=');
        if (!eol || !eq || eq > eol || eq == line)
            return mlpt_fail(err, "%s: malformed settings line", path);
        line = eol + 1;
    }
    p += settings_len;
    float **arrays_out[4] = {&c->params, &c->state1, &c->state2};
    arrays_out[arrays - 1] = n_best ? &c->best_params : arrays_out[arrays - 1];
    for (uint64_t a = 0; a < arrays; a++, p += 4 * n_params)
        if (!(*arrays_out[a] = copy_floats(p, (size_t)n_params)))
            return mlpt_fail(err, "%s: out of memory for %llu parameters", path,
                             (unsigned long long)n_params);
    return 0;
}

int mlpt_checkpoint_read(const char *path, mlpt_checkpoint *c, mlpt_error *err)
{
    memset(c, 0, sizeof *c);
    size_t size;
    unsigned char *buf = read_all(path, &size, err);
    if (!buf)
        return -1;
    int rc = 0;
    const bool versioned = memcmp(buf, MAGIC, sizeof MAGIC - 1) == 0 && isdigit(buf[7]);
    if (!versioned)
        rc = mlpt_fail(err, "%s: not an mlptrain checkpoint (bad magic)", path);
    else if (buf[7] != MAGIC[7])
        rc = mlpt_fail(err, "%s: a checkpoint of format %c, written by another version of "
                            "mlptrain (this one reads format %c)",
                       path, buf[7], MAGIC[7]);
    else if (size < HEADER_BYTES + 8)
        rc = mlpt_fail(err, "%s: %zu bytes, too short for a checkpoint", path, size);
    else if (mlpt_fnv1a(mlpt_fnv_start, buf, size - 8) != get_le64(buf + size - 8))
        rc = mlpt_fail(err, "%s: damaged: the contents do not match the stored hash", path);
    else
        rc = parse(path, buf, size, c, err);
    free(buf);
    if (rc < 0)
        mlpt_checkpoint_free(c);
    return rc;
}

int mlpt_checkpoint_restore(const mlpt_checkpoint *c, mlpt_trainer *t, mlpt_error *err)
{
    mlpt_trainer_state s = mlpt_trainer_state_of(t);
    if (c->optimizer != s.optimizer || c->n_params != s.n_params)
        return mlpt_fail(err, "the checkpoint holds %zu parameters for optimizer %s, the model "
                              "%zu for optimizer %s",
                         c->n_params, c->optimizer->name, s.n_params, s.optimizer->name);
    memcpy(s.params, c->params, s.n_params * sizeof *s.params);
    memcpy(s.state1, c->state1, s.n_params * sizeof *s.state1);
    if (s.state2)
        memcpy(s.state2, c->state2, s.n_params * sizeof *s.state2);
    *s.steps_taken = c->steps_taken;
    *s.schedule = c->schedule;
    return 0;
}

void mlpt_checkpoint_free(mlpt_checkpoint *c)
{
    free(c->done.metric_state);
    free(c->history);
    free(c->settings);
    free(c->params);
    free(c->state1);
    free(c->state2);
    free(c->best_params);
    memset(c, 0, sizeof *c);
}
