/* predictions.c - one sample's outputs as text, CSV and JSON, by task (see
 * predictions.h). A task is shown in one of three styles, picked from the
 * table below by the task's bit. */
#include "predictions.h"

#include <stdbool.h>
#include <string.h>

/* A sample's outputs, and its numbers: one per column. */
typedef struct shown_row {
    const float *out, *col;
} shown_row;

/* The predicted cell of a row, as text or as a CSV field. */
typedef void (*cell_fn)(const predictions *p, const shown_row *r, char *buf, size_t cap);

struct predict_style {
    unsigned tasks;        /* the MLPT_TASK_* bits shown so */
    bool classes;          /* the columns are the classes, else the target columns */
    const char *number;    /* the text's format of a column's number */
    int text_width;        /* its width, which the header's names are cut to */
    /* The predicted cell in the text and in the CSV; NULL: none (the
     * numbers are the prediction). */
    cell_fn text_cell, csv_cell;
    /* The JSON object's keys after input and index. */
    int (*json)(const predictions *p, const shown_row *r, json_t *row);
};

/* Column k's name: a class, a target column, or "output K". */
static const char *column_name(const predictions *p, int k, char *buf, size_t cap)
{
    const mlpt_table_schema *t = &p->info->table;
    if (p->style->classes)
        return p->info->classes[k];
    if (t->delimiter && t->n_targets == p->width)
        return t->targets[k];
    snprintf(buf, cap, "output %d", k);
    return buf;
}

/* The row of outputs `out`: its numbers are the outputs, except for a
 * single sigmoid, whose p is class 1's probability and 1 - p class 0's. */
static shown_row row_of(const predictions *p, const float *out, float two[2])
{
    if ((size_t)p->n_columns == p->width)
        return (shown_row){out, out};
    two[0] = 1.0f - out[0];
    two[1] = out[0];
    return (shown_row){out, two};
}

/* The row's numbers as a JSON array; NULL for one JSON cannot hold (NaN,
 * infinities). */
static json_t *numbers_json(const float *col, int n)
{
    json_t *a = json_array();
    for (int k = 0; a && k < n; k++)
        if (json_array_append_new(a, json_real(col[k])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* ---- classes: multiclass and binary ---- */

/* Class indices by decreasing probability (ties: lower index first). */
static void rank_classes(const float *col, int n, int *order)
{
    for (int i = 0; i < n; i++) {
        int j = i;
        for (; j > 0 && col[order[j - 1]] < col[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
}

/* The class the outputs predict, as the metrics and the report count it. */
static int best_class(const predictions *p, const shown_row *r)
{
    return (int)p->task->predict(r->out, p->width);
}

static void class_cell(const predictions *p, const shown_row *r, char *buf, size_t cap)
{
    const int best = best_class(p, r);
    snprintf(buf, cap, "%s (%.1f%%)", p->info->classes[best], 100.0 * r->col[best]);
}

static void class_csv_cell(const predictions *p, const shown_row *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", p->info->classes[best_class(p, r)]);
}

static int class_json(const predictions *p, const shown_row *r, json_t *row)
{
    const float *col = r->col;
    const int best = best_class(p, r);
    int rc = json_object_set_new(row, "predicted", json_integer(best)) |
             json_object_set_new(row, "class", json_string(p->info->classes[best])) |
             json_object_set_new(row, "probabilities", numbers_json(col, p->n_columns));
    if (p->top) {
        int order[MLPT_MAX_CLASSES];
        rank_classes(col, p->n_columns, order);
        json_t *ranked = json_array();
        for (int k = 0; k < p->top; k++)
            json_array_append_new(ranked, json_pack("{s:s, s:f}", "class",
                                                    p->info->classes[order[k]], "probability",
                                                    (double)col[order[k]]));
        rc |= json_object_set_new(row, "top", ranked);
    }
    return rc;
}

/* ---- labels: multi-label ---- */

/* The labels on (p > 0.5), separated by spaces; `none` when none is. */
static void labels_on(const predictions *p, const float *col, const char *none, char *buf,
                      size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < p->n_columns && at < cap; k++) {
        char name[32];
        if (col[k] > 0.5f)
            at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? " " : "",
                                   column_name(p, k, name, sizeof name));
    }
    if (at == 0)
        snprintf(buf, cap, "%s", none);
}

static void label_cell(const predictions *p, const shown_row *r, char *buf, size_t cap)
{
    labels_on(p, r->col, "-", buf, cap);
}

static void label_csv_cell(const predictions *p, const shown_row *r, char *buf, size_t cap)
{
    labels_on(p, r->col, "", buf, cap);
}

static int label_json(const predictions *p, const shown_row *r, json_t *row)
{
    const float *col = r->col;
    json_t *on = json_array(), *names = json_array();
    for (int k = 0; k < p->n_columns; k++) {
        char name[32];
        if (col[k] > 0.5f) {
            json_array_append_new(on, json_integer(k));
            json_array_append_new(names, json_string(column_name(p, k, name, sizeof name)));
        }
    }
    return json_object_set_new(row, "predicted", on) | json_object_set_new(row, "labels", names) |
           json_object_set_new(row, "probabilities", numbers_json(col, p->n_columns));
}

/* ---- values: regression ---- */

static int value_json(const predictions *p, const shown_row *r, json_t *row)
{
    return json_object_set_new(row, "values", numbers_json(r->col, p->n_columns));
}

static const predict_style styles[] = {
    {MLPT_TASK_MULTICLASS | MLPT_TASK_BINARY, true, " %7.4f", 7, class_cell, class_csv_cell,
     class_json},
    {MLPT_TASK_MULTILABEL, false, " %7.4f", 7, label_cell, label_csv_cell, label_json},
    {MLPT_TASK_REGRESSION, false, " %11.5g", 11, NULL, NULL, value_json},
};

int predictions_init(predictions *p, const mlpt_model *m, const mlpt_model_info *info, int top,
                     const char *model_path, mlpt_error *err)
{
    const mlpt_task *task = mlpt_task_of(m->spec.loss, m->output_width);
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof styles / sizeof *styles; i++)
        if (styles[i].tasks & task->bit)
            p->style = &styles[i];
    if (!p->style)
        return mlpt_fail(err, "%s: predict cannot show a %s model's outputs", model_path,
                         task->name);
    if (top && !p->style->classes)
        return mlpt_fail(err, "--top ranks classes, but %s is a %s model: it has none",
                         model_path, task->name);
    p->task = task;
    p->info = info;
    p->width = m->output_width;
    p->n_columns = p->style->classes ? info->n_classes : (int)m->output_width;
    p->top = top > p->n_columns ? p->n_columns : top;
    return 0;
}

void predictions_text_header(const predictions *p, FILE *f)
{
    fprintf(f, "%-40s", "input");
    if (p->style->text_cell)
        fprintf(f, " %-16s", "predicted");
    if (p->top) {
        fprintf(f, " top %d\n", p->top);
        return;
    }
    for (int k = 0; k < p->n_columns; k++) {
        char name[32];
        fprintf(f, " %*.*s", p->style->text_width, p->style->text_width,
                column_name(p, k, name, sizeof name));
    }
    fputc('\n', f);
}

void predictions_text_row(const predictions *p, FILE *f, const char *label, const float *out)
{
    float two[2];
    const shown_row r = row_of(p, out, two);
    const float *col = r.col;
    fprintf(f, "%-40s", label);
    if (p->style->text_cell) {
        char cell[256];
        p->style->text_cell(p, &r, cell, sizeof cell);
        fprintf(f, " %-16s", cell);
    }
    int order[MLPT_MAX_CLASSES];
    if (p->top)
        rank_classes(col, p->n_columns, order);
    for (int k = 0; k < (p->top ? p->top : p->n_columns); k++) {
        if (p->top)
            fprintf(f, " %s %.1f%%%s", p->info->classes[order[k]], 100.0 * col[order[k]],
                    k + 1 < p->top ? "," : "");
        else
            fprintf(f, p->style->number, (double)col[k]);
    }
    fputc('\n', f);
}

/* One CSV field, quoted when it holds a delimiter, a quote or a line end. */
static void csv_field(FILE *f, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *c = text; *c; c++)
        fputs(*c == '"' ? "\"\"" : (char[2]){*c, '\0'}, f);
    fputc('"', f);
}

void predictions_csv_header(const predictions *p, FILE *f)
{
    fputs(p->style->csv_cell ? "input,index,predicted" : "input,index", f);
    for (int k = 0; k < p->n_columns; k++) {
        char name[32];
        fputc(',', f);
        csv_field(f, column_name(p, k, name, sizeof name));
    }
    fputc('\n', f);
}

void predictions_csv_row(const predictions *p, FILE *f, const char *input, size_t index,
                         const float *out)
{
    float two[2];
    const shown_row r = row_of(p, out, two);
    const float *col = r.col;
    csv_field(f, input);
    fprintf(f, ",%zu", index);
    if (p->style->csv_cell) {
        char cell[4096];
        p->style->csv_cell(p, &r, cell, sizeof cell);
        fputc(',', f);
        csv_field(f, cell);
    }
    for (int k = 0; k < p->n_columns; k++)
        fprintf(f, ",%.9g", (double)col[k]);
    fputc('\n', f);
}

json_t *predictions_json(const predictions *p, const char *input, size_t index,
                         const float *out)
{
    float two[2];
    const shown_row r = row_of(p, out, two);
    json_t *row = json_pack("{s:s, s:I}", "input", input, "index", (json_int_t)index);
    if (row && p->style->json(p, &r, row) < 0) {
        json_decref(row);
        return NULL;
    }
    return row;
}
