#include "plot.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>

#include "mlpt/fileio.h"

static const double PI = 3.14159265358979323846;

enum { WIDTH = 720, HEIGHT = 480, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 60 };

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* A round step giving about five ticks up to max. */
static double tick_step(double max)
{
    double raw = max / 5.0, mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

int plot_png(const char *path, const char *title, const char *xlabel, const char *ylabel,
             const plot_series *series, size_t n_series, char *msg, size_t msg_len)
{
    double xmax = 0.0, ymax = 0.0;
    for (size_t s = 0; s < n_series; s++)
        for (size_t i = 0; i < series[s].n; i++) {
            xmax = fmax(xmax, series[s].x[i]);
            ymax = fmax(ymax, series[s].y[i]);
        }
    xmax = xmax > 0 ? xmax * 1.05 : 1.0;
    ymax = ymax > 0 ? ymax * 1.1 : 1.0;
    const double pw = WIDTH - LEFT - RIGHT, ph = HEIGHT - TOP - BOTTOM;
#define PX(v) (LEFT + (v) / xmax * pw)
#define PY(v) (TOP + ph - (v) / ymax * ph)

    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

    /* grid and tick labels */
    cairo_set_font_size(cr, 12);
    cairo_set_line_width(cr, 1);
    char text[64];
    for (int axis = 0; axis < 2; axis++) {
        double max = axis ? ymax : xmax, step = tick_step(max);
        if (!axis && step < 1.0) /* x values are counts: whole ticks */
            step = 1.0;
        for (double v = 0; v <= max; v += step) {
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
            if (axis) {
                cairo_move_to(cr, LEFT, PY(v));
                cairo_line_to(cr, LEFT + pw, PY(v));
            } else {
                cairo_move_to(cr, PX(v), TOP);
                cairo_line_to(cr, PX(v), TOP + ph);
            }
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            snprintf(text, sizeof text, "%g", v);
            cairo_text_extents_t ext;
            cairo_text_extents(cr, text, &ext);
            if (axis)
                cairo_move_to(cr, LEFT - ext.width - 8, PY(v) + ext.height / 2);
            else
                cairo_move_to(cr, PX(v) - ext.width / 2, TOP + ph + 18);
            cairo_show_text(cr, text);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, LEFT, TOP, pw, ph);
    cairo_stroke(cr);

    /* titles */
    cairo_text_extents_t ext;
    cairo_set_font_size(cr, 16);
    cairo_text_extents(cr, title, &ext);
    cairo_move_to(cr, (WIDTH - ext.width) / 2, 26);
    cairo_show_text(cr, title);
    cairo_set_font_size(cr, 13);
    cairo_text_extents(cr, xlabel, &ext);
    cairo_move_to(cr, LEFT + (pw - ext.width) / 2, HEIGHT - 18);
    cairo_show_text(cr, xlabel);
    cairo_save(cr);
    cairo_text_extents(cr, ylabel, &ext);
    cairo_move_to(cr, 20, TOP + (ph + ext.width) / 2);
    cairo_rotate(cr, -PI / 2);
    cairo_show_text(cr, ylabel);
    cairo_restore(cr);

    /* series with markers, and a legend */
    for (size_t s = 0; s < n_series; s++) {
        const plot_series *se = &series[s];
        cairo_set_source_rgb(cr, se->rgb[0], se->rgb[1], se->rgb[2]);
        cairo_set_line_width(cr, 2);
        double dash = 6;
        cairo_set_dash(cr, &dash, se->dashed ? 1 : 0, 0);
        for (size_t i = 0; i < se->n; i++)
            (i ? cairo_line_to : cairo_move_to)(cr, PX(se->x[i]), PY(se->y[i]));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        for (size_t i = 0; i < se->n && !se->dashed; i++) {
            cairo_arc(cr, PX(se->x[i]), PY(se->y[i]), 3.5, 0, 2 * PI);
            cairo_fill(cr);
        }
        const double ly = TOP + 18 + 20 * (double)s;
        cairo_move_to(cr, LEFT + 14, ly);
        cairo_line_to(cr, LEFT + 40, ly);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, LEFT + 46, ly + 4);
        cairo_show_text(cr, se->label);
    }
#undef PX
#undef PY
    cairo_destroy(cr);
    mlpt_atomic_file out;
    mlpt_error err;
    int rc = mlpt_atomic_open(&out, path, &err);
    if (rc == 0) {
        cairo_status_t st = cairo_surface_write_to_png_stream(surface, write_stream, out.f);
        if (st != CAIRO_STATUS_SUCCESS) {
            mlpt_atomic_abort(&out);
            rc = mlpt_fail(&err, "%s: cannot encode PNG: %s", path, cairo_status_to_string(st));
        } else {
            rc = mlpt_atomic_commit(&out, &err);
        }
    }
    cairo_surface_destroy(surface);
    if (rc < 0)
        snprintf(msg, msg_len, "%s", err.msg);
    return rc;
}
