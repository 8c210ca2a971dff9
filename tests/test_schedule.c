/* test_schedule.c - each schedule's rate at chosen steps against Keras's
 * formulas worked by hand (the literals are those formulas evaluated in
 * Python, as Keras would with float64), the plateau's epoch-end rule, and
 * the monitors' decisions: EarlyStopping's wait and best epoch,
 * ModelCheckpoint's save_best_only. */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "mlpt/monitor.h"
#include "mlpt/schedule.h"

static mlpt_schedule parsed(const char *text, int epochs)
{
    mlpt_schedule s;
    mlpt_why why;
    cr_assert_eq(mlpt_schedule_parse(text, epochs, &s, &why), 0, "%s: %s", text, why.msg);
    return s;
}

/* The rate at (epoch, step) of a run of `epochs` epochs of `steps` steps,
 * from lr0 0.01, against the float of `want`. */
static void rate_is(const mlpt_schedule *s, int epoch, size_t step, size_t steps, int epochs,
                    double want)
{
    const mlpt_schedule_state st = mlpt_schedule_start(0.01f);
    const mlpt_schedule_at at = {epoch, step, steps, epochs};
    const float got = mlpt_schedule_rate(s, 0.01f, &st, &at);
    /* Keras computes in float32: within a float's rounding of the formula */
    cr_assert(fabs((double)got - want) <= 1e-6 * want + 1e-12,
              "%s at epoch %d, step %zu: %.9g, want %.9g", s->kind->name, epoch, step,
              (double)got, want);
}

Test(schedule, constant_is_learning_rate_exactly)
{
    const mlpt_schedule s = parsed("constant", 3);
    const mlpt_schedule_state st = mlpt_schedule_start(0.001f);
    const mlpt_schedule_at at = {2, 7, 10, 3};
    cr_assert_eq(mlpt_schedule_rate(&s, 0.001f, &st, &at), 0.001f);
    const mlpt_schedule none = {0}; /* a spec without a schedule: the same */
    cr_assert_eq(mlpt_schedule_rate(&none, 0.001f, &st, &at), 0.001f);
    cr_assert_not(mlpt_schedule_varies(&s));
    const mlpt_schedule cosine = parsed("cosine", 3);
    cr_assert(mlpt_schedule_varies(&cosine));
}

/* lr0 FACTOR^floor(epoch / EVERY), the same at every step of an epoch */
Test(schedule, step_per_epoch)
{
    const mlpt_schedule s = parsed("step 0.5 2", 10);
    rate_is(&s, 0, 0, 100, 10, 0.01);
    rate_is(&s, 1, 99, 100, 10, 0.01);
    rate_is(&s, 2, 0, 100, 10, 0.005);
    rate_is(&s, 3, 50, 100, 10, 0.005);
    rate_is(&s, 5, 0, 100, 10, 0.0025);
    rate_is(&s, 9, 99, 100, 10, 0.000625);
}

/* ExponentialDecay(0.01, decay_steps = 10 steps per epoch, 0.9), per step:
 * 0.01 * 0.9 ** (k / 10) */
Test(schedule, exponential_per_step)
{
    const mlpt_schedule s = parsed("exponential 0.9", 3);
    rate_is(&s, 0, 0, 10, 3, 0.01);
    rate_is(&s, 0, 5, 10, 3, 0.009486832980505138);
    rate_is(&s, 1, 3, 10, 3, 0.00871997545077537);
    rate_is(&s, 2, 0, 10, 3, 0.008100000000000001);
}

/* CosineDecay(0.01, decay_steps = 4 epochs x 10 steps, alpha 0):
 * 0.01 * 0.5 * (1 + cos(pi * k / 40)) */
Test(schedule, cosine_over_the_run)
{
    const mlpt_schedule s = parsed("cosine", 4);
    rate_is(&s, 0, 0, 10, 4, 0.01);
    rate_is(&s, 1, 0, 10, 4, 0.008535533905932738);
    rate_is(&s, 2, 0, 10, 4, 0.005);
    rate_is(&s, 3, 9, 10, 4, 1.541333133436018e-05);
    /* past the run's steps: k is capped at decay_steps, as Keras's
     * min(step, decay_steps) (a resume with more epochs stretches the
     * cosine to the new count instead) */
    rate_is(&s, 5, 0, 10, 4, 0.0);
}

/* CosineDecay(0, decay_steps = 30, warmup_target 0.01, warmup_steps 10):
 * 0.01 * k / 10 while k < 10, then 0.01 * 0.5 * (1 + cos(pi * (k - 10) / 30)) */
Test(schedule, cosine_with_warmup)
{
    const mlpt_schedule s = parsed("cosine warmup 1", 4);
    rate_is(&s, 0, 0, 10, 4, 0.0);
    rate_is(&s, 0, 5, 10, 4, 0.005);
    rate_is(&s, 1, 0, 10, 4, 0.01);
    rate_is(&s, 1, 7, 10, 4, 0.008715724127386972);
    rate_is(&s, 2, 5, 10, 4, 0.005);
}

/* ReduceLROnPlateau(factor 0.5, patience 2, min_delta 1e-4) at epoch ends */
Test(schedule, plateau_reduces_after_patience_bad_epochs)
{
    const mlpt_schedule s = parsed("plateau 0.5 2", 10);
    mlpt_schedule_state st = mlpt_schedule_start(0.01f);
    const mlpt_schedule_at at = {0, 0, 10, 10};
    /* val_loss: improves, improves, worse, within min_delta of the best */
    const double val[] = {1.0, 0.9, 0.95, 0.89995};
    for (int e = 0; e < 3; e++) {
        mlpt_schedule_epoch_end(&s, &st, 100.0, val[e]); /* the loss is not watched */
        cr_assert_eq(mlpt_schedule_rate(&s, 0.01f, &st, &at), 0.01f, "epoch %d", e + 1);
    }
    cr_assert_eq(st.wait, 1);
    mlpt_schedule_epoch_end(&s, &st, 100.0, val[3]); /* the second bad epoch in a row */
    cr_assert_eq(mlpt_schedule_rate(&s, 0.01f, &st, &at), (float)(0.01f * 0.5), "reduced");
    cr_assert_eq(st.wait, 0, "the wait starts over");
    cr_assert_eq(st.best, 0.9);
    mlpt_schedule_epoch_end(&s, &st, 100.0, 0.5); /* improves: no change */
    mlpt_schedule_epoch_end(&s, &st, 100.0, 0.6);
    cr_assert_eq(mlpt_schedule_rate(&s, 0.01f, &st, &at), (float)(0.01f * 0.5));
    mlpt_schedule_epoch_end(&s, &st, 100.0, 0.6);
    cr_assert_eq(mlpt_schedule_rate(&s, 0.01f, &st, &at), (float)((float)(0.01f * 0.5) * 0.5));

    /* without a validation split (NaN), the training loss is watched */
    mlpt_schedule_state t = mlpt_schedule_start(0.01f);
    mlpt_schedule_epoch_end(&s, &t, 2.0, NAN);
    cr_assert_eq(t.best, 2.0);
    /* the other kinds keep their state as it starts */
    const mlpt_schedule c = parsed("cosine", 10);
    mlpt_schedule_state u = mlpt_schedule_start(0.01f);
    mlpt_schedule_epoch_end(&c, &u, 2.0, NAN);
    cr_assert_eq(u.best, INFINITY);
}

Test(schedule, plateau_with_patience_0_reduces_at_every_bad_epoch)
{
    const mlpt_schedule s = parsed("plateau 0.1 0", 10);
    mlpt_schedule_state st = mlpt_schedule_start(1.0f);
    mlpt_schedule_epoch_end(&s, &st, 1.0, NAN);
    cr_assert_eq(st.rate, 1.0f);
    mlpt_schedule_epoch_end(&s, &st, 1.0, NAN);
    cr_assert_eq(st.rate, (float)0.1);
}

static mlpt_monitor monitor(const char *word, bool validation)
{
    mlpt_metric_list metrics = {.n = 2};
    metrics.m[0].ops = mlpt_metric_named("accuracy");
    metrics.m[1].ops = mlpt_metric_named("mae");
    mlpt_monitor m;
    mlpt_why why;
    cr_assert_eq(mlpt_monitor_parse(word, &metrics, validation, &m, &why), 0, "%s", why.msg);
    char name[32];
    cr_assert_str_eq(mlpt_monitor_name(&m, &metrics, name, sizeof name), word);
    return m;
}

Test(monitor, direction_follows_the_figure)
{
    cr_assert_not(monitor("loss", false).higher_is_better);
    cr_assert_not(monitor("val_loss", true).higher_is_better);
    cr_assert(monitor("accuracy", false).higher_is_better);
    cr_assert(monitor("val_accuracy", true).higher_is_better);
    cr_assert_not(monitor("val_mae", true).higher_is_better);
    cr_assert(mlpt_monitor_improves(false, 0.5, INFINITY, 0.0));
    cr_assert(mlpt_monitor_improves(true, 0.5, -INFINITY, 0.0));
    cr_assert_not(mlpt_monitor_improves(false, NAN, INFINITY, 0.0), "NaN never improves");
    cr_assert_not(mlpt_monitor_improves(false, 0.5, 0.5, 0.0), "equal is no improvement");
}

/* EarlyStopping(patience=2, min_delta=0.01) on a loss: the wait counts
 * epochs without an improvement of more than 0.01; the weights kept are
 * the best epoch's (the first epoch's at the start). */
Test(monitor, early_stopping_waits_patience_epochs)
{
    const mlpt_early_stopping es = {monitor("val_loss", true), 2, 0.01};
    mlpt_watch w = mlpt_watch_start(&es.monitor);
    const double val[] = {1.0, 0.995, 0.98, 0.975, 0.979};
    const bool keep_want[] = {true, false, true, false, false};
    for (int e = 1; e <= 5; e++) {
        bool keep;
        const bool stop = mlpt_early_stopping_update(&es, &w, e, val[e - 1], &keep);
        cr_assert_eq(keep, keep_want[e - 1], "epoch %d", e);
        cr_assert_eq(stop, e == 5, "epoch %d: stop %d", e, stop);
    }
    cr_assert_eq(w.best, 0.98);
    cr_assert_eq(w.best_epoch, 3);
    cr_assert_eq(w.wait, 2);
}

Test(monitor, early_stopping_on_a_score_and_a_nan_first_epoch)
{
    const mlpt_early_stopping es = {monitor("accuracy", false), 1, 0.0};
    mlpt_watch w = mlpt_watch_start(&es.monitor);
    bool keep;
    cr_assert_not(mlpt_early_stopping_update(&es, &w, 1, NAN, &keep), "never at epoch 1");
    cr_assert(keep, "the first epoch's weights are kept, to have some to restore");
    cr_assert_not(mlpt_early_stopping_update(&es, &w, 2, 0.5, &keep));
    cr_assert(keep);
    cr_assert(mlpt_early_stopping_update(&es, &w, 3, 0.4, &keep), "lower is worse");
    cr_assert_not(keep);
    cr_assert_eq(w.best_epoch, 2);
}

/* ModelCheckpoint(save_best_only=True): strictly better only */
Test(monitor, save_best_on_improvement_only)
{
    const mlpt_monitor m = monitor("val_accuracy", true);
    mlpt_watch w = mlpt_watch_start(&m);
    const double val[] = {0.5, 0.5, 0.75, NAN, 0.7, 0.8};
    const bool want[] = {true, false, true, false, false, true};
    for (int e = 1; e <= 6; e++)
        cr_assert_eq(mlpt_save_best_update(&m, &w, e, val[e - 1]), want[e - 1], "epoch %d", e);
    cr_assert_eq(w.best_epoch, 6);
}

Test(monitor, refuses_what_is_not_computed)
{
    const mlpt_metric_list metrics = {0};
    mlpt_monitor m;
    mlpt_why why;
    cr_assert_eq(mlpt_monitor_parse("accuracy", &metrics, true, &m, &why), -1);
    cr_assert(strstr(why.msg, "\"accuracy\" is not computed"), "%s", why.msg);
    cr_assert_eq(mlpt_monitor_parse("val_loss", &metrics, false, &m, &why), -1);
    cr_assert(strstr(why.msg, "val_loss needs a validation split"), "%s", why.msg);
    cr_assert_eq(mlpt_monitor_parse("val_", &metrics, true, &m, &why), -1);
}
