/* End to end on real MNIST (fetched by scripts/fetch-mnist): the tutorial,
 * configs/mnist.ini run through the library (mlpt/run.h) for one epoch on
 * the 60,000 training images, must reach 95.5% on the 10,000 test images
 * (Keras reaches about 96% after its first epoch). */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX */
#include "mlpt/run.h"
#include "test_util.h"

static void make_scratch(void)
{
    scratch_make("test_train_mnist");
}

TestSuite(train_mnist, .init = make_scratch, .fini = scratch_remove);

/* The step hook: keeps the epoch's step count. */
static int count_steps(void *user, const mlpt_epoch_stats *s)
{
    *(size_t *)user = s->steps;
    return 0;
}

Test(train_mnist, tutorial_model_reaches_95_5_percent_after_one_epoch, .timeout = 600)
{
    static mlpt_config cfg; /* large: not on the stack */
    mlpt_error err;
    cr_assert_eq(chdir(MLPT_SOURCE_DIR), 0); /* the config's data paths are relative */
    char out_set[PATH_MAX + 16];
    snprintf(out_set, sizeof out_set, "run.out=%s", scratch_dir());
    const mlpt_override ov[] = {{"train.epochs=1", NULL}, {out_set, NULL}};
    cr_assert_eq(mlpt_config_load("configs/mnist.ini", ov, ARRAY_LEN(ov), &cfg, &err), 0, "%s",
                 err.msg);

    const mlpt_run_options opt = {.threads = 2, .writer = true};
    mlpt_run *run = mlpt_run_open(&cfg, &opt, &err);
    cr_assert_not_null(run, "%s", err.msg);
    cr_assert_eq(mlpt_run_load(run, &err), 0, "%s (run scripts/fetch-mnist)", err.msg);
    const mlpt_model *m = mlpt_run_model(run);
    cr_assert_eq(m->n_params, 101770u);
    cr_assert_eq(mlpt_run_start(run, &err), 0, "%s", err.msg);
    size_t steps = 0;
    const mlpt_run_hooks hooks = {.user = &steps, .step = count_steps};
    cr_assert_eq(mlpt_run_train(run, &hooks, &err), 0, "%s", err.msg);
    cr_assert_eq(steps, 1875u);

    const mlpt_samples *test = &mlpt_run_data(run)->test.s;
    mlpt_eval_result r1, r2;
    const mlpt_metric_list *metrics = &mlpt_run_config(run)->train.metrics;
    cr_assert_eq(metrics->m[0].ops, mlpt_metric_named("accuracy"));
    cr_assert_eq(mlpt_evaluate(m, test, metrics, 2, NULL, &r1, &err), 0, "%s", err.msg);
    cr_assert_eq(r1.n, 10000u);
    cr_assert_geq(r1.metrics[0], 0.955, "test accuracy %.4f (loss %.4f)", r1.metrics[0],
                  r1.loss);
    cr_assert_lt(r1.loss, 0.2, "test loss %.4f", r1.loss);
    /* Evaluation is independent of its thread count too. */
    cr_assert_eq(mlpt_evaluate(m, test, metrics, 1, NULL, &r2, &err), 0, "%s", err.msg);
    cr_assert_eq(r1.loss, r2.loss);
    cr_assert_eq(r1.metrics[0], r2.metrics[0]);
    mlpt_run_close(run);
}
