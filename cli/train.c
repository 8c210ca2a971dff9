#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "console.h"
#include "interrupt.h"
#include "mlpt/checkpoint.h"
#include "mlpt/data.h"
#include "mlpt/fileio.h"
#include "mlpt/modelfile.h"
#include "mlpt/model.h"
#include "mlpt/train.h"
#include "progress.h"
#include "ranks.h"
#include "report.h"
#include "resume.h"

/* Everything one run holds, released by run_free whatever happened. */
typedef struct run {
    const mlpt_config *cfg;
    const train_options *opt;
    FILE *log;                     /* opt->log */
    bool writer;                   /* this process writes the files (rank 0) */
    int threads;
    mlpt_data data;                /* as loaded */
    mlpt_samples train, val;       /* data.fit and data.val */
    mlpt_config resolved;          /* *cfg with the classes classes = auto found */
    mlpt_model model;
    mlpt_trainer *trainer;
    mlpt_history_row *history;
    report_eval eval;
    char history_path[MLPT_PATH_LEN];
    char checkpoint_path[MLPT_PATH_LEN];
    char *settings;                /* what a resume must match */
    mlpt_folder_lock out_lock;     /* the writer's hold on run.out */
    mlpt_checkpoint saved;         /* what a resumed run continues, until restored */
    int first_epoch;               /* 0, or where a resumed run continues */
    mlpt_epoch_stats resume_from;  /* steps into first_epoch already done */
} run;

static void run_free(run *r)
{
    mlpt_trainer_free(r->trainer);
    mlpt_model_free(&r->model);
    mlpt_data_free(&r->data);
    report_eval_free(&r->eval);
    free(r->history);
    free(r->settings);
    mlpt_checkpoint_free(&r->saved);
    mlpt_folder_release(&r->out_lock);
}

static bool same_shape(const size_t *a, int rank_a, const size_t *b, int rank_b)
{
    return rank_a == rank_b && !memcmp(a, b, (size_t)rank_a * sizeof *a);
}

int train_check_data_paths(const mlpt_config *cfg, bool train, bool test, mlpt_error *err)
{
    const struct {
        const char *key, *path;
        bool wanted;
    } files[] = {{"train_images", cfg->data.train_images, train},
                 {"train_labels", cfg->data.train_labels, train},
                 {"test_images", cfg->data.test_images, test},
                 {"test_labels", cfg->data.test_labels, test},
                 {"train", cfg->data.train, train || (test && cfg->data.test_split > 0)},
                 {"test", cfg->data.test, test}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = files[i].path, *colon = strrchr(path, ':');
        if (!files[i].wanted || !path[0] || access(path, F_OK) == 0 || errno != ENOENT)
            continue;
        char archive[MLPT_PATH_LEN]; /* ARCHIVE.npz:ARRAY: the archive must be there */
        snprintf(archive, sizeof archive, "%.*s", colon ? (int)(colon - path) : 0, path);
        if (colon && access(archive, F_OK) == 0)
            continue;
        char setting[MLPT_PATH_LEN + 128], cwd[MLPT_PATH_LEN] = "";
        mlpt_config_origin(cfg, files[i].key, 0, setting, sizeof setting);
        if (path[0] == '/')
            return mlpt_fail(err, "%s: no such file", setting);
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, "which cannot be named");
        return mlpt_fail(err, "%s: no such file (a relative path resolves against the working "
                              "directory, %s, not the config's folder)", setting, cwd);
    }
    return 0;
}

/* Loads both sets (see mlpt_data_load) and checks the samples against the
 * model's input. Only the writer evaluates, so only it loads the test
 * set; every process needs all of the training set, since every epoch's
 * shuffle spreads each process's shards over all of it. */
static int load_data(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    mlpt_data *d = &r->data;
    if (train_check_data_paths(cfg, true, r->writer, err) < 0 ||
        mlpt_data_load(cfg, r->writer, d, err) < 0)
        return -1;
    /* The samples' shape, not only their size: 2x2x14x14 is no 28x28. A
     * one-dimensional input flattens any shape of its size, but the train
     * and test samples must still be alike. */
    const mlpt_samples *sets[] = {&d->train.s, &d->test.s};
    const char *files[] = {d->train_paths[0], d->test_paths[0]};
    const mlpt_model_spec *in = &cfg->model;
    for (int i = 0; i < (r->writer ? 2 : 1); i++) {
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
    if (r->writer && !same_shape(test->dims, test->rank, train->dims, train->rank)) {
        char train_shape[96], test_shape[96];
        return mlpt_fail(err, "%s: samples are %s but the training samples in %s are %s",
                         d->test_paths[0],
                         mlpt_shape_text(test->dims, test->rank, test_shape, sizeof test_shape),
                         d->train_paths[0],
                         mlpt_shape_text(train->dims, train->rank, train_shape,
                                       sizeof train_shape));
    }
    r->train = d->fit;
    r->val = d->val;
    if (cfg->data.n_classes == 0) { /* auto: from here on, the classes found */
        r->resolved = *cfg;
        r->resolved.data.n_classes = d->n_classes;
        memcpy(r->resolved.data.classes, d->classes, sizeof d->classes);
        r->cfg = &r->resolved;
    }
    return 0;
}

/* OUT/split.csv: where each row of the training file went, so that
 * another tool can train and test on exactly the same rows. */
static int write_split(const run *r, mlpt_error *err)
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
    fprintf(r->log, "wrote %s\n", path);
    return 0;
}

/* Saves the run's state: epoch `epoch` with `done` of it completed, and
 * whether the run has finished (in the writer; every process holds the
 * same state). */
static int save_checkpoint(run *r, int epoch, const mlpt_epoch_stats *done, bool finished,
                           mlpt_error *err)
{
    if (!r->writer)
        return 0;
    const mlpt_checkpoint c = {.epoch = epoch, .done = *done, .finished = finished,
                               .n_history = (size_t)epoch, .history = r->history,
                               .settings = r->settings,
                               .train_images = r->data.train.images_digest,
                               .train_labels = r->data.train.labels_digest};
    return mlpt_checkpoint_save(r->checkpoint_path, &c, r->trainer, err);
}

/* What the step callback needs. */
typedef struct step_context {
    run *r;
    progress *bar;
    int epoch;
    mlpt_error *err;
    bool failed;    /* a checkpoint could not be written */
} step_context;

static int on_step(const mlpt_epoch_stats *s, void *user)
{
    step_context *c = user;
    progress_step(s, c->bar);
    const int every = c->r->cfg->run.checkpoint_every;
    if (every > 0 && s->step % (size_t)every == 0 && s->step < s->steps &&
        save_checkpoint(c->r, c->epoch, s, false, c->err) < 0)
        c->failed = true;
    /* At the last step the epoch's end saves. All processes stop at the
     * same step, whichever of them the signal or the failure reached. */
    return ranks_max(c->failed || (interrupt_received() && s->step < s->steps));
}

/* After a checkpoint at epoch e, `done` of it: says how to go on. */
static int stopped(const run *r, int e, const mlpt_epoch_stats *done)
{
    fprintf(r->log, "\ninterrupted at epoch %d, step %zu; saved %s\n", e + 1, done->step,
            r->checkpoint_path);
    if (r->opt->command)
        fprintf(r->log, "resume with: %s%s --resume\n", ranks_size() > 1 ? "mpirun -np N " : "",
                r->opt->command);
    return TRAIN_INTERRUPTED;
}

/* The writer's end of epoch e: validation, the progress line, history.csv
 * (rewritten every epoch so an interrupted run keeps its history) and the
 * checkpoint `next`. */
static int end_epoch(run *r, int e, progress *p, const mlpt_epoch_stats *st,
                     const mlpt_epoch_stats *next, mlpt_error *err)
{
    if (!r->writer)
        return 0;
    mlpt_history_row *h = &r->history[e];
    if (r->val.n) {
        mlpt_eval_result v;
        if (mlpt_evaluate(&r->model, &r->val, r->threads, NULL, &v, err))
            return -1;
        h->val_loss = v.loss;
        h->val_accuracy = v.accuracy;
    }
    progress_end(p, st, r->val.n ? &h->val_loss : NULL, r->val.n ? &h->val_accuracy : NULL);
    if (mlpt_history_write(r->history_path, r->history, (size_t)e + 1, err) < 0)
        return -1;
    return save_checkpoint(r, e + 1, next, false, err);
}

/* Returns 0, -1 on error, or TRAIN_INTERRUPTED after saving a checkpoint. */
static int train_epochs(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    const bool live = !r->opt->quiet && isatty(fileno(r->log));
    const mlpt_epoch_stats *from = r->resume_from.step ? &r->resume_from : NULL;
    for (int e = r->first_epoch; e < cfg->train.epochs; e++, from = NULL) {
        progress p;
        mlpt_epoch_stats st = from ? *from : (mlpt_epoch_stats){0};
        step_context ctx = {r, &p, e, err, false};
        progress_begin(&p, r->log, live, cfg->metric_accuracy, e + 1, cfg->train.epochs);
        const int rc = mlpt_trainer_epoch(r->trainer, &r->train, e, from, on_step, &ctx, &st, err);
        if (rc < 0 || ctx.failed)
            return -1;
        if (rc == 1)
            return save_checkpoint(r, e, &st, false, err) < 0 ? -1 : stopped(r, e, &st);
        const double seconds = progress_now() - p.start;
        mlpt_history_row *h = &r->history[e];
        *h = (mlpt_history_row){e + 1, st.loss, st.accuracy, NAN, NAN, seconds,
                                (double)(st.samples - (from ? from->samples : 0)) / seconds};
        const mlpt_epoch_stats next = {0};
        if (ranks_agree(end_epoch(r, e, &p, &st, &next, err), err) < 0)
            return -1;
        /* came at the last step */
        if (ranks_max(interrupt_received()) && e + 1 < cfg->train.epochs)
            return stopped(r, e + 1, &next);
    }
    return 0;
}

/* claim_out's result when a resumed run has nothing left to train. */
enum { NOTHING_LEFT = 1 };

/* --resume, before anything is loaded: reads run.out's checkpoint into
 * r->saved and checks that this config may continue it (the same settings
 * but epochs, not fewer epochs than trained). Returns NOTHING_LEFT when
 * the run finished at this config's epoch count. */
static int read_resume(run *r, mlpt_error *err)
{
    const mlpt_checkpoint *c = &r->saved;
    const int epochs = r->cfg->train.epochs;
    if (mlpt_checkpoint_read(r->checkpoint_path, &r->saved, err) < 0 ||
        resume_compare(r->checkpoint_path, c->settings, r->settings, err) < 0)
        return -1;
    if (c->finished && c->epoch == epochs)
        return NOTHING_LEFT;
    if (c->epoch > epochs || (c->epoch == epochs && c->done.step > 0))
        return mlpt_fail(err, "cannot resume from %s with epochs = %d: it has trained past that "
                              "(epoch %d, step %zu)",
                         r->checkpoint_path, epochs, c->epoch + 1, c->done.step);
    return 0;
}

/* A run without --resume or --overwrite does not replace the checkpoint of
 * one that has not finished (stopped by Ctrl-C, a crash or kill -9): that
 * would lose its training without a word. A finished one may go. */
static int refuse_unfinished(const run *r, mlpt_error *err)
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

/* Before anything is loaded, so that a run that may not go on is refused
 * at once: the writer holds run.out (another run there is refused), and
 * the checkpoint there decides whether this run may start. Returns 0,
 * NOTHING_LEFT or -1. */
static int claim_out(run *r, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    if ((r->writer && mlpt_folder_take(cfg->run.out, &r->out_lock, err) < 0) ||
        mlpt_path_join(r->history_path, sizeof r->history_path, cfg->run.out, "history.csv",
                       err) < 0 ||
        mlpt_path_join(r->checkpoint_path, sizeof r->checkpoint_path, cfg->run.out,
                       "checkpoint.mlpt", err) < 0)
        return -1;
    if (!(r->settings = resume_settings(cfg)))
        return mlpt_fail(err, "out of memory for the settings");
    if (r->opt->resume)
        return read_resume(r, err);
    return r->writer && !r->opt->overwrite ? refuse_unfinished(r, err) : 0;
}

/* Continues from the checkpoint read by read_resume, once the data is
 * loaded (it must be the data trained on) and the trainer exists: its
 * state, the history so far. */
static int resume(run *r, mlpt_error *err)
{
    const mlpt_checkpoint *c = &r->saved;
    if (resume_check_data(r->checkpoint_path, c, &r->data, err) < 0 ||
        mlpt_checkpoint_restore(c, r->trainer, err) < 0)
        return -1;
    const size_t keep = c->n_history < (size_t)r->cfg->train.epochs
                            ? c->n_history : (size_t)r->cfg->train.epochs;
    memcpy(r->history, c->history, keep * sizeof *r->history);
    r->first_epoch = c->epoch;
    r->resume_from = c->done;
    fprintf(r->log, "resuming from %s: epoch %d, step %zu\n", r->checkpoint_path, c->epoch + 1,
            c->done.step);
    mlpt_checkpoint_free(&r->saved); /* its state is the trainer's now */
    return 0;
}

static int save_model(const run *r, uint64_t fingerprint, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    char path[MLPT_PATH_LEN];
    const mlpt_data *d = &r->data;
    mlpt_model_info info = {.n_classes = cfg->data.n_classes, .scale = r->train.scale,
                            .fingerprint = fingerprint, .table = d->table,
                            .normalize = d->normalize, .shift = d->shift,
                            .factor = d->factor};
    memcpy(info.classes, cfg->data.classes, sizeof info.classes);
    info.config_text = (char *)r->opt->config_text; /* only read by the save */
    int rc = mlpt_path_join(path, sizeof path, cfg->run.out, "model.safetensors", err);
    if (rc == 0)
        rc = mlpt_model_save(path, &r->model, &info, err);
    if (rc == 0)
        fprintf(r->log, "wrote %s\n", path);
    return rc;
}

int train_threads(const mlpt_config *cfg, const mlpt_topology *topo, FILE *log, int *threads,
                  mlpt_error *err)
{
    /* Processes of one run on this machine share its cores: by default
     * each takes its part, and each pins its threads only when mpirun has
     * given it cores of its own (pinning within a shared set would put
     * every process's thread i on the same core). */
    const int sharing = ranks_local_size();
    const bool own_cores = sharing == 1 || topo->allowed_cores * sharing <= topo->cores;
    *threads = cfg->run.threads ? cfg->run.threads
               : topo->allowed_cores > sharing ? topo->allowed_cores / sharing : 1;
    bool bound = false;
    if (cfg->run.bind && own_cores && mlpt_bind_threads(topo, *threads, &bound, err) < 0)
        return -1;
    const console_placement placement = bound                ? PLACED_BOUND
                                        : topo->openmp_binds ? PLACED_BY_OPENMP
                                        : !cfg->run.bind     ? PLACED_UNBOUND
                                        : !own_cores         ? PLACED_SHARED
                                                             : PLACED_OVERSUBSCRIBED;
    console_header(log, topo, *threads, placement, cfg);
    return 0;
}

/* Everything before the first step that each process does alone: data,
 * model, trainer, resume. */
static int set_up(run *r, const mlpt_topology *topo, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    if (train_threads(cfg, topo, r->log, &r->threads, err) < 0)
        return -1;
    console_defaults(r->log, cfg);

    /* Plan first (load_data checks the data against the geometry), allocate
     * once the data is known to fit. */
    if (mlpt_model_plan(&cfg->model, &r->model, err) < 0 ||
        cli_check_fits(cfg, &r->model, r->threads, err) < 0 || load_data(r, err) < 0 ||
        mlpt_model_create(&cfg->model, &r->model, err) < 0)
        return -1;
    cfg = r->cfg; /* with the classes classes = auto found */
    console_data_summary(r->log, "train", &r->train, cfg->data.n_classes);
    if (r->val.n)
        console_data_summary(r->log, "validation", &r->val, cfg->data.n_classes);
    if (r->writer)
        console_data_summary(r->log, "test", &r->data.test.s, cfg->data.n_classes);
    console_data_origin(r->log, cfg, &r->data);
    fputc('\n', r->log);
    console_model_summary(r->log, &r->model);

    mlpt_model_init_params(&r->model, cfg->train.seed);
    r->history = calloc((size_t)cfg->train.epochs, sizeof *r->history);
    r->trainer = mlpt_trainer_create(&r->model, &cfg->train, &r->train, r->threads, err);
    if (!r->history || !r->trainer)
        return r->trainer ? mlpt_fail(err, "out of memory for the history") : -1;
    return r->opt->resume ? resume(r, err) : 0;
}

/* The writer's end of the run: evaluation, the summary, the model file and
 * the figures. */
static int finish(run *r, uint64_t fingerprint, mlpt_error *err)
{
    const mlpt_config *cfg = r->cfg;
    if (!r->writer)
        return 0;
    if (report_evaluate(&r->model, &r->data.test.s, r->threads, &r->eval, err) < 0)
        return -1;
    fputc('\n', r->log);
    report_print_summary(r->log, &r->eval);
    fprintf(r->log, "wrote %s\n", r->history_path);
    /* Finished once its files are written: a plain re-run may then replace
     * it, and a resume has nothing left to do. */
    const mlpt_epoch_stats none = {0};
    if (save_model(r, fingerprint, err) < 0 ||
        (cfg->data.test_split > 0 && write_split(r, err) < 0) ||
        report_draw(r->log, cfg->run.out, cfg, &r->train, &r->data.test.s, &r->eval,
                    r->history, (size_t)cfg->train.epochs, err) < 0 ||
        save_checkpoint(r, cfg->train.epochs, &none, true, err) < 0)
        return -1;
    fprintf(r->log, "weights fingerprint: %016llx\n", (unsigned long long)fingerprint);
    return 0;
}

static int run_all(run *r, const mlpt_topology *topo, train_outcome *out, mlpt_error *err)
{
    /* Each agreement is a point every process reaches: one that failed
     * stops them all there, rather than leaving them waiting in a step. */
    const int claimed = ranks_agree(claim_out(r, err), err);
    if (claimed < 0)
        return -1;
    if (ranks_max(claimed == NOTHING_LEFT)) {
        const int epochs = r->cfg->train.epochs;
        fprintf(r->log, "%s: the run finished after %d epoch%s; nothing left to train "
                        "(--epochs N, with N above %d, trains further)\n",
                r->checkpoint_path, epochs, epochs == 1 ? "" : "s", epochs);
        return 0;
    }
    if (ranks_agree(set_up(r, topo, err), err) < 0)
        return -1;
    /* collective: only once every process is ready */
    if (ranks_size() > 1 &&
        ranks_agree(mlpt_trainer_distribute(r->trainer, ranks_comm(), err), err) < 0)
        return -1;
    interrupt_install(r->writer);
    const int trained = ranks_agree(train_epochs(r, err), err);
    interrupt_remove();
    if (trained != 0)
        return trained;
    const uint64_t fingerprint = mlpt_model_fingerprint(&r->model);
    if (ranks_agree(finish(r, fingerprint, err), err) < 0)
        return -1;
    *out = (train_outcome){r->eval.result.loss, r->eval.result.accuracy, r->eval.result.correct,
                           r->eval.result.n, fingerprint};
    return 0;
}

int train_run(const mlpt_config *cfg, const mlpt_topology *topo, const train_options *opt,
              train_outcome *out, mlpt_error *err)
{
    run r = {.cfg = cfg, .opt = opt, .log = opt->log, .writer = ranks_rank() == 0};
    int rc = run_all(&r, topo, out, err);
    run_free(&r);
    return rc;
}
