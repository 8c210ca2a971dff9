/* mlptrain evaluate MODEL CONFIG: a saved model measured on the config's
 * test set, printed and written to run.out/evaluation.txt, with figures. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "mlpt/dataset.h"
#include "mlpt/fileio.h"
#include "mlpt/modelfile.h"
#include "report.h"
#include "train.h"

/* The summary and the per-class report, to f. */
static void write_report(FILE *f, const char *model, const mlpt_config *cfg,
                         const report_eval *e)
{
    fprintf(f, "%s on %s\n", model, cfg->data.test_images);
    report_print_summary(f, e);
    report_print_classes(f, e, cfg);
}

static int evaluate(const cli_args *a, const mlpt_config *cfg, const mlpt_topology *topo,
                    mlpt_folder_lock *out_lock, mlpt_model *m, mlpt_model_info *info,
                    mlpt_dataset *train, mlpt_dataset *test, report_eval *e, mlpt_error *err)
{
    int threads;
    /* run.out is held before anything is loaded: a run writing there
     * refuses this at once, not after the evaluation. */
    if (mlpt_folder_take(cfg->run.out, out_lock, err) < 0 ||
        mlpt_model_load(a->model, m, info, err) < 0 ||
        train_threads(cfg, topo, stdout, &threads, err) < 0)
        return -1;
    if (info->n_classes != cfg->data.n_classes)
        return mlpt_fail(err, "%s has %d %s but %s lists %d", a->model, info->n_classes,
                         mlpt_noun((size_t)info->n_classes, "class", "classes"), cfg->path,
                         cfg->data.n_classes);
    /* The training set is only drawn from, in samples.png. */
    const bool samples = cfg->report.figures & MLPT_FIG_SAMPLES;
    if (train_check_data_paths(cfg, samples, true, err) < 0 ||
        mlpt_dataset_load(cfg->data.test_images, cfg->data.test_labels, cfg->data.n_classes,
                          test, err) < 0 ||
        (samples && mlpt_dataset_load(cfg->data.train_images, cfg->data.train_labels,
                                      cfg->data.n_classes, train, err) < 0))
        return -1;
    /* the model's own scale: it was trained on inputs divided by it */
    mlpt_dataset_scale(test, info->scale);
    mlpt_dataset_scale(train, info->scale);
    if (report_evaluate(m, &test->s, threads, e, err) < 0)
        return -1;
    write_report(stdout, a->model, cfg, e);

    char path[MLPT_PATH_LEN];
    mlpt_atomic_file out;
    if (mlpt_path_join(path, sizeof path, cfg->run.out, "evaluation.txt", err) < 0 ||
        mlpt_atomic_open(&out, path, err) < 0)
        return -1;
    write_report(out.f, a->model, cfg, e);
    if (mlpt_atomic_commit(&out, err) < 0)
        return -1;
    printf("\nwrote %s\n", path);
    return report_draw(stdout, cfg->run.out, cfg, &train->s, &test->s, e, NULL, 0, err);
}

int cli_evaluate(const cli_args *a, const mlpt_config *cfg, const mlpt_topology *topo,
                 mlpt_error *err)
{
    mlpt_model m = {0};
    mlpt_model_info info = {0};
    mlpt_dataset train = {0}, test = {0};
    report_eval e = {0};
    mlpt_folder_lock out_lock = {0};
    int rc = evaluate(a, cfg, topo, &out_lock, &m, &info, &train, &test, &e, err);
    mlpt_folder_release(&out_lock);
    report_eval_free(&e);
    mlpt_dataset_free(&train);
    mlpt_dataset_free(&test);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
    return rc;
}
