/* run.c - a training run from a config, without the console (see
 * mlpt/run.h). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "mlpt/run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "mlpt/checkpoint.h"
#include "mlpt/modelfile.h"
#include "resume.h"

/* Everything one run holds, released by mlpt_run_close whatever happened. */
struct mlpt_run {
    const mlpt_config *cfg;
    const mlpt_run_options *opt;
    mlpt_data data;                /* as loaded */
    mlpt_config resolved;          /* *cfg with the classes classes = auto found */
    mlpt_model model;
    mlpt_trainer *trainer;
    mlpt_history_row *history;
    char history_path[MLPT_PATH_LEN];
    char checkpoint_path[MLPT_PATH_LEN];
    char *settings;                /* what a resume must match */
    mlpt_folder_lock out_lock;     /* the writer's hold on run.out */
    mlpt_checkpoint saved;         /* what a resumed run continues, until restored */
    bool nothing_left;             /* the resumed run finished at this epoch count */
    int epoch;                     /* where the run stands: the epoch to continue */
    mlpt_epoch_stats done;         /* and the steps of it done; a resumed one's */
    double *resumed_metrics;       /* metric_state, owned */
    /* Early stopping and save_best (in every process, which all decide
     * alike from the same figures): what they have seen, the epoch early
     * stopping stopped the run after (0: none) and the weights it keeps
     * (NULL when it is off). */
    mlpt_watch early, best;
    int stopped;
    float *best_params;
};

void mlpt_run_close(mlpt_run *r)
{
    if (!r)
        return;
    mlpt_trainer_free(r->trainer);
    mlpt_model_free(&r->model);
    mlpt_data_free(&r->data);
    free(r->history);
    free(r->settings);
    free(r->resumed_metrics);
    free(r->best_params);
    mlpt_checkpoint_free(&r->saved);
    mlpt_folder_release(&r->out_lock);
    free(r);
}

/* --resume, before anything is loaded: reads run.out's checkpoint into
 * r->saved and checks that this config may continue it (the same settings
 * but epochs, not fewer epochs than trained). */
static int read_resume(mlpt_run *r, mlpt_error *err)
{
    const mlpt_checkpoint *c = &r->saved;
    const int epochs = r->cfg->train.epochs;
    if (mlpt_checkpoint_read(r->checkpoint_path, &r->saved, err) < 0 ||
        resume_compare(r->checkpoint_path, c->settings, r->settings, err) < 0)
        return -1;
    if (c->finished && (c->epoch == epochs || c->stopped)) {
        r->nothing_left = true;
        r->stopped = c->stopped;
        return 0;
    }
    if (c->epoch > epochs || (c->epoch == epochs && c->done.step > 0))
        return mlpt_fail(err, "cannot resume from %s with epochs = %d: it has trained past that "
                              "(epoch %d, step %zu)",
                         r->checkpoint_path, epochs, c->epoch + 1, c->done.step);
    return 0;
}

/* A run without resume or overwrite does not replace the checkpoint of one
 * that has not finished (stopped by Ctrl-C, a crash or kill -9): that
 * would lose its training without a word. A finished one may go. */
static int refuse_unfinished(const mlpt_run *r, mlpt_error *err)
{
    if (access(r->checkpoint_path, F_OK) != 0 && errno == ENOENT)
        return 0;
    mlpt_checkpoint c;
    if (mlpt_checkpoint_read(r->checkpoint_path, &c, err) < 0) {
        char why[MLPT_ERROR_LEN];
        snprintf(why, sizeof why, "%s", err->msg);
        return mlpt_fail(err, "%s; --overwrite starts a new run over it", why);
    }
    const int rc = c.finished ? 0
                   : mlpt_fail(err, "%s holds an unfinished run (its checkpoint is at epoch %d, "
                                    "step %zu): --resume continues it, --overwrite starts over",
                               r->cfg->run.out, c.epoch + 1, c.done.step);
    mlpt_checkpoint_free(&c);
    return rc;
}

static int claim_out(mlpt_run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    if ((r->opt->writer && mlpt_folder_take(cfg->run.out, &r->out_lock, err) < 0) ||
        mlpt_path_join(r->history_path, sizeof r->history_path, cfg->run.out, "history.csv",
                       err) < 0 ||
        mlpt_path_join(r->checkpoint_path, sizeof r->checkpoint_path, cfg->run.out,
                       "checkpoint.mlpt", err) < 0)
        return -1;
    if (!(r->settings = resume_settings(cfg)))
        return mlpt_fail(err, "out of memory for the settings");
    if (r->opt->resume)
        return read_resume(r, err);
    return r->opt->writer && !r->opt->overwrite ? refuse_unfinished(r, err) : 0;
}

mlpt_run *mlpt_run_open(const mlpt_config *cfg, const mlpt_run_options *opt, mlpt_error *err)
{
    mlpt_run *r = calloc(1, sizeof *r);
    if (!r) {
        mlpt_fail(err, "out of memory for the run");
        return NULL;
    }
    r->cfg = cfg;
    r->opt = opt;
    if (claim_out(r, err) < 0) {
        mlpt_run_close(r);
        return NULL;
    }
    return r;
}

bool mlpt_run_nothing_left(const mlpt_run *r)
{
    return r->nothing_left;
}

static bool same_shape(const size_t *a, int rank_a, const size_t *b, int rank_b)
{
    return rank_a == rank_b && !memcmp(a, b, (size_t)rank_a * sizeof *a);
}

/* Loads both sets (see mlpt_data_load) and checks the samples against the
 * model's input. Only the writer evaluates, so only it loads the test
 * set; every process needs all of the training set, since every epoch's
 * shuffle spreads each process's shards over all of it. */
static int load_data(mlpt_run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    const bool writer = r->opt->writer;
    mlpt_data *d = &r->data;
    if (mlpt_data_check_paths(cfg, true, writer, err) < 0 ||
        mlpt_data_load(cfg, writer, d, err) < 0)
        return -1;
    /* The samples' shape, not only their size: 2x2x14x14 is no 28x28. A
     * one-dimensional input flattens any shape of its size, but the train
     * and test samples must still be alike. */
    const mlpt_samples *sets[] = {&d->train.s, &d->test.s};
    const char *files[] = {d->train_paths[0], d->test_paths[0]};
    const mlpt_model_spec *in = &cfg->model;
    for (int i = 0; i < (writer ? 2 : 1); i++) {
        const mlpt_samples *x = sets[i];
        const bool same = same_shape(x->dims, x->rank, in->input_dims,
                                     in->input_rank);
        const bool flat = in->input_rank == 1 && x->features == r->model.input_width;
        char shape[96], input[512];
        if (!same && !flat)
            return mlpt_fail(err, "%s: samples are %s but the model takes %s", files[i],
                             mlpt_shape_text(x->dims, x->rank, shape, sizeof shape),
                             mlpt_config_origin(cfg, "input", 0, input, sizeof input));
    }
    const mlpt_samples *train = &d->train.s, *test = &d->test.s;
    if (writer && !same_shape(test->dims, test->rank, train->dims, train->rank)) {
        char train_shape[96], test_shape[96];
        return mlpt_fail(err, "%s: samples are %s but the training samples in %s are %s",
                         d->test_paths[0],
                         mlpt_shape_text(test->dims, test->rank, test_shape, sizeof test_shape),
                         d->train_paths[0],
                         mlpt_shape_text(train->dims, train->rank, train_shape,
                                       sizeof train_shape));
    }
    if (cfg->data.n_classes == 0) { /* auto: from here on, the classes found */
        mlpt_data_resolve_config(cfg, d, &r->resolved);
        r->cfg = &r->resolved;
    }
    return 0;
}

int mlpt_run_load(mlpt_run *r, mlpt_error *err)
{
    /* Plan first (the data is checked against the geometry), allocate
     * once the data is known to fit. */
    return mlpt_model_plan(&r->cfg->model, &r->model, err) < 0 || load_data(r, err) < 0 ||
                   mlpt_model_create(&r->cfg->model, &r->model, err) < 0
               ? -1
               : 0;
}

/* Which figure save_best watches, for the checkpoint: a resume may change
 * it ([run] keys may change), and then starts its watch afresh. */
static uint64_t monitor_hash(const mlpt_config *cfg, const mlpt_monitor *m)
{
    char name[64] = "";
    if (m->set)
        mlpt_monitor_name(m, &cfg->train.metrics, name, sizeof name);
    return mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)name, strlen(name));
}

/* Continues from the checkpoint read by read_resume, once the data is
 * loaded (it must be the data trained on) and the trainer exists: its
 * state, the history so far. */
static int resume(mlpt_run *r, mlpt_error *err)
{
    const mlpt_checkpoint *c = &r->saved;
    if (resume_check_data(r->checkpoint_path, c, &r->data, err) < 0 ||
        mlpt_checkpoint_restore(c, r->trainer, err) < 0)
        return -1;
    const size_t keep = c->n_history < (size_t)r->cfg->train.epochs
                            ? c->n_history : (size_t)r->cfg->train.epochs;
    memcpy(r->history, c->history, keep * sizeof *r->history);
    r->epoch = c->epoch;
    r->done = c->done;
    r->resumed_metrics = r->saved.done.metric_state; /* the epoch's running metrics */
    r->saved.done.metric_state = NULL;
    r->early = c->early;
    r->stopped = c->stopped;
    if (r->best_params && c->best_params)
        memcpy(r->best_params, c->best_params, r->model.n_params * sizeof *r->best_params);
    if (c->best_of == monitor_hash(r->cfg, &r->cfg->run.save_best))
        r->best = c->best; /* else save_best watches another figure now: afresh */
    mlpt_checkpoint_free(&r->saved); /* its state is the trainer's now */
    return 0;
}

/* Whether the model file's layer stack (file) is this config's (here),
 * layer by layer: the same kinds and a kernel of the same shape in each,
 * as Keras's load_weights asks. Activations, initializers and dropout
 * rates may differ: they hold no weights. Errors name init's line. */
static int same_stack(const mlpt_config *cfg, const mlpt_model *file, const mlpt_model *here,
                      mlpt_error *err)
{
    char setting[MLPT_PATH_LEN + 128];
    mlpt_config_origin(cfg, "init", 0, setting, sizeof setting);
    const mlpt_model_spec *a = &file->spec, *b = &here->spec;
    if (a->n_layers != b->n_layers)
        return mlpt_fail(err, "%s: the model file has %d layers, this config %d", setting,
                         a->n_layers, b->n_layers);
    for (int i = 0; i < a->n_layers; i++) {
        const mlpt_layer_geom *g = &file->geom[i], *h = &here->geom[i];
        const bool same_kind = a->layers[i].kind == b->layers[i].kind;
        if (same_kind && (!a->layers[i].kind->kernel || (g->in == h->in && g->out == h->out)))
            continue;
        char in_file[256], line[MLPT_PATH_LEN + 128];
        mlpt_layer_format(&a->layers[i], in_file, sizeof in_file);
        mlpt_config_origin(cfg, "layer", i, line, sizeof line);
        if (!same_kind)
            return mlpt_fail(err, "%s: layer %d is `%s` in the model file but a %s layer here "
                                  "(%s)", setting, i + 1, in_file, b->layers[i].kind->name, line);
        return mlpt_fail(err, "%s: layer %d (`%s` in the model file, %s): kernel [%zu, %zu] in "
                              "the model file, [%zu, %zu] here", setting, i + 1, in_file, line,
                         g->in, g->out, h->in, h->out);
    }
    return 0;
}

/* [train] init: the weights of the model file, whose layer stack must be
 * this config's. Only the weights: the trainer's optimizer starts afresh,
 * as after Keras's load_weights and compile. */
static int load_init(mlpt_run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    const char *path = cfg->train_init;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return mlpt_config_no_file(cfg, "init", path, err);
    mlpt_model file;
    mlpt_model_info info = {0};
    if (mlpt_model_load(path, &file, &info, err) < 0) {
        /* The reader's message names the file and field; say why it was read. */
        char setting[MLPT_PATH_LEN + 128], why[MLPT_ERROR_LEN];
        mlpt_config_origin(cfg, "init", 0, setting, sizeof setting);
        snprintf(why, sizeof why, "%s", err->msg);
        return mlpt_fail(err, "%s: %s", setting, why);
    }
    mlpt_model_info_free(&info);
    const int rc = same_stack(cfg, &file, &r->model, err);
    if (rc == 0)
        memcpy(r->model.params, file.params, file.n_params * sizeof *file.params);
    mlpt_model_free(&file);
    return rc;
}

int mlpt_run_start(mlpt_run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    /* A resumed run's weights are its checkpoint's, which began from init. */
    if (cfg->train_init[0] && !r->opt->resume) {
        if (load_init(r, err) < 0)
            return -1;
    } else {
        mlpt_model_init_params(&r->model, cfg->train.seed);
    }
    r->history = calloc((size_t)cfg->train.epochs, sizeof *r->history);
    r->early = mlpt_watch_start(&cfg->early_stopping.monitor);
    r->best = mlpt_watch_start(&cfg->run.save_best);
    if (cfg->early_stopping.monitor.set &&
        !(r->best_params = calloc(r->model.n_params, sizeof *r->best_params)))
        return mlpt_fail(err, "out of memory for the best weights of early stopping");
    r->trainer = mlpt_trainer_create(&r->model, &cfg->train, &r->data.fit, r->opt->threads, err);
    if (!r->history || !r->trainer)
        return r->trainer ? mlpt_fail(err, "out of memory for the history") : -1;
    return r->opt->resume ? resume(r, err) : 0;
}

int mlpt_run_distribute(mlpt_run *r, const void *comm, mlpt_error *err)
{
    return mlpt_trainer_distribute(r->trainer, comm, err);
}

/* Saves the run's state: epoch `epoch` with `done` of it completed, and
 * whether the run has finished (in the writer; every process holds the
 * same state). */
static int save_checkpoint(mlpt_run *r, int epoch, const mlpt_epoch_stats *done, bool finished,
                           mlpt_error *err)
{
    if (!r->opt->writer)
        return 0;
    const mlpt_checkpoint c = {.epoch = epoch, .done = *done, .finished = finished,
                               .n_metrics = r->cfg->train.metrics.n,
                               .n_history = (size_t)epoch, .history = r->history,
                               .settings = r->settings,
                               .train_images = r->data.train.images_digest,
                               .train_labels = r->data.train.labels_digest,
                               .early = r->early, .best = r->best, .stopped = r->stopped,
                               .best_params = r->best_params,
                               .best_of = monitor_hash(r->cfg, &r->cfg->run.save_best)};
    return mlpt_checkpoint_save(r->checkpoint_path, &c, r->trainer, err);
}

/* Monotonic seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int agree(const mlpt_run_hooks *h, int rc, mlpt_error *err)
{
    return h->agree ? h->agree(rc, err) : rc;
}

static int agree_max(const mlpt_run_hooks *h, int value)
{
    return h->max ? h->max(value) : value;
}

/* What the step callback needs. */
typedef struct step_context {
    mlpt_run *r;
    const mlpt_run_hooks *hooks;
    int epoch;
    mlpt_error *err;
    bool failed;    /* a checkpoint could not be written */
} step_context;

static int on_step(const mlpt_epoch_stats *s, void *user)
{
    step_context *c = user;
    const mlpt_run_hooks *h = c->hooks;
    const int asked = h->step ? h->step(h->user, s) : 0;
    const int every = c->r->cfg->run.checkpoint_every;
    if (every > 0 && s->step % (size_t)every == 0 && s->step < s->steps &&
        save_checkpoint(c->r, c->epoch, s, false, c->err) < 0)
        c->failed = true;
    /* At the last step the epoch's end saves. All processes stop at the
     * same step, whichever of them the request or the failure reached. */
    return agree_max(h, c->failed || (asked && s->step < s->steps));
}

/* Epoch e's validation figures into its history row, in every process:
 * early stopping and the schedule may watch them. */
static int validate(mlpt_run *r, mlpt_history_row *row, mlpt_error *err)
{
    const mlpt_samples *val = &r->data.val;
    if (!val->n)
        return 0;
    mlpt_eval_result v;
    if (mlpt_evaluate(&r->model, val, &r->cfg->train.metrics, r->opt->threads, NULL, &v, err))
        return -1;
    row->val_loss = v.loss;
    memcpy(row->val_metrics, v.metrics, sizeof v.metrics);
    return 0;
}

/* The figure m watches in row. */
static double monitored(const mlpt_monitor *m, const mlpt_history_row *row)
{
    if (m->metric < 0)
        return m->val ? row->val_loss : row->loss;
    return m->val ? row->val_metrics[m->metric] : row->metrics[m->metric];
}

/* What epoch e's figures decide, in every process alike: the schedule's
 * state, early stopping (and the weights it keeps), and whether save_best
 * improved (returned). */
static bool watch(mlpt_run *r, int e, const mlpt_history_row *row)
{
    const mlpt_config *cfg = r->cfg;
    const mlpt_early_stopping *es = &cfg->early_stopping;
    mlpt_schedule_epoch_end(&cfg->train.schedule, mlpt_trainer_state_of(r->trainer).schedule,
                            row->loss, row->val_loss);
    bool keep = false;
    if (es->monitor.set &&
        mlpt_early_stopping_update(es, &r->early, e + 1, monitored(&es->monitor, row), &keep))
        r->stopped = e + 1;
    if (keep)
        memcpy(r->best_params, r->model.params, r->model.n_params * sizeof *r->best_params);
    const mlpt_monitor *best = &cfg->run.save_best;
    return best->set && mlpt_save_best_update(best, &r->best, e + 1, monitored(best, row));
}

static int save_model(const mlpt_run *r, const char *name, mlpt_error *err);

/* The writer's end of epoch e: the epoch_end hook, best.safetensors when
 * save_best improved, history.csv (rewritten every epoch so an interrupted
 * run keeps its history) and the checkpoint `next`. */
static int end_epoch(mlpt_run *r, int e, const mlpt_run_hooks *h, const mlpt_epoch_stats *st,
                     const mlpt_epoch_stats *next, bool improved, mlpt_error *err)
{
    if (!r->opt->writer)
        return 0;
    if (h->epoch_end)
        h->epoch_end(h->user, st, &r->history[e], r->data.val.n > 0);
    if ((improved && save_model(r, "best.safetensors", err) < 0) ||
        mlpt_history_write(r->history_path, &r->cfg->train.metrics, r->history, (size_t)e + 1,
                           err) < 0)
        return -1;
    return save_checkpoint(r, e + 1, next, false, err);
}

/* Stops at epoch e with `done` of it: where a resume continues. */
static int stop_at(mlpt_run *r, int e, const mlpt_epoch_stats *done)
{
    r->epoch = e;
    r->done = *done;
    return MLPT_RUN_STOPPED;
}

/* Exchanges the model's weights with early stopping's best ones (when it
 * watched an epoch): the restore at the end of training, and its undoing. */
static void swap_best(mlpt_run *r)
{
    if (!r->best_params || !r->early.best_epoch)
        return;
    float *w = r->model.params, *b = r->best_params;
    for (size_t i = 0; i < r->model.n_params; i++) {
        const float x = w[i];
        w[i] = b[i];
        b[i] = x;
    }
}

static int train_epochs(mlpt_run *r, const mlpt_run_hooks *h, mlpt_error *err)
{
    const int epochs = r->cfg->train.epochs;
    const mlpt_epoch_stats resumed = r->done;
    const mlpt_epoch_stats *from = resumed.step ? &resumed : NULL;
    for (int e = r->epoch; e < epochs && !r->stopped; e++, from = NULL) {
        mlpt_epoch_stats st = from ? *from : (mlpt_epoch_stats){0};
        step_context ctx = {r, h, e, err, false};
        if (h->epoch_begin)
            h->epoch_begin(h->user, e);
        const double start = now();
        const int rc = mlpt_trainer_epoch(r->trainer, &r->data.fit, e, from, on_step, &ctx, &st,
                                          err);
        if (rc < 0 || ctx.failed)
            return -1;
        if (rc == 1)
            return save_checkpoint(r, e, &st, false, err) < 0 ? -1 : stop_at(r, e, &st);
        const double seconds = now() - start;
        mlpt_history_row *row = &r->history[e];
        *row = (mlpt_history_row){.epoch = e + 1, .loss = st.loss, .val_loss = NAN,
                                  .lr = st.lr, .seconds = seconds,
                                  .samples_per_s =
                                      (double)(st.samples - (from ? from->samples : 0)) /
                                      seconds};
        for (int m = 0; m < MLPT_MAX_METRICS; m++) {
            row->metrics[m] = st.metrics[m];
            row->val_metrics[m] = NAN;
        }
        const mlpt_epoch_stats next = {0};
        if (agree(h, validate(r, row, err), err) < 0)
            return -1;
        const bool improved = watch(r, e, row);
        if (agree(h, end_epoch(r, e, h, &st, &next, improved, err), err) < 0)
            return -1;
        /* came at the last step */
        if (agree_max(h, h->stop ? h->stop(h->user) : 0) && e + 1 < epochs && !r->stopped)
            return stop_at(r, e + 1, &next);
    }
    /* As Keras 3's restore_best_weights: at the end of training, stopped
     * early or not. */
    swap_best(r);
    r->epoch = r->stopped ? r->stopped : epochs;
    r->done = (mlpt_epoch_stats){0};
    return 0;
}

int mlpt_run_train(mlpt_run *r, const mlpt_run_hooks *hooks, mlpt_error *err)
{
    static const mlpt_run_hooks none;
    return train_epochs(r, hooks ? hooks : &none, err);
}

/* OUT/split.csv: where each row of the training file went, so that
 * another tool can train and test on exactly the same rows. */
static int write_split(const mlpt_run *r, mlpt_error *err)
{
    static const char *const names[] = {"train", "validation", "test"};
    const mlpt_data *d = &r->data;
    char path[MLPT_PATH_LEN];
    mlpt_atomic_file f;
    if (mlpt_path_join(path, sizeof path, r->cfg->run.out, "split.csv", err) < 0 ||
        mlpt_atomic_open(&f, path, err) < 0)
        return -1;
    fprintf(f.f, "row,line,split\n");
    for (size_t i = 0; i < d->n_rows; i++)
        fprintf(f.f, "%zu,%zu,%s\n", i, d->lines ? (size_t)d->lines[i] : i + 1,
                names[d->split[i]]);
    if (mlpt_atomic_commit(&f, err) < 0)
        return -1;
    if (r->opt->wrote)
        r->opt->wrote(r->opt->user, path);
    return 0;
}

/* The model file run.out/NAME, with the model's weights now. */
static int save_model(const mlpt_run *r, const char *name, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    char path[MLPT_PATH_LEN];
    const mlpt_data *d = &r->data;
    mlpt_model_info info = {.n_classes = cfg->data.n_classes, .scale = d->fit.scale,
                            .fingerprint = mlpt_model_fingerprint(&r->model),
                            .table = d->table, .normalize = d->normalize, .shift = d->shift,
                            .factor = d->factor};
    memcpy(info.classes, cfg->data.classes, sizeof info.classes);
    info.config_text = (char *)r->opt->config_text; /* only read by the save */
    int rc = mlpt_path_join(path, sizeof path, cfg->run.out, name, err);
    if (rc == 0)
        rc = mlpt_model_save(path, &r->model, &info, err);
    if (rc == 0 && r->opt->wrote)
        r->opt->wrote(r->opt->user, path);
    return rc;
}

int mlpt_run_save(mlpt_run *r, mlpt_error *err)
{
    if (!r->opt->writer)
        return 0;
    return save_model(r, "model.safetensors", err) < 0 || (r->cfg->data.test_split > 0 && write_split(r, err) < 0)
               ? -1
               : 0;
}

int mlpt_run_finish(mlpt_run *r, mlpt_error *err)
{
    /* The checkpoint holds the last epoch's weights with its optimizer
     * state (and the best apart), so that training on with more epochs
     * continues the run, as one run of that many epochs would. */
    const mlpt_epoch_stats none = {0};
    swap_best(r);
    const int rc = save_checkpoint(r, r->epoch, &none, true, err);
    swap_best(r);
    return rc;
}

const mlpt_config *mlpt_run_config(const mlpt_run *r)
{
    return r->cfg;
}

const mlpt_data *mlpt_run_data(const mlpt_run *r)
{
    return &r->data;
}

const mlpt_model *mlpt_run_model(const mlpt_run *r)
{
    return &r->model;
}

void mlpt_run_position(const mlpt_run *r, int *epoch, size_t *step)
{
    *epoch = r->epoch;
    *step = r->done.step;
}

const char *mlpt_run_checkpoint_path(const mlpt_run *r)
{
    return r->checkpoint_path;
}

const char *mlpt_run_history_path(const mlpt_run *r)
{
    return r->history_path;
}

const mlpt_history_row *mlpt_run_history(const mlpt_run *r, size_t *n)
{
    *n = (size_t)r->epoch;
    return r->history;
}

void mlpt_run_early_stopping(const mlpt_run *r, int *stopped, int *restored)
{
    *stopped = r->stopped;
    *restored = r->best_params ? r->early.best_epoch : 0;
}

/* mlpt_run_all's calls, on an open run. */
static int run_through(mlpt_run *r, const mlpt_run_hooks *hooks, mlpt_run_result *result,
                       mlpt_error *err)
{
    if (r->nothing_left)
        return 0;
    const int trained = mlpt_run_load(r, err) < 0 || mlpt_run_start(r, err) < 0
                            ? -1
                            : mlpt_run_train(r, hooks, err);
    if (trained != 0)
        return trained;
    if (mlpt_evaluate(&r->model, &r->data.test.s, &r->cfg->train.metrics, r->opt->threads, NULL,
                      &result->test, err) < 0 ||
        mlpt_run_save(r, err) < 0 || mlpt_run_finish(r, err) < 0)
        return -1;
    result->fingerprint = mlpt_model_fingerprint(&r->model);
    result->trained = true;
    return 0;
}

int mlpt_run_all(const mlpt_config *cfg, const mlpt_run_options *opt,
                 const mlpt_run_hooks *hooks, mlpt_run_result *result, mlpt_error *err)
{
    *result = (mlpt_run_result){0};
    mlpt_run *r = mlpt_run_open(cfg, opt, err);
    if (!r)
        return -1;
    const int rc = run_through(r, hooks, result, err);
    mlpt_run_close(r);
    return rc;
}
