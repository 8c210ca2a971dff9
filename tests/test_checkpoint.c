/* test_checkpoint.c - the checkpoint file: what is saved is read back,
 * the finished flag and the training files' digests included; a checkpoint
 * of another format version is refused saying so; the fuzzer's seed
 * checkpoints are of the current format (else fuzzing would start from
 * inputs the version check stops). */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */

#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"
#include "hash.h"
#include "le_bytes.h"
#include "mlpt/checkpoint.h"
#include "mlpt/model.h"
#include "mlpt/train.h"
#include "test_spec.h"

static void make_scratch(void)
{
    scratch_make("test_checkpoint");
}

TestSuite(checkpoint, .init = make_scratch, .fini = scratch_remove);

/* A 4-input, 3-class model with Adam, its trainer and initial weights. */
typedef struct fixture {
    mlpt_model model;
    mlpt_trainer *trainer;
} fixture;

/* Filled in place: the trainer keeps a pointer to the model. */
static void make_fixture(fixture *f)
{
    const mlpt_train_spec spec = {
        .optimizer = {mlpt_optimizer_named("adam"), 0.001f, 0.9f, 0.999f, 1e-7f, 0, 0},
        .batch = 2, .epochs = 3, .shards = 1, .shuffle = true, .seed = 7};
    mlpt_model_spec ms = {.input_rank = 1, .input_dims = {4}, .n_layers = 1, .loss = SCCE};
    ms.layers[0] = layer("dense 3 softmax");
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&ms, &f->model, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&f->model, spec.seed);
    static const uint8_t inputs[8 * 4], labels[8];
    const mlpt_samples data = {.n = 8, .rank = 1, .dims = {4}, .features = 4, .bytes = inputs,
                               .scale = 255.0f, .labels = labels, .n_classes = 3};
    f->trainer = mlpt_trainer_create(&f->model, &spec, &data, 1, &err);
    cr_assert_not_null(f->trainer, "%s", err.msg);
}

/* The fixture's checkpoint at epoch 1, saved to c.mlpt; returns its path. */
static const char *saved_fixture(fixture *f)
{
    make_fixture(f);
    mlpt_error err = {0};
    const char *path = scratch_path("c.mlpt");
    cr_assert_eq(mlpt_checkpoint_save(path, &(mlpt_checkpoint){.epoch = 1}, f->trainer, &err), 0,
                 "%s", err.msg);
    return path;
}

static void free_fixture(fixture *f)
{
    mlpt_trainer_free(f->trainer);
    mlpt_model_free(&f->model);
}

Test(checkpoint, round_trip_keeps_progress_flag_and_data_digests)
{
    fixture f;
    make_fixture(&f);
    mlpt_history_row history[2] = {
        {.epoch = 1, .loss = 0.5, .metrics = {0.75}, .val_loss = NAN, .val_metrics = {NAN},
         .seconds = 1.0, .samples_per_s = 8.0},
        {.epoch = 2, .loss = 0.25, .metrics = {0.875}, .val_loss = NAN, .val_metrics = {NAN},
         .seconds = 1.5, .samples_per_s = 6.0}};
    double running[3] = {1.0, 2.0, 0.125}; /* an epoch's metrics so far */
    char settings[] = "train.seed=7\nmodel.layer=dense 3 softmax\n";
    const mlpt_checkpoint saved = {
        .epoch = 2,
        .done = {.step = 1, .steps = 4, .samples = 2, .loss_sum = 1.5, .metric_state = running,
                 .metric_state_len = 3},
        .n_metrics = 1, .finished = true, .n_history = 2, .history = history, .settings = settings,
        .train_images = {47040016, 0x1122334455667788ull},
        .train_labels = {60008, 0x99aabbccddeeff00ull},
        .early = {0.125, 2, 1}, .best = {0.875, 1, 0}, .stopped = 3, .best_of = 0xfeed,
        .best_params = f.model.params};
    history[1].lr = 0.0005;
    *mlpt_trainer_state_of(f.trainer).schedule = (mlpt_schedule_state){0.00025f, 0.5, 4};
    mlpt_error err = {0};
    const char *path = scratch_path("c.mlpt");
    cr_assert_eq(mlpt_checkpoint_save(path, &saved, f.trainer, &err), 0, "%s", err.msg);

    mlpt_checkpoint c;
    cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), 0, "%s", err.msg);
    cr_assert_eq(c.epoch, 2);
    cr_assert_eq(c.done.step, 1);
    cr_assert_eq(c.done.loss_sum, 1.5);
    cr_assert(c.finished);
    cr_assert_eq(c.train_images.bytes, 47040016);
    cr_assert_eq(c.train_images.hash, 0x1122334455667788ull);
    cr_assert_eq(c.train_labels.bytes, 60008);
    cr_assert_eq(c.train_labels.hash, 0x99aabbccddeeff00ull);
    cr_assert_eq(c.n_history, 2);
    cr_assert_eq(c.n_metrics, 1);
    cr_assert_eq(c.history[1].metrics[0], 0.875);
    cr_assert_eq(c.history[1].samples_per_s, 6.0);
    cr_assert_eq(c.done.metric_state_len, 3);
    cr_assert_arr_eq(c.done.metric_state, running, sizeof running);
    cr_assert_str_eq(c.settings, settings);
    cr_assert_eq(c.n_params, f.model.n_params);
    cr_assert_arr_eq(c.params, f.model.params, f.model.n_params * sizeof *c.params);
    /* the schedule's, early stopping's and save_best's state, the lr column */
    cr_assert_eq(c.history[1].lr, 0.0005);
    cr_assert_eq(c.schedule.rate, 0.00025f);
    cr_assert_eq(c.schedule.best, 0.5);
    cr_assert_eq(c.schedule.wait, 4);
    cr_assert(c.early.best == 0.125 && c.early.best_epoch == 2 && c.early.wait == 1);
    cr_assert(c.best.best == 0.875 && c.best.best_epoch == 1 && c.best_of == 0xfeed);
    cr_assert_eq(c.stopped, 3);
    cr_assert_not_null(c.best_params);
    cr_assert_arr_eq(c.best_params, f.model.params, f.model.n_params * sizeof *c.params);
    /* restore hands the schedule's state back to a trainer */
    *mlpt_trainer_state_of(f.trainer).schedule = mlpt_schedule_start(0.001f);
    cr_assert_eq(mlpt_checkpoint_restore(&c, f.trainer, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_trainer_state_of(f.trainer).schedule->rate, 0.00025f);
    mlpt_checkpoint_free(&c);
    free_fixture(&f);
}

Test(checkpoint, unfinished_by_default)
{
    fixture f;
    mlpt_error err = {0};
    const char *path = saved_fixture(&f);
    mlpt_checkpoint c;
    cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), 0, "%s", err.msg);
    cr_assert_not(c.finished);
    cr_assert_null(c.best_params, "no early stopping: no best weights");
    cr_assert_eq(c.schedule.rate, 0.001f, "the rate starts at learning_rate");
    mlpt_checkpoint_free(&c);
    free_fixture(&f);
}

/* A checkpoint in the layout of format 1 (12 header words, no digests),
 * hash and all: refused naming both versions, not misread. */
Test(checkpoint, refuses_another_format_version)
{
    unsigned char old[8 + 8 * 12 + 8 + 8] = "MLPTCKP1";
    put_le64(old + 8 + 8 * 1, 0); /* no parameters */
    put_le64(old + sizeof old - 8, mlpt_fnv1a(mlpt_fnv_start, old, sizeof old - 8));
    const char *path = scratch_path("old.mlpt");
    FILE *fp = fopen(path, "wb");
    cr_assert(fp);
    cr_assert_eq(fwrite(old, 1, sizeof old, fp), sizeof old);
    cr_assert_eq(fclose(fp), 0);

    mlpt_checkpoint c;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), -1);
    cr_assert(is_zeroed(&c, sizeof c));
    cr_assert(strstr(err.msg, "old.mlpt: a checkpoint of format 1, written by another version "
                              "of mlptrain (this one reads format 4)"),
              "%s", err.msg);
}

/* The fixture's checkpoint with header word `word` set to value (and the
 * hash made right for it), read: it must fail with `phrase`. */
static void refused_with_word(int word, uint64_t value, const char *phrase)
{
    fixture f;
    mlpt_error err = {0};
    const char *path = saved_fixture(&f);
    file_bytes b = read_all(path);
    put_le64(b.p + 8 + 8 * word, value);
    put_le64(b.p + b.len - 8, mlpt_fnv1a(mlpt_fnv_start, b.p, b.len - 8));
    FILE *fp = fopen(path, "wb");
    cr_assert(fp);
    cr_assert_eq(fwrite(b.p, 1, b.len, fp), b.len);
    cr_assert_eq(fclose(fp), 0);
    free(b.p);
    mlpt_checkpoint c;
    cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), -1);
    cr_assert(strstr(err.msg, phrase), "%s", err.msg);
    free_fixture(&f);
}

Test(checkpoint, refuses_a_bad_finished_flag)
{
    refused_with_word(12, 2, "finished flag is 2"); /* the flag, after 12 words */
}

/* The schedule's rate (word 18) must be a float the optimizer can take. */
Test(checkpoint, refuses_a_rate_no_float_holds)
{
    uint64_t bits;
    const double huge = 1e300, negative = -0.5;
    memcpy(&bits, &huge, sizeof bits);
    refused_with_word(18, bits, "the learning rate 1e+300 is not a float >= 0");
    memcpy(&bits, &negative, sizeof bits);
    refused_with_word(18, bits, "the learning rate -0.5 is not a float >= 0");
}

/* Early stopping's best weights are all of the parameters or none. */
Test(checkpoint, refuses_best_weights_of_another_count)
{
    refused_with_word(25, 3, "header counts out of range");
}

Test(checkpoint, fuzz_seeds_are_of_this_format)
{
    static const char *const seeds[] = {"adam.mlpt", "rmsprop.mlpt", "sgd-no-history.mlpt"};
    for (size_t i = 0; i < ARRAY_LEN(seeds); i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/tests/fuzz/corpus/fuzz_checkpoint/%s", MLPT_SOURCE_DIR,
                 seeds[i]);
        mlpt_checkpoint c;
        mlpt_error err = {0};
        cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), 0, "%s", err.msg);
        mlpt_checkpoint_free(&c);
    }
}

/* A state no run can be in is refused: early stopping's best epoch with no
 * best weights kept, or a best epoch not yet trained. */
Test(checkpoint, refuses_watches_no_run_has)
{
    fixture f;
    make_fixture(&f);
    const mlpt_checkpoint cases[] = {
        {.epoch = 2, .early = {0.5, 1, 0}},                   /* no best weights */
        {.epoch = 1, .best = {0.5, 2, 0}, .best_of = 1},      /* an epoch to come */
        {.epoch = 2, .early = {NAN, 0, 0}},                   /* nothing improves on NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mlpt_error err = {0};
        const char *path = scratch_path("w.mlpt");
        cr_assert_eq(mlpt_checkpoint_save(path, &cases[i], f.trainer, &err), 0, "%s", err.msg);
        mlpt_checkpoint c;
        cr_assert_eq(mlpt_checkpoint_read(path, &c, &err), -1, "case %zu", i);
        cr_assert(strstr(err.msg, "not one a run can be in"), "case %zu: %s", i, err.msg);
    }
    free_fixture(&f);
}
