/* A run through the library alone (mlpt/run.h), as bench/, tests and
 * bindings make one: configs/tiny.ini, with --set-like overrides, trains to
 * the fingerprint `mlptrain configs/tiny.ini` prints at any thread count,
 * holds its folder against a second run, and continues bit-exactly from
 * where it stopped; [train] init starts from a model file's weights. Needs MNIST (scripts/fetch-mnist). */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */
#include <sys/wait.h>

#include "mlpt/modelfile.h"
#include "mlpt/run.h"
#include "test_util.h"

/* What mlptrain configs/tiny.ini prints as its weights fingerprint. */
#define TINY_FINGERPRINT 0xd5e50e5e714f8c1fULL

static void make_scratch(void)
{
    scratch_make("test_run");
}

/* run.out is the scratch folder: every run of a test writes there. */
TestSuite(run, .init = make_scratch, .fini = scratch_remove);

static mlpt_config cfg; /* large: not on the stack */

/* configs/tiny.ini with run.out the scratch folder, the epochs given and
 * the overrides `more` (NULL-terminated), as --set makes them, and when
 * `layer` is not NULL that layer line after the first; its relative data
 * paths read from the source tree. */
static void tiny_with(int epochs, const char *const *more, const char *layer)
{
    cr_assert_eq(chdir(MLPT_SOURCE_DIR), 0);
    mlpt_error err;
    char *text = mlpt_config_read("configs/tiny.ini", &err);
    cr_assert_not_null(text, "%s", err.msg);
    if (layer) {
        const char first[] = "layer = dense 32 relu\n";
        char *at = strstr(text, first), *with = malloc(strlen(text) + strlen(layer) + 16);
        cr_assert(at && with);
        at += strlen(first);
        sprintf(with, "%.*slayer = %s\n%s", (int)(at - text), text, layer, at);
        free(text);
        text = with;
    }
    char out_set[PATH_MAX + 16], epochs_set[32];
    snprintf(out_set, sizeof out_set, "run.out=%s", scratch_dir());
    snprintf(epochs_set, sizeof epochs_set, "train.epochs=%d", epochs);
    mlpt_override ov[8] = {{out_set, NULL}, {epochs_set, NULL}};
    size_t n = 2;
    for (; more && more[n - 2]; n++)
        ov[n] = (mlpt_override){more[n - 2], NULL};
    cr_assert_eq(mlpt_config_parse("configs/tiny.ini", text, ov, n, &cfg, &err), 0, "%s",
                 err.msg);
    free(text);
}

static void tiny(int epochs, const char *const *more)
{
    tiny_with(epochs, more, NULL);
}

static bool exists(const char *name)
{
    return access(scratch_path(name), F_OK) == 0;
}

Test(run, tiny_trains_to_the_clis_fingerprint_at_any_thread_count, .timeout = 300)
{
    for (int threads = 1; threads <= 2; threads++) {
        tiny(1, NULL);
        const mlpt_run_options opt = {.threads = threads, .writer = true};
        mlpt_run_result result;
        mlpt_error err;
        cr_assert_eq(mlpt_run_all(&cfg, &opt, NULL, &result, &err), 0, "%s", err.msg);
        cr_assert(result.trained);
        cr_assert_eq(result.fingerprint, TINY_FINGERPRINT, "%d threads: %016llx", threads,
                     (unsigned long long)result.fingerprint);
        cr_assert_eq(result.test.n, 10000u);
        cr_assert_gt(result.test.metrics[0], 0.9, "test accuracy");
        cr_assert(exists("model.safetensors") && exists("history.csv") &&
                  exists("checkpoint.mlpt"));
        cr_assert(!exists("predictions.png"), "figures are the console's");
    }
}

Test(run, a_held_folder_refuses_a_second_run)
{
    tiny(1, NULL);
    const mlpt_run_options opt = {.threads = 1, .writer = true};
    mlpt_error err;
    mlpt_run *run = mlpt_run_open(&cfg, &opt, &err);
    cr_assert_not_null(run, "%s", err.msg);
    /* Another process: a folder lock is the process's, as runs are. */
    const pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        mlpt_run *second = mlpt_run_open(&cfg, &opt, &err);
        _exit(!second && strstr(err.msg, "in use by process") ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "a second run opened the held folder");
    mlpt_run_close(run);
}

/* Stops when the step count reaches *(size_t *)user, at most once. */
static int stop_at_step(void *user, const mlpt_epoch_stats *s)
{
    size_t *at = user;
    const bool now = s->step == *at;
    if (now)
        *at = 0;
    return now;
}

static int stop_after_epoch(void *user)
{
    (void)user;
    return 1;
}

/* cfg opened with opt and its data loaded, or the test fails. */
static mlpt_run *open_loaded(const mlpt_run_options *opt)
{
    mlpt_error err;
    mlpt_run *run = mlpt_run_open(&cfg, opt, &err);
    cr_assert_not_null(run, "%s", err.msg);
    cr_assert(!mlpt_run_nothing_left(run));
    cr_assert_eq(mlpt_run_load(run, &err), 0, "%s", err.msg);
    return run;
}

/* Opens (resuming or not), loads, starts and trains cfg with hooks;
 * returns mlpt_run_train's result and, when it trained to the end, saves
 * and finishes, setting *fingerprint. */
static int train_part(bool resume, const mlpt_run_hooks *hooks, int *epoch, size_t *step,
                      uint64_t *fingerprint)
{
    const mlpt_run_options opt = {.threads = 2, .writer = true, .resume = resume};
    mlpt_error err;
    mlpt_run *run = open_loaded(&opt);
    cr_assert_eq(mlpt_run_start(run, &err), 0, "%s", err.msg);
    mlpt_run_position(run, epoch, step);
    const int rc = mlpt_run_train(run, hooks, &err);
    cr_assert_geq(rc, 0, "%s", err.msg);
    if (rc == 0) {
        cr_assert_eq(mlpt_run_save(run, &err), 0, "%s", err.msg);
        cr_assert_eq(mlpt_run_finish(run, &err), 0, "%s", err.msg);
        *fingerprint = mlpt_model_fingerprint(mlpt_run_model(run));
    } else {
        mlpt_run_position(run, epoch, step);
    }
    mlpt_run_close(run);
    return rc;
}

Test(run, a_stopped_run_resumes_bit_exactly, .timeout = 300)
{
    mlpt_run_result straight;
    mlpt_error err;
    tiny(2, NULL);
    const mlpt_run_options opt = {.threads = 1, .writer = true};
    cr_assert_eq(mlpt_run_all(&cfg, &opt, NULL, &straight, &err), 0, "%s", err.msg);

    /* The same in three parts: stopped at step 300 of the first epoch,
     * then after it, then to the end. */
    const char *const every[] = {"run.checkpoint_every=100", NULL};
    tiny(2, every); /* the finished straight run may be replaced */
    size_t at = 300, step;
    int epoch;
    uint64_t fingerprint = 0;
    const mlpt_run_hooks mid = {.user = &at, .step = stop_at_step};
    cr_assert_eq(train_part(false, &mid, &epoch, &step, &fingerprint), MLPT_RUN_STOPPED);
    cr_assert(epoch == 0 && step == 300, "stopped at epoch %d, step %zu", epoch, step);
    const mlpt_run_hooks after = {.stop = stop_after_epoch};
    cr_assert_eq(train_part(true, &after, &epoch, &step, &fingerprint), MLPT_RUN_STOPPED);
    cr_assert(epoch == 1 && step == 0, "stopped at epoch %d, step %zu", epoch, step);
    cr_assert_eq(train_part(true, NULL, &epoch, &step, &fingerprint), 0);
    cr_assert(epoch == 1 && step == 0, "resumed at epoch %d, step %zu", epoch, step);
    cr_assert_eq(fingerprint, straight.fingerprint, "resumed %016llx, straight %016llx",
                 (unsigned long long)fingerprint, (unsigned long long)straight.fingerprint);

    /* Finished: a resume has nothing left to do. */
    const mlpt_run_options again = {.threads = 1, .writer = true, .resume = true};
    mlpt_run *run = mlpt_run_open(&cfg, &again, &err);
    cr_assert_not_null(run, "%s", err.msg);
    cr_assert(mlpt_run_nothing_left(run));
    mlpt_run_close(run);
}

/* Saves a model of `layers` (784 inputs, 10 classes) with weights from
 * seed 7, and values no init gives in other kinds' parameters (batchnorm's
 * moving averages), as scratch file `name`, for [train] init; returns its
 * --set. */
static const char *init_file(const char *name, const char *const *layers, int n,
                             char *set, size_t cap, mlpt_model *m)
{
    mlpt_model_spec spec = {.input_rank = 1, .input_dims = {784}, .n_layers = n,
                            .loss = cfg.model.loss};
    mlpt_why why;
    for (int i = 0; i < n; i++)
        cr_assert_eq(mlpt_layer_parse(layers[i], &spec.layers[i], &why), 0);
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&spec, m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(m, 7);
    for (int l = 0; l < n; l++)
        for (size_t i = 0; !spec.layers[l].kind->kernel && i < m->geom[l].n_params; i++)
            m->params[m->geom[l].w_offset + i] = 0.5f + 0.001f * (float)i;
    mlpt_model_info info = {.n_classes = 10, .scale = 255};
    for (int c = 0; c < 10; c++)
        snprintf(info.classes[c], sizeof info.classes[c], "%d", c);
    cr_assert_eq(mlpt_model_save(scratch_path(name), m, &info, &err), 0, "%s", err.msg);
    snprintf(set, cap, "train.init=%s", scratch_path(name));
    return set;
}

static const char *const tiny_layers[] = {"dense 32 relu", "dense 10 softmax"};

Test(run, init_starts_from_the_model_files_weights_bit_for_bit)
{
    tiny(1, NULL); /* init_file takes its loss */
    char set[PATH_MAX + 32];
    mlpt_model file;
    const char *const more[] = {init_file("init.safetensors", tiny_layers, 2, set, sizeof set,
                                          &file), NULL};
    tiny(1, more);
    mlpt_error err;
    mlpt_run *run = open_loaded(&(mlpt_run_options){.threads = 1, .writer = true});
    cr_assert_eq(mlpt_run_start(run, &err), 0, "%s", err.msg);
    const mlpt_model *m = mlpt_run_model(run);
    cr_assert_eq(m->n_params, file.n_params);
    cr_assert(!memcmp(m->params, file.params, file.n_params * sizeof *file.params),
              "the run's initial weights are not the model file's");
    mlpt_run_close(run);
    mlpt_model_free(&file);
}

/* Batchnorm's moving averages come with the weights, as its gamma and
 * beta: they are parameters. */
Test(run, init_carries_batchnorm_statistics)
{
    static const char *const layers[] = {"dense 32 relu", "batchnorm", "dense 10 softmax"};
    tiny(1, NULL);
    char set[PATH_MAX + 32];
    mlpt_model file;
    const char *const more[] = {init_file("bn.safetensors", layers, 3, set, sizeof set, &file),
                                NULL};
    tiny_with(1, more, "batchnorm");
    mlpt_error err;
    mlpt_run *run = open_loaded(&(mlpt_run_options){.threads = 1, .writer = true});
    cr_assert_eq(mlpt_run_start(run, &err), 0, "%s", err.msg);
    const mlpt_model *m = mlpt_run_model(run);
    cr_assert_eq(m->n_params, file.n_params);
    const float *moving = m->params + m->geom[1].w_offset + 2 * 32; /* after gamma and beta */
    cr_assert_eq(moving[0], 0.5f + 0.001f * 64, "the moving mean is not the model file's");
    cr_assert(!memcmp(m->params, file.params, file.n_params * sizeof *file.params),
              "the run's initial parameters are not the model file's");
    mlpt_run_close(run);
    mlpt_model_free(&file);
}

Test(run, init_of_other_layer_kinds_is_refused_naming_the_layer)
{
    tiny(1, NULL);
    static const char *const other[] = {"dropout 0.1", "dense 10 softmax"};
    char set[PATH_MAX + 32];
    mlpt_model file;
    const char *const more[] = {init_file("other.safetensors", other, 2, set, sizeof set, &file),
                                NULL};
    mlpt_model_free(&file);
    tiny(1, more);
    mlpt_error err;
    mlpt_run *run = open_loaded(&(mlpt_run_options){.threads = 1, .writer = true});
    cr_assert_eq(mlpt_run_start(run, &err), -1);
    cr_assert(strstr(err.msg, "[train] init = ") &&
                  strstr(err.msg, "other.safetensors (command line): layer 1 is `dropout 0.1` "
                                  "in the model file but a dense layer here "
                                  "(configs/tiny.ini:13: [model] layer = dense 32 relu)"),
              "%s", err.msg);
    mlpt_run_close(run);
}

Test(run, an_init_run_resumes_bit_exactly, .timeout = 300)
{
    tiny(1, NULL);
    char set[PATH_MAX + 32];
    mlpt_model file;
    const char *const more[] = {init_file("init.safetensors", tiny_layers, 2, set, sizeof set,
                                          &file), NULL};
    mlpt_model_free(&file);
    tiny(2, more);
    mlpt_run_result straight;
    mlpt_error err;
    const mlpt_run_options opt = {.threads = 1, .writer = true};
    cr_assert_eq(mlpt_run_all(&cfg, &opt, NULL, &straight, &err), 0, "%s", err.msg);

    /* Stopped after the first epoch, then resumed: the weights come from
     * the checkpoint, which began from init. */
    size_t step;
    int epoch;
    uint64_t fingerprint = 0;
    const mlpt_run_hooks after = {.stop = stop_after_epoch};
    cr_assert_eq(train_part(false, &after, &epoch, &step, &fingerprint), MLPT_RUN_STOPPED);
    cr_assert(epoch == 1 && step == 0, "stopped at epoch %d, step %zu", epoch, step);
    cr_assert_eq(train_part(true, NULL, &epoch, &step, &fingerprint), 0);
    cr_assert_eq(fingerprint, straight.fingerprint, "resumed %016llx, straight %016llx",
                 (unsigned long long)fingerprint, (unsigned long long)straight.fingerprint);

    /* And an init run is not the seeded one. */
    tiny(2, NULL);
    mlpt_run_result seeded;
    cr_assert_eq(mlpt_run_all(&cfg, &opt, NULL, &seeded, &err), 0, "%s", err.msg);
    cr_assert_neq(seeded.fingerprint, straight.fingerprint);
}
