#include "train.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "console.h"
#include "interrupt.h"
#include "mlpt/run.h"
#include "progress.h"
#include "ranks.h"
#include "report.h"

/* What the console keeps beside the library's run (mlpt/run.h). */
typedef struct console_run {
    const train_options *opt;
    FILE *log;                     /* opt->log */
    bool writer;                   /* this process writes the files (rank 0) */
    mlpt_run_options run_opt;
    mlpt_run *run;
    progress bar;
    report_eval eval;
} console_run;

/* The run's thread count. Processes of one run on this machine share its
 * cores: by default each takes its part. */
static int thread_count(const mlpt_config *cfg, const mlpt_topology *topo)
{
    const int sharing = ranks_local_size();
    return cfg->run.threads ? cfg->run.threads
           : topo->allowed_cores > sharing ? topo->allowed_cores / sharing : 1;
}

int train_threads(const mlpt_config *cfg, const mlpt_topology *topo, FILE *log, int *threads,
                  mlpt_error *err)
{
    /* Each process pins its threads only when mpirun has given it cores of
     * its own (pinning within a shared set would put every process's
     * thread i on the same core). */
    const int sharing = ranks_local_size();
    const bool own_cores = sharing == 1 || topo->allowed_cores * sharing <= topo->cores;
    *threads = thread_count(cfg, topo);
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

static void wrote(void *user, const char *path)
{
    fprintf(user, "wrote %s\n", path);
}

/* The hooks of mlpt_run_train: the progress bar, Ctrl-C and the
 * agreement of the processes. */
static void epoch_begin(void *user, int epoch)
{
    console_run *c = user;
    const mlpt_config *cfg = mlpt_run_config(c->run);
    const bool live = !c->opt->quiet && isatty(fileno(c->log));
    progress_begin(&c->bar, c->log, live, &cfg->train.metrics,
                   mlpt_schedule_varies(&cfg->train.schedule), epoch + 1, cfg->train.epochs);
}

static int step(void *user, const mlpt_epoch_stats *s)
{
    console_run *c = user;
    progress_step(s, &c->bar);
    return interrupt_received();
}

static void epoch_end(void *user, const mlpt_epoch_stats *s, const mlpt_history_row *row,
                      bool validated)
{
    console_run *c = user;
    progress_end(&c->bar, s, row, validated);
}

static int stop(void *user)
{
    (void)user;
    return interrupt_received();
}

/* After a stop: where, and how to go on. */
static void stopped(const console_run *c)
{
    int epoch;
    size_t step_done;
    mlpt_run_position(c->run, &epoch, &step_done);
    fprintf(c->log, "\ninterrupted at epoch %d, step %zu; saved %s\n", epoch + 1, step_done,
            mlpt_run_checkpoint_path(c->run));
    if (c->opt->command)
        fprintf(c->log, "resume with: %s%s --resume\n", ranks_size() > 1 ? "mpirun -np N " : "",
                c->opt->command);
}

/* What early stopping did, in Keras's words. */
static void early_stopping(const console_run *c)
{
    int stopped, restored;
    mlpt_run_early_stopping(c->run, &stopped, &restored);
    if (stopped)
        fprintf(c->log, "Epoch %d: early stopping\n", stopped);
    if (restored)
        fprintf(c->log, "Restoring model weights from the end of the best epoch: %d.\n",
                restored);
}

/* Everything before the first step that each process does alone: data,
 * model, trainer, resume; with what the console shows of them. */
static int set_up(console_run *c, const mlpt_topology *topo, mlpt_error *err)
{
    const mlpt_config *cfg = mlpt_run_config(c->run);
    int threads;
    if (train_threads(cfg, topo, c->log, &threads, err) < 0)
        return -1;
    console_defaults(c->log, cfg);

    /* Refused before the data is loaded when this machine cannot hold it. */
    mlpt_model planned;
    if (mlpt_model_plan(&cfg->model, &planned, err) < 0 ||
        cli_check_fits(cfg, &planned, threads, err) < 0 || mlpt_run_load(c->run, err) < 0)
        return -1;
    cfg = mlpt_run_config(c->run); /* with the classes classes = auto found */
    const mlpt_data *d = mlpt_run_data(c->run);
    console_data_summary(c->log, "train", &d->fit, cfg->data.n_classes);
    if (d->val.n)
        console_data_summary(c->log, "validation", &d->val, cfg->data.n_classes);
    if (c->writer)
        console_data_summary(c->log, "test", &d->test.s, cfg->data.n_classes);
    console_data_origin(c->log, cfg, d);
    fputc('\n', c->log);
    console_model_summary(c->log, mlpt_run_model(c->run));

    if (mlpt_run_start(c->run, err) < 0)
        return -1;
    if (c->opt->resume) {
        int epoch;
        size_t step_done;
        mlpt_run_position(c->run, &epoch, &step_done);
        fprintf(c->log, "resuming from %s: epoch %d, step %zu\n",
                mlpt_run_checkpoint_path(c->run), epoch + 1, step_done);
    }
    return 0;
}

/* The writer's end of the run: evaluation, the summary, the model file and
 * the figures. */
static int finish(console_run *c, uint64_t fingerprint, mlpt_error *err)
{
    if (!c->writer)
        return 0;
    const mlpt_config *cfg = mlpt_run_config(c->run);
    const mlpt_data *d = mlpt_run_data(c->run);
    if (report_evaluate(mlpt_run_model(c->run), &d->test.s, &cfg->train.metrics,
                        c->run_opt.threads, &c->eval, err) < 0)
        return -1;
    fputc('\n', c->log);
    report_print_summary(c->log, &c->eval);
    fprintf(c->log, "wrote %s\n", mlpt_run_history_path(c->run));
    size_t epochs;
    const mlpt_history_row *history = mlpt_run_history(c->run, &epochs);
    if (mlpt_run_save(c->run, err) < 0 ||
        report_draw(c->log, cfg->run.out, cfg, &d->fit, &d->test.s, &c->eval, history, epochs,
                    err) < 0 ||
        mlpt_run_finish(c->run, err) < 0)
        return -1;
    fprintf(c->log, "weights fingerprint: %016llx\n", (unsigned long long)fingerprint);
    return 0;
}

static int run_all(console_run *c, const mlpt_config *cfg, const mlpt_topology *topo,
                   train_outcome *out, mlpt_error *err)
{
    /* Each agreement is a point every process reaches: one that failed
     * stops them all there, rather than leaving them waiting in a step. */
    c->run = mlpt_run_open(cfg, &c->run_opt, err);
    if (ranks_agree(c->run ? 0 : -1, err) < 0)
        return -1;
    if (ranks_max(mlpt_run_nothing_left(c->run))) {
        const int epochs = cfg->train.epochs;
        int stopped, restored;
        mlpt_run_early_stopping(c->run, &stopped, &restored);
        if (stopped)
            fprintf(c->log, "%s: early stopping ended the run after epoch %d; nothing left to "
                            "train\n", mlpt_run_checkpoint_path(c->run), stopped);
        else
            fprintf(c->log, "%s: the run finished after %d epoch%s; nothing left to train "
                            "(--epochs N, with N above %d, trains further)\n",
                    mlpt_run_checkpoint_path(c->run), epochs, epochs == 1 ? "" : "s", epochs);
        return 0;
    }
    if (ranks_agree(set_up(c, topo, err), err) < 0)
        return -1;
    /* collective: only once every process is ready */
    if (ranks_size() > 1 &&
        ranks_agree(mlpt_run_distribute(c->run, ranks_comm(), err), err) < 0)
        return -1;
    const mlpt_run_hooks hooks = {.user = c, .epoch_begin = epoch_begin, .step = step,
                                  .epoch_end = epoch_end, .stop = stop,
                                  .agree = ranks_agree, .max = ranks_max};
    interrupt_install(c->writer);
    int trained = mlpt_run_train(c->run, &hooks, err);
    if (trained == MLPT_RUN_STOPPED)
        stopped(c);
    trained = ranks_agree(trained, err);
    interrupt_remove();
    if (trained != 0)
        return trained == MLPT_RUN_STOPPED ? TRAIN_INTERRUPTED : trained;
    if (c->writer)
        early_stopping(c);
    const uint64_t fingerprint = mlpt_model_fingerprint(mlpt_run_model(c->run));
    if (ranks_agree(finish(c, fingerprint, err), err) < 0)
        return -1;
    const mlpt_eval_result *e = &c->eval.result;
    *out = (train_outcome){.test_loss = e->loss, .tested = e->n, .fingerprint = fingerprint};
    memcpy(out->test_metrics, e->metrics, sizeof e->metrics);
    return 0;
}

int train_run(const mlpt_config *cfg, const mlpt_topology *topo, const train_options *opt,
              train_outcome *out, mlpt_error *err)
{
    const bool writer = ranks_rank() == 0;
    console_run c = {.opt = opt, .log = opt->log, .writer = writer,
                     .run_opt = {.threads = thread_count(cfg, topo), .writer = writer,
                                 .resume = opt->resume, .overwrite = opt->overwrite,
                                 .config_text = opt->config_text, .wrote = wrote,
                                 .user = opt->log}};
    const int rc = run_all(&c, cfg, topo, out, err);
    mlpt_run_close(c.run);
    report_eval_free(&c.eval);
    return rc;
}
