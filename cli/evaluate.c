/* mlptrain evaluate MODEL CONFIG: a saved model measured on the config's
 * test set, printed and written to run.out/evaluation.txt, with figures. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "mlpt/data.h"
#include "mlpt/fileio.h"
#include "mlpt/metrics.h"
#include "mlpt/modelfile.h"
#include "report.h"
#include "train.h"

/* The summary and the per-class report, to f. */
static void write_report(FILE *f, const char *model, const mlpt_config *cfg,
                         const mlpt_data *d, const report_eval *e)
{
    fprintf(f, "%s on %s%s\n", model, d->test_paths[0],
            cfg->data.test_split > 0 ? " (its test_split rows)" : "");
    report_print_summary(f, e);
    report_print_classes(f, e, cfg);
}

/* The model's task against the one cfg trains (its loss and last layer):
 * the data is read as that task takes it. */
static int check_task(const char *model, const mlpt_model *m, const mlpt_config *cfg,
                      mlpt_error *err)
{
    const int last = cfg->model.n_layers - 1;
    const mlpt_task *ours = mlpt_task_of(m->spec.loss, m->output_width);
    const mlpt_task *theirs =
        mlpt_task_of(cfg->model.loss, (size_t)cfg->model.layers[last].units);
    if (ours == theirs)
        return 0;
    char loss[MLPT_ERROR_LEN], layer[MLPT_ERROR_LEN];
    return mlpt_fail(err, "%s is a %s model (%s, %zu %s), but %s trains a %s model (%s; %s): "
                     "evaluate a model with a config of its task",
                     model, ours->name, m->spec.loss->name, m->output_width,
                     mlpt_noun(m->output_width, "output", "outputs"), cfg->path, theirs->name,
                     mlpt_config_origin(cfg, "loss", 0, loss, sizeof loss),
                     mlpt_config_origin(cfg, "layer", last, layer, sizeof layer));
}

/* The model's outputs against the targets d holds: as many classes, or one
 * output per target value. */
static int check_targets(const char *model, const mlpt_model *m, const mlpt_model_info *info,
                         const mlpt_config *cfg, const mlpt_data *d, mlpt_error *err)
{
    const size_t width = d->train.s.target_width;
    if (!mlpt_task_of(m->spec.loss, m->output_width)->values) {
        if (info->n_classes == d->n_classes)
            return 0;
        return mlpt_fail(err, "%s has %d %s but %s has %d", model, info->n_classes,
                         mlpt_noun((size_t)info->n_classes, "class", "classes"), cfg->path,
                         d->n_classes);
    }
    if (width == m->output_width)
        return 0;
    char where[MLPT_ERROR_LEN], names[256] = "";
    for (size_t k = 0, at = 0; k < info->table.n_targets && at < sizeof names; k++)
        at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", k ? " " : " (",
                               info->table.targets[k]);
    if (names[0] && strlen(names) + 1 < sizeof names)
        strcat(names, ")");
    return mlpt_fail(err, "%s predicts %zu %s per sample%s, but the targets of %s are %zu %s "
                     "per sample (%s)",
                     model, m->output_width, mlpt_noun(m->output_width, "value", "values"),
                     names, cfg->path, width, mlpt_noun(width, "value", "values"),
                     d->table.delimiter ? mlpt_config_origin(cfg, "target", 0, where, sizeof where)
                                        : d->train_paths[1]);
}

static int evaluate(const cli_args *a, const mlpt_config *cfg, const mlpt_topology *topo,
                    mlpt_folder_lock *out_lock, mlpt_model *m, mlpt_model_info *info,
                    mlpt_data *d, mlpt_config *resolved, report_eval *e, mlpt_error *err)
{
    int threads;
    /* run.out is held before anything is loaded: a run writing there
     * refuses this at once, not after the evaluation. */
    if (mlpt_folder_take(cfg->run.out, out_lock, err) < 0 ||
        mlpt_model_load(a->model, m, info, err) < 0 || check_task(a->model, m, cfg, err) < 0 ||
        train_threads(cfg, topo, stdout, &threads, err) < 0)
        return -1;
    /* The training data decides the classes (classes = auto), the test
     * split and a table's one-hot words, so it is read too. */
    if (mlpt_data_check_paths(cfg, true, true, err) < 0 ||
        mlpt_data_load(cfg, true, d, err) < 0 || check_targets(a->model, m, info, cfg, d, err) < 0)
        return -1;
    mlpt_data_resolve_config(cfg, d, resolved);
    cfg = resolved;
    /* the model's own scale and normalization: it was trained on inputs
     * made so (a wrong width is refused below, before the evaluation) */
    mlpt_samples *sets[] = {&d->train.s, &d->test.s};
    for (int i = 0; i < 2; i++) {
        sets[i]->scale = info->scale;
        sets[i]->shift = info->shift;
        sets[i]->factor = info->factor;
    }
    if (d->test.s.features != m->input_width)
        return mlpt_fail(err, "%s: samples have %zu values but %s takes %zu", d->test_paths[0],
                         d->test.s.features, a->model, m->input_width);
    if (report_evaluate(m, &d->test.s, &cfg->train.metrics, threads, e, err) < 0)
        return -1;
    write_report(stdout, a->model, cfg, d, e);

    char path[MLPT_PATH_LEN];
    mlpt_atomic_file out;
    if (mlpt_path_join(path, sizeof path, cfg->run.out, "evaluation.txt", err) < 0 ||
        mlpt_atomic_open(&out, path, err) < 0)
        return -1;
    write_report(out.f, a->model, cfg, d, e);
    if (mlpt_atomic_commit(&out, err) < 0)
        return -1;
    printf("\nwrote %s\n", path);
    return report_draw(stdout, cfg->run.out, cfg, &d->train.s, &d->test.s, e, NULL, 0, err);
}

int cli_evaluate(const cli_args *a, const mlpt_config *cfg, const mlpt_topology *topo,
                 mlpt_error *err)
{
    mlpt_model m = {0};
    mlpt_model_info info = {0};
    mlpt_data d = {0};
    static mlpt_config resolved; /* large; one evaluation per process */
    report_eval e = {0};
    mlpt_folder_lock out_lock = {0};
    int rc = evaluate(a, cfg, topo, &out_lock, &m, &info, &d, &resolved, &e, err);
    mlpt_folder_release(&out_lock);
    report_eval_free(&e);
    mlpt_data_free(&d);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
    return rc;
}
