/* figures.c - the pictures of a run as PNG files (see mlpt/figures.h).
 *
 * Each figure checks its arguments, measures its text to lay itself out,
 * draws into a cairo image surface with the toy font API (headless: no
 * display, only fontconfig's fonts), checks cairo's status and writes the
 * PNG through an mlpt_atomic_file. Shared pieces: a canvas (create, save),
 * text anchored at a point, an image tile, axes with ticks, a chart of
 * lines, points or bars with its legend. */
#include "mlpt/figures.h"
#include "mlpt/model.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846; /* M_PI is not C11 */

static const char FONT[] = "sans-serif";

/* Figures larger than this on a side are refused (cairo's limit is 32767). */
enum { MAX_SIDE = 16384 };

/* Images are scaled by a whole factor to about this many pixels. */
enum { TILE_PX = 112 };

/* ---- colours ---- */

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb WHITE = {1, 1, 1}, INK = {0.13, 0.13, 0.13}, GRID = {0.88, 0.88, 0.88},
                 TILE_FRAME = {0.6, 0.6, 0.6}, BAR_GREY = {0.55, 0.55, 0.55},
                 RIGHT_BLUE = {0.1, 0.3, 0.86}, WRONG_RED = {0.86, 0.08, 0.08},
                 CELL_DARK = {0.03, 0.19, 0.42};

static void set_colour(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* ---- canvas: an image surface, its context, and the PNG written atomically ---- */

typedef struct canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
} canvas;

static void canvas_close(canvas *c)
{
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
    c->cr = NULL;
    c->surface = NULL;
}

/* A white w x h canvas with the sans-serif font selected. A 1 x 1 canvas
 * serves to measure text before the layout is known. */
static int canvas_open(canvas *c, double w, double h, const char *path, mlpt_error *err)
{
    c->surface = NULL;
    c->cr = NULL;
    if (!(w >= 1 && h >= 1 && w <= MAX_SIDE && h <= MAX_SIDE))
        return mlpt_fail(err, "%s: the figure would be %.0f x %.0f px, more than %d on a side",
                         path, w, h, MAX_SIDE);
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w), (int)ceil(h));
    c->cr = cairo_create(c->surface);
    cairo_status_t st = cairo_status(c->cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        canvas_close(c);
        return mlpt_fail(err, "%s: cannot create a %.0f x %.0f px image: %s", path, ceil(w),
                         ceil(h), cairo_status_to_string(st));
    }
    set_colour(c->cr, WHITE);
    cairo_paint(c->cr);
    cairo_select_font_face(c->cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_line_width(c->cr, 1);
    return 0;
}

typedef struct png_sink {
    FILE *f;
    int error; /* errno of the first failed write */
} png_sink;

static cairo_status_t write_png_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    png_sink *s = closure;
    if (fwrite(data, 1, len, s->f) == len)
        return CAIRO_STATUS_SUCCESS;
    if (!s->error)
        s->error = errno ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
}

/* Checks that drawing succeeded, writes the PNG atomically and closes the
 * canvas (whatever happens). */
static int canvas_save(canvas *c, const char *path, mlpt_error *err)
{
    cairo_status_t st = cairo_status(c->cr);
    if (st == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(c->surface);
        st = cairo_surface_status(c->surface);
    }
    int rc = -1;
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = mlpt_fail(err, "%s: cannot draw the figure: %s", path, cairo_status_to_string(st));
    } else {
        mlpt_atomic_file a;
        if (mlpt_atomic_open(&a, path, err) == 0) {
            png_sink sink = {a.f, 0};
            st = cairo_surface_write_to_png_stream(c->surface, write_png_bytes, &sink);
            if (st == CAIRO_STATUS_SUCCESS) {
                rc = mlpt_atomic_commit(&a, err);
            } else {
                mlpt_atomic_abort(&a);
                rc = mlpt_fail(err, "%s: cannot write the PNG: %s", path,
                               sink.error ? strerror(sink.error) : cairo_status_to_string(st));
            }
        }
    }
    canvas_close(c);
    return rc;
}

/* ---- text ---- */

static double text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* Height of a line of text in the current font. */
static double line_height(cairo_t *cr)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

/* Draws s in the current font and colour, anchored at (x, y): ax = 0, 0.5
 * or 1 puts its left end, middle or right end there, ay = 0, 0.5 or 1 the
 * top, middle or bottom of its line. angle turns it about the anchor
 * (radians, clockwise). */
static void text_at(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
                    double angle)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -ax * text_width(cr, s), fe.ascent - ay * (fe.ascent + fe.descent));
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    cairo_restore(cr);
}

/* s centred in the box (x, y, w, h). */
static void text_in_box(cairo_t *cr, const char *s, double x, double y, double w, double h)
{
    text_at(cr, s, x + w / 2, y + h / 2, 0.5, 0.5, 0);
}

/* The width of the widest of the n strings at the current font. */
static double widest(cairo_t *cr, const char *const *s, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, text_width(cr, s[i]));
    return w;
}

/* ---- lines on pixel boundaries ---- */

/* A 1-px line at coordinate v lands on one row or column of pixels. */
static double crisp(double v)
{
    return floor(v) + 0.5;
}

static void hline(cairo_t *cr, double from, double to, double y)
{
    cairo_move_to(cr, from, crisp(y));
    cairo_line_to(cr, to, crisp(y));
    cairo_stroke(cr);
}

static void vline(cairo_t *cr, double x, double from, double to)
{
    cairo_move_to(cr, crisp(x), from);
    cairo_line_to(cr, crisp(x), to);
    cairo_stroke(cr);
}

/* A 1-px frame around the box (x, y, w, h), just outside it. */
static void frame_box(cairo_t *cr, double x, double y, double w, double h, rgb c)
{
    set_colour(cr, c);
    cairo_rectangle(cr, floor(x) - 0.5, floor(y) - 0.5, ceil(w) + 1, ceil(h) + 1);
    cairo_stroke(cr);
}

/* ---- image tiles ---- */

/* How samples of a dataset are drawn: channels planes (1 grey, 3 red,
 * green, blue) of h x w bytes, scaled by `scale`. */
typedef struct tile_shape {
    size_t channels, h, w;
    int scale;
} tile_shape;

static double tile_w(const tile_shape *t)
{
    return (double)t->w * t->scale;
}

static double tile_h(const tile_shape *t)
{
    return (double)t->h * t->scale;
}

/* Draws the sample at px with its top left at (x, y): grey as dark strokes
 * on white (255 - v), colour as it is, each pixel a scale x scale square,
 * in a thin frame. A failure to allocate puts cr in an error state, found
 * by canvas_save. */
/* Value f of sample id as a grey or colour level: a byte as it is; a float
 * divided by the data's scale is taken to lie in [0, 1]. */
static uint32_t level(const mlpt_samples *d, uint32_t id, size_t f)
{
    const size_t at = (size_t)id * d->features + f;
    if (d->bytes)
        return d->bytes[at];
    const double v = 255.0 * d->floats[at] / d->scale;
    return v > 0 ? v < 255 ? (uint32_t)lround(v) : 255u : 0u;
}

static void draw_tile(cairo_t *cr, const tile_shape *t, const mlpt_samples *d, uint32_t id,
                      double x, double y)
{
    cairo_surface_t *img =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)t->w, (int)t->h);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(img);
        unsigned char *data = cairo_image_surface_get_data(img);
        int stride = cairo_image_surface_get_stride(img);
        for (size_t r = 0; r < t->h; r++) {
            uint32_t *row = (uint32_t *)(void *)(data + r * (size_t)stride);
            for (size_t c = 0; c < t->w; c++) {
                const size_t i = r * t->w + c, plane = t->h * t->w;
                uint32_t red = 255u - level(d, id, i), green = red, blue = red;
                if (t->channels == 3) {
                    red = level(d, id, i);
                    green = level(d, id, plane + i);
                    blue = level(d, id, 2 * plane + i);
                }
                row[c] = 0xFF000000u | red << 16 | green << 8 | blue;
            }
        }
        cairo_surface_mark_dirty(img);
    }
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, t->scale, t->scale);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, (double)t->w, (double)t->h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    frame_box(cr, x, y, tile_w(t), tile_h(t), TILE_FRAME);
}


/* A class count of at least one, each class with a name. */
static int check_classes(const char *path, int n_classes, mlpt_class_names names,
                         mlpt_error *err)
{
    if (n_classes < 1)
        return mlpt_fail(err, "%s: the class count is %d, not at least 1", path, n_classes);
    if (!names)
        return mlpt_fail(err, "%s: no class names (NULL)", path);
    for (int c = 0; c < n_classes; c++)
        if (!names[c])
            return mlpt_fail(err, "%s: class %d has no name (NULL)", path, c);
    return 0;
}

/* The tile that draws d's samples, or -1 with why they are not pictures. */
static int image_tile(const mlpt_samples *d, tile_shape *t, mlpt_error *why)
{
    const int r = d->rank;
    const size_t *dims = d->dims;
    const bool planes = r == 3 && (dims[0] == 1 || dims[0] == 3);
    if (r == 2 || planes) {
        *t = (tile_shape){.channels = planes ? dims[0] : 1, .h = dims[r - 2], .w = dims[r - 1]};
        const size_t side = t->h > t->w ? t->h : t->w;
        t->scale = side >= TILE_PX ? 1 : (int)lround((double)TILE_PX / (double)side);
        if (t->h >= 1 && t->w >= 1 && side <= MAX_SIDE &&
            t->channels * t->h * t->w == d->features)
            return 0;
    }
    char shape[8 * 24];
    mlpt_shape_text(dims, r, shape, sizeof shape);
    return mlpt_fail(why, "samples of shape %s (%zu values) are not pictures: those are HxW, "
                     "or CxHxW with 1 or 3 channels, at most %d on a side", shape, d->features,
                     MAX_SIDE);
}

int mlpt_figure_pictures(const mlpt_samples *d, mlpt_error *why)
{
    tile_shape t;
    if (!d)
        return mlpt_fail(why, "no dataset (NULL)");
    return image_tile(d, &t, why);
}

/* Checks what the image figures share: the dataset holds pictures, every id
 * is a sample, every label of those a class below n_classes, and every
 * class has a name. Fills *t. */
static int check_images(const char *path, const mlpt_samples *d, const uint32_t *ids, size_t n,
                        int n_classes, mlpt_class_names names, tile_shape *t, mlpt_error *err)
{
    if (!d || !(d->bytes || d->floats) || !d->labels)
        return mlpt_fail(err, "%s: no dataset (NULL)", path);
    if (!ids)
        return mlpt_fail(err, "%s: no sample ids (NULL)", path);
    if (n == 0)
        return mlpt_fail(err, "%s: no images to show (n = 0)", path);
    if (check_classes(path, n_classes, names, err) < 0)
        return -1;
    mlpt_error why;
    if (image_tile(d, t, &why) < 0)
        return mlpt_fail(err, "%s: %s", path, why.msg);
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= d->n)
            return mlpt_fail(err, "%s: sample id %u (entry %zu) is not below the sample count "
                             "%zu", path, ids[i], i, d->n);
        if (d->labels[ids[i]] >= n_classes)
            return mlpt_fail(err, "%s: the label of sample %u is %u, not below the class count "
                             "%d", path, ids[i], d->labels[ids[i]], n_classes);
    }
    return 0;
}

/* ---- axes: a plot area showing a data range, with ticks ---- */

typedef struct axes {
    double x, y, w, h;           /* the plot area, px */
    double xlo, xhi, ylo, yhi;   /* the data range it shows */
} axes;

static double px_x(const axes *a, double v)
{
    return a->x + (v - a->xlo) / (a->xhi - a->xlo) * a->w;
}

static double px_y(const axes *a, double v)
{
    return a->y + a->h - (v - a->ylo) / (a->yhi - a->ylo) * a->h;
}

/* A round step (1, 2 or 5 times a power of ten) giving about `target`
 * ticks over span > 0. */
static double nice_step(double span, double target)
{
    double raw = span / target, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Ticks are the multiples k * step inside [lo, hi], k in [*k0, *k1]. */
static void tick_span(double lo, double hi, double step, long *k0, long *k1)
{
    *k0 = (long)ceil(lo / step - 1e-9);
    *k1 = (long)floor(hi / step + 1e-9);
}

static void tick_label(char *buf, size_t len, long k, double step)
{
    snprintf(buf, len, "%g", k == 0 ? 0.0 : (double)k * step);
}

/* The widest tick label of [lo, hi] at step in the current font. */
static double ticks_width(cairo_t *cr, double lo, double hi, double step)
{
    long k0, k1;
    tick_span(lo, hi, step, &k0, &k1);
    double w = 0;
    char buf[32];
    for (long k = k0; k <= k1; k++) {
        tick_label(buf, sizeof buf, k, step);
        w = fmax(w, text_width(cr, buf));
    }
    return w;
}

/* Tick marks and labels (current font) along the x axis (y_axis = 0, below
 * the area) or the y axis (1, left of it) at the multiples of step, with
 * grid lines across the area when `grid`. */
static void draw_ticks(cairo_t *cr, const axes *a, int y_axis, double step, int grid)
{
    long k0, k1;
    tick_span(y_axis ? a->ylo : a->xlo, y_axis ? a->yhi : a->xhi, step, &k0, &k1);
    char buf[32];
    for (long k = k0; k <= k1; k++) {
        double v = (double)k * step;
        tick_label(buf, sizeof buf, k, step);
        if (y_axis) {
            double p = px_y(a, v);
            if (grid) {
                set_colour(cr, GRID);
                hline(cr, a->x, a->x + a->w, p);
            }
            set_colour(cr, INK);
            hline(cr, a->x - 4, a->x, p);
            text_at(cr, buf, a->x - 6, p, 1, 0.5, 0);
        } else {
            double p = px_x(a, v);
            if (grid) {
                set_colour(cr, GRID);
                vline(cr, p, a->y, a->y + a->h);
            }
            set_colour(cr, INK);
            vline(cr, p, a->y + a->h, a->y + a->h + 4);
            text_at(cr, buf, p, a->y + a->h + 5, 0.5, 0, 0);
        }
    }
}

/* ---- charts: lines, points or bars on axes (mlpt_figure_lines, the
 * curves and the task figures) ---- */

/* How a chart draws its solid series; a dashed series is always a line (a
 * reference: chance, y = x, zero). */
typedef enum chart_marks { MARKS_LINES, MARKS_POINTS, MARKS_BARS } chart_marks;

typedef struct chart {
    const char *title, *xlabel, *ylabel;
    const mlpt_series *series;
    size_t n_series;
    int x_from_zero, y_from_zero; /* the axis starts at zero (else at the data) */
    chart_marks marks;
    double bar_w;         /* bars: a bar's width in x units, centred on its x */
    const double *limits; /* {xlo, xhi, ylo, yhi} shown as they are; NULL: from the data */
    /* x ticks that are names, xnames[k] at x = k (k < n_xnames); NULL: numbers */
    mlpt_class_names xnames;
    size_t n_xnames;
    int square; /* a square plot area: with equal limits, y = x runs at 45 degrees */
} chart;

enum { CHART_TITLE_PX = 15, CHART_LABEL_PX = 13, CHART_TICK_PX = 12 };

/* Whether a data value can be drawn: NaN and infinities (a missing or
 * diverged value) break a line; values too large to scale are left out. */
static int drawable(double v)
{
    return isfinite(v) && fabs(v) < 1e150;
}

static int point_drawable(const mlpt_series *s, size_t i)
{
    return drawable(s->x[i]) && drawable(s->y[i]);
}

/* Whether a series is drawn as a line (else as points or bars). */
static int joined(const chart *c, const mlpt_series *s)
{
    return s->dashed || c->marks == MARKS_LINES;
}

/* The range of the drawable x (or y) values of all series, bars with
 * their width; lo > hi if none. */
static void data_range(const chart *c, int y, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t s = 0; s < c->n_series; s++) {
        const mlpt_series *se = &c->series[s];
        const double half = !y && c->marks == MARKS_BARS && !se->dashed ? c->bar_w / 2 : 0;
        for (size_t i = 0; i < se->n; i++) {
            double v = y ? se->y[i] : se->x[i];
            if (drawable(v)) {
                *lo = fmin(*lo, v - half);
                *hi = fmax(*hi, v + half);
            }
        }
    }
}

/* Whether every drawable x (or y) value is a whole number (a count:
 * epochs, threads, rows in a bin). */
static int axis_is_count(const chart *c, int y)
{
    for (size_t s = 0; s < c->n_series; s++)
        for (size_t i = 0; i < c->series[s].n; i++) {
            double v = y ? c->series[s].y[i] : c->series[s].x[i];
            if (drawable(v) && (v != floor(v) || fabs(v) > 1e15))
                return 0;
        }
    return 1;
}

/* An axis over the data [lo, hi] (lo > hi: no data), from zero when asked,
 * with a small margin, and its tick step (whole when `count`). */
static void axis_range(double lo, double hi, int from_zero, int count, double *rlo, double *rhi,
                       double *step)
{
    if (!(lo <= hi)) {
        lo = 0;
        hi = 1;
    }
    if (from_zero) {
        lo = fmin(lo, 0);
        hi = fmax(hi, 0);
    }
    double span = hi - lo;
    if (!(span > 1e-12 * fmax(1, fabs(hi)))) {
        span = fabs(hi) > 0 ? fabs(hi) * 0.2 : 1;
        hi += span / 2;
        if (!(from_zero && lo == 0))
            lo -= span / 2;
        span = hi - lo;
    }
    *step = nice_step(span, 5);
    if (count)
        *step = fmax(*step, 1);
    double pad = 0.04 * span;
    *rlo = from_zero && lo == 0 ? 0 : lo - pad;
    *rhi = from_zero && hi == 0 ? 0 : hi + pad;
}

/* What the chart shows, lim = {xlo, xhi, ylo, yhi}, and its tick steps. */
static void chart_range(const chart *c, double lim[4], double *xstep, double *ystep)
{
    if (c->limits) {
        memcpy(lim, c->limits, 4 * sizeof *lim);
        *xstep = nice_step(lim[1] - lim[0], 5);
        *ystep = nice_step(lim[3] - lim[2], 5);
        return;
    }
    double lo, hi;
    data_range(c, 0, &lo, &hi);
    axis_range(lo, hi, c->x_from_zero, axis_is_count(c, 0), &lim[0], &lim[1], xstep);
    data_range(c, 1, &lo, &hi);
    /* whole bars count something (a histogram); a line's whole values may be by chance */
    axis_range(lo, hi, c->y_from_zero, c->marks == MARKS_BARS && axis_is_count(c, 1), &lim[2],
               &lim[3], ystep);
}

/* Marker radius for a line over w px: smaller when points crowd, none
 * (0) when dashed or too crowded. */
static double marker_radius(const mlpt_series *s, double w)
{
    if (s->dashed || s->n == 0)
        return 0;
    double r = fmin(3.5, w / (double)(s->n > 1 ? s->n - 1 : 1) / 4);
    return r >= 1.5 ? r : 0;
}

/* Points alone (a scatter) are smaller and fainter the more there are, so
 * that where thousands crowd the colour deepens instead of filling in. */
static double points_radius(size_t n)
{
    return n <= 200 ? 3 : n <= 2000 ? 2.2 : 1.6;
}

static double points_alpha(size_t n)
{
    return fmin(0.85, fmax(0.12, sqrt(300.0 / (double)(n ? n : 1))));
}

/* The pen of a series: its colour, 2 px, dashed or solid. */
static void set_pen(cairo_t *cr, const mlpt_series *s)
{
    static const double dash = 6;
    cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
    cairo_set_line_width(cr, 2);
    cairo_set_dash(cr, &dash, s->dashed ? 1 : 0, 0);
}

static void reset_pen(cairo_t *cr)
{
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1);
}

static void marker(cairo_t *cr, double x, double y, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * PI);
    cairo_fill(cr);
}

/* The line (and markers) of one series; undrawable points break the line. */
static void draw_line(cairo_t *cr, const axes *a, const mlpt_series *s)
{
    set_pen(cr, s);
    int pen_down = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!point_drawable(s, i)) {
            pen_down = 0;
            continue;
        }
        (pen_down ? cairo_line_to : cairo_move_to)(cr, px_x(a, s->x[i]), px_y(a, s->y[i]));
        pen_down = 1;
    }
    cairo_stroke(cr);
    double r = marker_radius(s, a->w);
    for (size_t i = 0; r > 0 && i < s->n; i++)
        if (point_drawable(s, i))
            marker(cr, px_x(a, s->x[i]), px_y(a, s->y[i]), r);
    reset_pen(cr);
}

static void draw_points(cairo_t *cr, const axes *a, const mlpt_series *s)
{
    const double r = points_radius(s->n);
    cairo_set_source_rgba(cr, s->rgb[0], s->rgb[1], s->rgb[2], points_alpha(s->n));
    for (size_t i = 0; i < s->n; i++)
        if (point_drawable(s, i))
            marker(cr, px_x(a, s->x[i]), px_y(a, s->y[i]), r);
}

/* Bars from zero (or the axis's end nearer it) to each y, w wide, a pixel
 * apart. */
static void draw_bar_series(cairo_t *cr, const axes *a, const mlpt_series *s, double w)
{
    cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
    const double base = px_y(a, fmin(fmax(0, a->ylo), a->yhi));
    for (size_t i = 0; i < s->n; i++) {
        if (!point_drawable(s, i))
            continue;
        const double x0 = px_x(a, s->x[i] - w / 2), x1 = px_x(a, s->x[i] + w / 2);
        const double top = px_y(a, s->y[i]);
        cairo_rectangle(cr, x0, fmin(top, base), fmax(x1 - x0 - 1, 1), fabs(base - top));
        cairo_fill(cr);
    }
}

static void draw_series(cairo_t *cr, const axes *a, const chart *c, const mlpt_series *s)
{
    if (joined(c, s))
        draw_line(cr, a, s);
    else if (c->marks == MARKS_POINTS)
        draw_points(cr, a, s);
    else
        draw_bar_series(cr, a, s, c->bar_w);
}

/* How many data points and line samples of the chart fall in the box:
 * the legend goes where this is smallest. */
static size_t points_in_box(const axes *a, const chart *c, double x, double y, double w,
                            double h)
{
    size_t hits = 0;
    for (size_t s = 0; s < c->n_series; s++) {
        const mlpt_series *se = &c->series[s];
        for (size_t i = 0; i < se->n; i++) {
            if (!point_drawable(se, i))
                continue;
            double px = px_x(a, se->x[i]), py = px_y(a, se->y[i]);
            int has_next = joined(c, se) && i + 1 < se->n && point_drawable(se, i + 1);
            double nx = has_next ? px_x(a, se->x[i + 1]) : px;
            double ny = has_next ? px_y(a, se->y[i + 1]) : py;
            for (int k = 0; k < (has_next ? 16 : 1); k++) {
                double qx = px + (nx - px) * k / 16.0, qy = py + (ny - py) * k / 16.0;
                hits += qx >= x - 4 && qx <= x + w + 4 && qy >= y - 4 && qy <= y + h + 4;
            }
        }
    }
    return hits;
}

/* ---- legends ---- */

/* At most ten series and a reference line: past ten, output colours repeat. */
enum { LEGEND_PAD = 8, LEGEND_SAMPLE = 28, LEGEND_ROW = 18, LEGEND_INSET = 8,
       LEGEND_MAX_ROWS = 11 };

/* The legend's entries (series with a label: one with an empty label
 * shares the entry before it) and its width at the tick font; 0 entries: none. */
static size_t legend_entries(cairo_t *cr, const chart *c, double *w)
{
    cairo_set_font_size(cr, CHART_TICK_PX);
    double tw = 0;
    size_t rows = 0;
    for (size_t s = 0; s < c->n_series; s++) {
        tw = fmax(tw, text_width(cr, c->series[s].label));
        rows += c->series[s].label[0] != '\0';
    }
    *w = LEGEND_PAD + LEGEND_SAMPLE + 6 + tw + LEGEND_PAD;
    return rows;
}

/* What a series looks like, at (x, y) in the legend. */
static void legend_sample(cairo_t *cr, const chart *c, const mlpt_series *s, double x, double y,
                          double plot_w)
{
    if (joined(c, s)) {
        set_pen(cr, s);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + LEGEND_SAMPLE, y);
        cairo_stroke(cr);
        double r = marker_radius(s, plot_w);
        if (r > 0)
            marker(cr, x + LEGEND_SAMPLE / 2.0, y, r);
        reset_pen(cr);
    } else {
        cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
        if (c->marks == MARKS_POINTS)
            marker(cr, x + LEGEND_SAMPLE / 2.0, y, 3.5);
        else
            cairo_rectangle(cr, x + LEGEND_SAMPLE / 2.0 - 6, y - 6, 12, 12);
        cairo_fill(cr);
    }
}

/* A legend (a sample of each series and its label): right of the plot
 * area for bars (which leave no corner free), else in the corner of the
 * plot area that hides the least data. Entries past LEGEND_MAX_ROWS or
 * the plot's height end in "and N more". */
static void draw_legend(cairo_t *cr, const axes *a, const chart *c)
{
    double w;
    const size_t entries = legend_entries(cr, c, &w);
    if (entries == 0)
        return;
    const size_t fit = (size_t)fmin(
        LEGEND_MAX_ROWS, fmax(1, (a->h - 2 * LEGEND_INSET - 2 * LEGEND_PAD + 4) / LEGEND_ROW));
    const size_t rows = entries <= fit ? entries : fit, shown = entries <= fit ? rows : rows - 1;
    const double h = LEGEND_PAD + LEGEND_ROW * (double)rows + LEGEND_PAD - 4;
    double best_x = a->x + a->w + 16, best_y = a->y;
    if (c->marks != MARKS_BARS) {
        size_t best = (size_t)-1;
        /* corners: top left, top right, bottom right, bottom left */
        for (int corner = 0; corner < 4; corner++) {
            double x = corner == 1 || corner == 2 ? a->x + a->w - LEGEND_INSET - w
                                                  : a->x + LEGEND_INSET;
            double y = corner >= 2 ? a->y + a->h - LEGEND_INSET - h : a->y + LEGEND_INSET;
            size_t hits = points_in_box(a, c, x, y, w, h);
            if (hits < best) {
                best = hits;
                best_x = x;
                best_y = y;
            }
        }
    }
    best_x = floor(best_x);
    best_y = floor(best_y);
    cairo_rectangle(cr, best_x + 0.5, best_y + 0.5, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill_preserve(cr);
    set_colour(cr, GRID);
    cairo_stroke(cr);
    size_t entry = 0;
    for (size_t s = 0; s < c->n_series && entry < shown; s++) {
        const mlpt_series *se = &c->series[s];
        if (se->label[0] == '\0')
            continue;
        double y = best_y + LEGEND_PAD + LEGEND_ROW * (double)entry++ + (LEGEND_ROW - 4) / 2.0;
        double x = best_x + LEGEND_PAD;
        legend_sample(cr, c, se, x, y, a->w);
        set_colour(cr, INK);
        text_at(cr, se->label, x + LEGEND_SAMPLE + 6, y, 0, 0.5, 0);
    }
    if (shown < entries) {
        char more[48];
        snprintf(more, sizeof more, "and %zu more", entries - shown);
        set_colour(cr, INK);
        text_at(cr, more, best_x + LEGEND_PAD + LEGEND_SAMPLE + 6,
                best_y + LEGEND_PAD + LEGEND_ROW * (double)shown + (LEGEND_ROW - 4) / 2.0, 0,
                0.5, 0);
    }
}

/* ---- named x ticks ---- */

enum { NAME_CHARS = 18 }; /* longer names are cut, with an ellipsis */

/* s, or its first NAME_CHARS - 1 characters (UTF-8) and an ellipsis in buf. */
static const char *short_name(const char *s, char *buf, size_t len)
{
    size_t chars = 0, cut = 0;
    for (size_t i = 0; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) { /* a character starts here */
            if (chars == NAME_CHARS - 1)
                cut = i;
            chars++;
        }
    if (chars <= NAME_CHARS)
        return s;
    snprintf(buf, len, "%.*s\xE2\x80\xA6", (int)cut, s);
    return buf;
}

/* The width of the widest (shortened) x name, at the current font. */
static double xnames_width(cairo_t *cr, const chart *c)
{
    char buf[4 * NAME_CHARS + 4];
    double w = 0;
    for (size_t k = 0; k < c->n_xnames; k++)
        w = fmax(w, text_width(cr, short_name(c->xnames[k], buf, sizeof buf)));
    return w;
}

/* The x names under their ticks, level or (`turn`) at 45 degrees, hanging
 * down and to the left of their tick. */
static void draw_xnames(cairo_t *cr, const axes *a, const chart *c, int turn)
{
    char buf[4 * NAME_CHARS + 4];
    set_colour(cr, INK);
    for (size_t k = 0; k < c->n_xnames; k++) {
        const double p = px_x(a, (double)k);
        const char *name = short_name(c->xnames[k], buf, sizeof buf);
        vline(cr, p, a->y + a->h, a->y + a->h + 4);
        if (turn)
            text_at(cr, name, p + 4, a->y + a->h + 8, 1, 0.5, -PI / 4);
        else
            text_at(cr, name, p, a->y + a->h + 5, 0.5, 0, 0);
    }
}

/* Draws the chart c into the box (x, y, w, h): title, axes, grid, ticks,
 * axis labels, series and legend. Returns the plot area, for what a figure
 * adds on top. */
static axes draw_chart(cairo_t *cr, const chart *c, double x, double y, double w, double h)
{
    double lim[4], xstep, ystep;
    chart_range(c, lim, &xstep, &ystep);

    cairo_set_font_size(cr, CHART_TICK_PX);
    const double tick_h = line_height(cr), c45 = sqrt(0.5);
    double left = 10 + CHART_LABEL_PX * 1.4 + 10 + ticks_width(cr, lim[2], lim[3], ystep) + 6;
    const double top = 16 + CHART_TITLE_PX * 1.4 + 8;
    double right = 24, legend_w;
    if (c->marks == MARKS_BARS && legend_entries(cr, c, &legend_w) > 0)
        right = 16 + legend_w + 16;
    double xticks_h = tick_h;
    int turn = 0;
    if (c->xnames) {
        const double name_w = xnames_width(cr, c);
        const double slot = (w - left - right) / (lim[1] - lim[0]); /* px per x unit */
        turn = name_w > slot - 6;
        if (turn) {
            xticks_h = ceil((name_w + tick_h) * c45) + 4;
            /* the first name hangs left of its tick, which is -xlo slots in */
            left = fmax(left, (name_w + tick_h) * c45 + 8 + lim[0] * slot);
        }
    }
    const double bottom = 5 + xticks_h + 8 + CHART_LABEL_PX * 1.4 + 8;
    axes a = {floor(x + left), floor(y + top), floor(w - left - right),
              floor(h - top - bottom), lim[0], lim[1], lim[2], lim[3]};
    if (c->square)
        a.w = a.h = fmin(a.w, a.h);

    cairo_set_font_size(cr, CHART_TICK_PX);
    draw_ticks(cr, &a, 1, ystep, 1);
    if (c->xnames)
        draw_xnames(cr, &a, c, turn);
    else
        draw_ticks(cr, &a, 0, xstep, 1);
    frame_box(cr, a.x, a.y, a.w, a.h, INK);

    set_colour(cr, INK);
    cairo_set_font_size(cr, CHART_TITLE_PX);
    text_at(cr, c->title, a.x + a.w / 2, y + 16, 0.5, 0, 0);
    cairo_set_font_size(cr, CHART_LABEL_PX);
    text_at(cr, c->xlabel, a.x + a.w / 2, a.y + a.h + 5 + xticks_h + 8, 0.5, 0, 0);
    text_at(cr, c->ylabel, x + 10, a.y + a.h / 2, 0.5, 0, -PI / 2);

    cairo_save(cr);
    cairo_rectangle(cr, a.x - 6, a.y - 6, a.w + 12, a.h + 12); /* markers may pass the frame */
    cairo_clip(cr);
    for (size_t s = 0; s < c->n_series; s++)
        draw_series(cr, &a, c, &c->series[s]);
    cairo_restore(cr);
    draw_legend(cr, &a, c);
    return a;
}

int mlpt_figure_lines(const char *path, const char *title, const char *xlabel,
                      const char *ylabel, const mlpt_series *series, size_t n_series,
                      int y_from_zero, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (!title || !xlabel || !ylabel)
        return mlpt_fail(err, "%s: no %s (NULL)", path,
                         !title ? "title" : !xlabel ? "x axis label" : "y axis label");
    if (!series || n_series == 0)
        return mlpt_fail(err, "%s: no series to draw", path);
    for (size_t s = 0; s < n_series; s++)
        if (!series[s].label || (series[s].n > 0 && (!series[s].x || !series[s].y)))
            return mlpt_fail(err, "%s: series %zu has no %s (NULL)", path, s,
                             !series[s].label ? "label" : "points");
    canvas cv;
    if (canvas_open(&cv, 720, 480, path, err) < 0)
        return -1;
    const chart c = {.title = title, .xlabel = xlabel, .ylabel = ylabel, .series = series,
                     .n_series = n_series, .x_from_zero = 1, .y_from_zero = y_from_zero};
    draw_chart(cv.cr, &c, 0, 0, 720, 480);
    return canvas_save(&cv, path, err);
}

int mlpt_figure_curves(const char *path, const mlpt_metric_list *metrics,
                       const mlpt_history_row *rows, size_t n, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (!rows || n == 0)
        return mlpt_fail(err, "%s: no epochs to draw (n = 0)", path);
    const int panels = 1 + metrics->n; /* the loss, then each metric */
    double *v = malloc((1 + 2 * (size_t)panels) * n * sizeof *v);
    if (!v)
        return mlpt_fail(err, "%s: out of memory for %zu epochs", path, n);
    double *epoch = v;
    int has_val = 0;
    for (size_t i = 0; i < n; i++) {
        epoch[i] = rows[i].epoch;
        for (int k = 0; k < panels; k++) {
            double *train = v + (1 + 2 * (size_t)k) * n, *val = train + n;
            train[i] = k ? rows[i].metrics[k - 1] : rows[i].loss;
            val[i] = k ? rows[i].val_metrics[k - 1] : rows[i].val_loss;
            has_val |= !isnan(val[i]);
        }
    }
    const int cols = panels < 3 ? panels : 3, lines = (panels + cols - 1) / cols;
    const double cw = 580, ch = 440;
    canvas cv;
    int rc = canvas_open(&cv, cols * cw, lines * ch, path, err);
    for (int k = 0; rc == 0 && k < panels; k++) {
        const char *name = k ? metrics->m[k - 1].ops->name : "loss";
        char train_label[64], val_label[64], title[96];
        snprintf(train_label, sizeof train_label, "Training %s", name);
        snprintf(val_label, sizeof val_label, "Validation %s", name);
        snprintf(title, sizeof title, "%s %s", has_val ? "Training and validation" : "Training",
                 name);
        const mlpt_series series[2] = {
            {train_label, epoch, v + (1 + 2 * (size_t)k) * n, n, {0.12, 0.47, 0.71}, 0},
            {val_label, epoch, v + (2 + 2 * (size_t)k) * n, n, {0.85, 0.37, 0.0}, 1},
        };
        /* losses and errors from zero; scores that differ in the third digit from the data */
        const int from_zero = !k || !metrics->m[k - 1].ops->higher_is_better;
        const chart c = {.title = title, .xlabel = "Epochs", .ylabel = name, .series = series,
                         .n_series = has_val ? 2u : 1u, .y_from_zero = from_zero};
        draw_chart(cv.cr, &c, (k % cols) * cw, (k / cols) * ch, cw, ch);
    }
    if (rc == 0)
        rc = canvas_save(&cv, path, err);
    free(v);
    return rc;
}

/* ---- samples ---- */

/* Columns for a grid of n as square as n allows (9 -> 3, 10 -> 4). */
static size_t grid_cols(size_t n)
{
    size_t c = (size_t)ceil(sqrt((double)n));
    while (c > 1 && (c - 1) * (c - 1) >= n)
        c--;
    while (c * c < n)
        c++;
    return c;
}

int mlpt_figure_samples(const char *path, const mlpt_samples *d, const uint32_t *ids, size_t n,
                        mlpt_class_names names, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    tile_shape t;
    if (check_images(path, d, ids, n, d ? d->n_classes : 0, names, &t, err) < 0)
        return -1;
    enum { CAPTION_PX = 13, MARGIN = 16, GAP = 14 };
    canvas cv;
    if (canvas_open(&cv, 1, 1, path, err) < 0)
        return -1;
    cairo_set_font_size(cv.cr, CAPTION_PX);
    double cell_w = tile_w(&t), cap_h = ceil(line_height(cv.cr)) + 6;
    for (size_t i = 0; i < n; i++)
        cell_w = fmax(cell_w, ceil(text_width(cv.cr, names[d->labels[ids[i]]])) + 8);
    canvas_close(&cv);

    const size_t cols = grid_cols(n), rows = (n + cols - 1) / cols;
    const double cell_h = cap_h + tile_h(&t);
    const double W = 2 * MARGIN + (double)cols * cell_w + (double)(cols - 1) * GAP;
    const double H = 2 * MARGIN + (double)rows * cell_h + (double)(rows - 1) * GAP;
    if (canvas_open(&cv, W, H, path, err) < 0)
        return -1;
    cairo_set_font_size(cv.cr, CAPTION_PX);
    for (size_t i = 0; i < n; i++) {
        double x = MARGIN + (double)(i % cols) * (cell_w + GAP);
        double y = MARGIN + (double)(i / cols) * (cell_h + GAP);
        set_colour(cv.cr, INK);
        text_in_box(cv.cr, names[d->labels[ids[i]]], x, y, cell_w, cap_h - 4);
        draw_tile(cv.cr, &t, d, ids[i], floor(x + (cell_w - tile_w(&t)) / 2),
                  y + cap_h);
    }
    return canvas_save(&cv, path, err);
}

/* ---- predictions ---- */

/* Bars of the probabilities p[0..n) on [0, 1] in the area a, grey but the
 * predicted (red) and the true (blue) class; class indices below, labelled
 * as often as they fit. */
static void draw_bars(cairo_t *cr, const axes *a, const float *p, int n, int truth, int pred)
{
    const double slot = a->w / n;
    char buf[16];
    snprintf(buf, sizeof buf, "%d", n - 1);
    double every = ceil((text_width(cr, buf) + 4) / slot);
    draw_ticks(cr, a, 1, 0.5, 1);
    for (int c = 0; c < n; c++) {
        double v = fmin(1, fmax(0, (double)p[c]));
        double x0 = px_x(a, c - 0.35), x1 = px_x(a, c + 0.35), top = px_y(a, v);
        set_colour(cr, c == truth ? RIGHT_BLUE : c == pred ? WRONG_RED : BAR_GREY);
        cairo_rectangle(cr, x0, top, fmax(x1 - x0, 1), a->y + a->h - top);
        cairo_fill(cr);
    }
    draw_ticks(cr, a, 0, every, 0);
    frame_box(cr, a->x, a->y, a->w, a->h, INK);
}

static void prediction_caption(char *buf, size_t len, const float *p, int pred, int truth,
                               mlpt_class_names names)
{
    snprintf(buf, len, "pred: %s %ld%% (true: %s)", names[pred], lround(100.0 * p[pred]),
             names[truth]);
}

int mlpt_figure_predictions(const char *path, const char *title, const mlpt_samples *d,
                            const float *probs, int n_classes, const uint32_t *ids, size_t n,
                            mlpt_class_names names, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (!title)
        return mlpt_fail(err, "%s: no title (NULL)", path);
    tile_shape t;
    if (check_images(path, d, ids, n, n_classes, names, &t, err) < 0)
        return -1;
    if (!probs)
        return mlpt_fail(err, "%s: no probabilities (NULL)", path);
    for (size_t i = 0; i < n; i++) {
        const float *p = probs + (size_t)ids[i] * (size_t)n_classes;
        for (int c = 0; c < n_classes; c++)
            if (!(p[c] >= 0 && p[c] <= 1.001f)) /* softmax may round a little over 1 */
                return mlpt_fail(err, "%s: the probability of class %d for sample %u is %g, "
                                 "not in [0, 1]", path, c, ids[i], (double)p[c]);
    }
    enum { TITLE_PX = 16, CAPTION_PX = 12, TICK_PX = 10, MARGIN = 16, PAIR_GAP = 48,
           ROW_GAP = 22, PER_ROW = 3 };
    char caption[512];
    canvas cv;
    if (canvas_open(&cv, 1, 1, path, err) < 0)
        return -1;
    cairo_set_font_size(cv.cr, TITLE_PX);
    const double title_w = text_width(cv.cr, title), title_h = ceil(line_height(cv.cr)) + 16;
    cairo_set_font_size(cv.cr, CAPTION_PX);
    const double cap_h = ceil(line_height(cv.cr)) + 8;
    double image_w = tile_w(&t);
    for (size_t i = 0; i < n; i++) {
        const float *p = probs + (size_t)ids[i] * (size_t)n_classes;
        prediction_caption(caption, sizeof caption, p, (int)mlpt_argmax(p, (size_t)n_classes),
                           d->labels[ids[i]], names);
        image_w = fmax(image_w, ceil(text_width(cv.cr, caption)) + 8);
    }
    cairo_set_font_size(cv.cr, TICK_PX);
    const double ytick_w = ceil(text_width(cv.cr, "0.5")) + 8;
    const double xtick_h = ceil(line_height(cv.cr)) + 6;
    canvas_close(&cv);

    const double bars_w = fmin(400, fmax(140, 16.0 * n_classes));
    const double pair_w = image_w + 10 + ytick_w + bars_w;
    const double pair_h = tile_h(&t) + fmax(cap_h, xtick_h);
    const size_t cols = n < PER_ROW ? n : PER_ROW, rows = (n + cols - 1) / cols;
    const double W = fmax(2 * MARGIN + (double)cols * pair_w + (double)(cols - 1) * PAIR_GAP,
                          title_w + 2 * MARGIN);
    const double H = MARGIN + title_h + (double)rows * pair_h + (double)(rows - 1) * ROW_GAP +
                     MARGIN;
    if (canvas_open(&cv, W, H, path, err) < 0)
        return -1;
    cairo_t *cr = cv.cr;
    set_colour(cr, INK);
    cairo_set_font_size(cr, TITLE_PX);
    text_in_box(cr, title, 0, MARGIN, W, title_h - 16);
    const double x_start = floor((W - ((double)cols * pair_w + (double)(cols - 1) * PAIR_GAP)) / 2);
    for (size_t i = 0; i < n; i++) {
        const float *p = probs + (size_t)ids[i] * (size_t)n_classes;
        const int truth = d->labels[ids[i]], pred = (int)mlpt_argmax(p, (size_t)n_classes);
        double x = x_start + (double)(i % cols) * (pair_w + PAIR_GAP);
        double y = MARGIN + title_h + (double)(i / cols) * (pair_h + ROW_GAP);
        draw_tile(cr, &t, d, ids[i], floor(x + (image_w - tile_w(&t)) / 2), y);
        cairo_set_font_size(cr, CAPTION_PX);
        set_colour(cr, pred == truth ? RIGHT_BLUE : WRONG_RED);
        prediction_caption(caption, sizeof caption, p, pred, truth, names);
        text_in_box(cr, caption, x, y + tile_h(&t), image_w, cap_h);
        cairo_set_font_size(cr, TICK_PX);
        axes a = {floor(x + image_w + 10 + ytick_w), y, bars_w, tile_h(&t),
                  -0.5, n_classes - 0.5, 0, 1};
        draw_bars(cr, &a, p, n_classes, truth, pred);
    }
    return canvas_save(&cv, path, err);
}

/* ---- confusion matrix ---- */

int mlpt_figure_confusion(const char *path, const size_t *counts, int n_classes,
                          mlpt_class_names names, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (!counts)
        return mlpt_fail(err, "%s: no counts (NULL)", path);
    if (check_classes(path, n_classes, names, err) < 0)
        return -1;
    const size_t nc = (size_t)n_classes;
    if (nc > MAX_SIDE / 16)
        return mlpt_fail(err, "%s: %d classes are too many to draw", path, n_classes);

    enum { TITLE_PX = 16, LABEL_PX = 13, CELL_PX = 12, MARGIN = 16 };
    const char *title = "Confusion matrix", *xtitle = "Predicted label", *ytitle = "True label";
    const double c45 = sqrt(0.5);
    char buf[32];
    canvas cv;
    if (canvas_open(&cv, 1, 1, path, err) < 0)
        return -1;
    cairo_t *cr = cv.cr;
    cairo_set_font_size(cr, CELL_PX);
    double count_w = 0;
    for (size_t i = 0; i < nc * nc; i++) {
        snprintf(buf, sizeof buf, "%zu", counts[i]);
        count_w = fmax(count_w, text_width(cr, buf));
    }
    const double cell = ceil(fmax(n_classes <= 20 ? 44 : 30, count_w + 10));
    const double name_w = ceil(widest(cr, names, nc)), name_h = ceil(line_height(cr));
    const int rotate = name_w > cell - 6;
    cairo_set_font_size(cr, TITLE_PX);
    const double title_w = text_width(cr, title), title_h = ceil(line_height(cr)) + 14;
    cairo_set_font_size(cr, LABEL_PX);
    const double axis_h = ceil(line_height(cr)) + 8;
    canvas_close(&cv);

    /* x labels turned 45 degrees hang down and to the left of their column */
    const double xlab_h = rotate ? ceil((name_w + name_h) * c45) + 10 : name_h + 10;
    const double overhang = rotate ? name_w * c45 - cell / 2 : 0;
    const double left = MARGIN + fmax(axis_h + name_w + 8, overhang);
    const double mat = cell * (double)nc;
    const double W = fmax(left + mat + MARGIN + 8, title_w + 2 * MARGIN);
    const double H = MARGIN + title_h + mat + xlab_h + axis_h + MARGIN;
    if (canvas_open(&cv, W, H, path, err) < 0)
        return -1;
    cr = cv.cr;
    const double mx = floor(left), my = MARGIN + title_h;

    set_colour(cr, INK);
    cairo_set_font_size(cr, TITLE_PX);
    text_in_box(cr, title, mx, MARGIN, mat, title_h - 14);
    cairo_set_font_size(cr, CELL_PX);
    for (size_t tr = 0; tr < nc; tr++) {
        size_t total = 0;
        for (size_t pr = 0; pr < nc; pr++)
            total += counts[tr * nc + pr];
        for (size_t pr = 0; pr < nc; pr++) {
            size_t k = counts[tr * nc + pr];
            double f = total ? (double)k / (double)total : 0;
            double x = mx + (double)pr * cell, y = my + (double)tr * cell;
            rgb shade = {1 + f * (CELL_DARK.r - 1), 1 + f * (CELL_DARK.g - 1),
                         1 + f * (CELL_DARK.b - 1)};
            set_colour(cr, shade);
            cairo_rectangle(cr, x, y, cell, cell);
            cairo_fill(cr);
            set_colour(cr, f > 0.5 ? WHITE : INK);
            snprintf(buf, sizeof buf, "%zu", k);
            text_in_box(cr, buf, x, y, cell, cell);
        }
    }
    set_colour(cr, GRID);
    for (size_t k = 1; k < nc; k++) {
        hline(cr, mx, mx + mat, my + (double)k * cell);
        vline(cr, mx + (double)k * cell, my, my + mat);
    }
    frame_box(cr, mx, my, mat, mat, INK);

    set_colour(cr, INK);
    for (size_t k = 0; k < nc; k++) {
        double centre = (double)k * cell + cell / 2;
        text_at(cr, names[k], mx - 8, my + centre, 1, 0.5, 0);
        if (rotate)
            text_at(cr, names[k], mx + centre + 4, my + mat + 6, 1, 0.5, -PI / 4);
        else
            text_at(cr, names[k], mx + centre, my + mat + 6, 0.5, 0, 0);
    }
    cairo_set_font_size(cr, LABEL_PX);
    text_at(cr, xtitle, mx + mat / 2, H - MARGIN, 0.5, 1, 0);
    text_at(cr, ytitle, MARGIN, my + mat / 2, 0.5, 0, -PI / 2);
    return canvas_save(&cv, path, err);
}

/* ---- task figures: ROC, regression, labels ---- */

/* Two charts side by side, each in a panel this size. */
enum { PANEL_W = 540, PANEL_H = 520 };

static const rgb BLUE = {0.12, 0.47, 0.71}, ORANGE = {0.85, 0.37, 0.0},
                 REFERENCE = {0.45, 0.45, 0.45};

static mlpt_series series_of(const char *label, const double *x, const double *y, size_t n,
                             rgb c, int dashed)
{
    return (mlpt_series){label, x, y, n, {c.r, c.g, c.b}, dashed};
}

/* The colour of output k of a chart of many (matplotlib's tab10, around again). */
static rgb output_colour(size_t k)
{
    static const rgb tab10[10] = {
        {0.12, 0.47, 0.71}, {1.0, 0.5, 0.05},  {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
        {0.58, 0.4, 0.74},  {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.5, 0.5, 0.5},
        {0.74, 0.74, 0.13}, {0.09, 0.75, 0.81}};
    return tab10[k % 10];
}

/* A score as the console prints it (4 decimals), or "n/a: `why`". */
static void score_text(char *buf, size_t len, double v, const char *why)
{
    if (isnan(v))
        snprintf(buf, len, "n/a: %s", why);
    else
        snprintf(buf, len, "%.4f", v);
}

/* Names for `width` outputs, each there. */
static int check_names(const char *path, size_t width, mlpt_class_names names, mlpt_error *err)
{
    if (!names)
        return mlpt_fail(err, "%s: no output names (NULL)", path);
    for (size_t k = 0; k < width; k++)
        if (!names[k])
            return mlpt_fail(err, "%s: output %zu has no name (NULL)", path, k);
    return 0;
}

/* What the regression and labels figures share: n rows of `width` values
 * in two arrays (`what` names them), and a name per output. */
static int check_rows(const char *path, size_t n, size_t width, const float *out,
                      const float *truth, const char *what, mlpt_class_names names,
                      mlpt_error *err)
{
    if (!out || !truth)
        return mlpt_fail(err, "%s: no %s (NULL)", path, !out ? what : "truths");
    if (n == 0)
        return mlpt_fail(err, "%s: no rows to draw (n = 0)", path);
    if (width == 0 || width > MAX_SIDE || n > SIZE_MAX / 4 / sizeof(double) / width)
        return mlpt_fail(err, "%s: %zu rows of %zu outputs cannot be drawn", path, n, width);
    return check_names(path, width, names, err);
}

int mlpt_figure_roc(const char *path, size_t n, const float *score, const uint8_t *truth,
                    const char *positive, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (!score || !truth)
        return mlpt_fail(err, "%s: no %s (NULL)", path, !score ? "scores" : "truths");
    if (n == 0)
        return mlpt_fail(err, "%s: no scores to draw (n = 0)", path);
    if (!positive)
        return mlpt_fail(err, "%s: no name for the positive class (NULL)", path);
    enum { T = MLPT_AUC_THRESHOLDS };
    double fpr[T], tpr[T], precision[T], ap;
    const double auc = mlpt_roc_curves(n, score, 1, truth, fpr, tpr, precision, &ap);
    size_t positives = 0;
    for (size_t i = 0; i < n; i++)
        positives += truth[i] != 0;
    const double share = (double)positives / (double)n, diagonal[2] = {0, 1},
                 chance[2] = {share, share};

    char score_buf[64], roc_title[96], pr_title[96], tpr_label[160], recall_label[160],
        chance_label[64];
    score_text(score_buf, sizeof score_buf, auc, positives ? "no negatives" : "no positives");
    snprintf(roc_title, sizeof roc_title, "ROC (AUC %s)", score_buf);
    score_text(score_buf, sizeof score_buf, ap, "no positives");
    snprintf(pr_title, sizeof pr_title, "Precision-recall (AP %s)", score_buf);
    snprintf(tpr_label, sizeof tpr_label, "True positive rate (positive: %s)", positive);
    snprintf(recall_label, sizeof recall_label, "Recall (positive: %s)", positive);
    snprintf(chance_label, sizeof chance_label, "chance (%.1f%% positive)", 100.0 * share);

    const mlpt_series roc[2] = {series_of("model", fpr, tpr, T, BLUE, 0),
                                series_of("chance", diagonal, diagonal, 2, REFERENCE, 1)};
    const mlpt_series pr[2] = {series_of("model", tpr, precision, T, ORANGE, 0),
                               series_of(chance_label, diagonal, chance, 2, REFERENCE, 1)};
    /* rates and precision are fractions: both axes 0..1, a little room around */
    static const double unit[4] = {-0.02, 1.02, -0.02, 1.02};
    const chart left = {.title = roc_title, .xlabel = "False positive rate",
                        .ylabel = tpr_label, .series = roc, .n_series = 2, .limits = unit,
                        .square = 1};
    const chart right = {.title = pr_title, .xlabel = recall_label, .ylabel = "Precision",
                         .series = pr, .n_series = 2, .limits = unit, .square = 1};
    canvas cv;
    if (canvas_open(&cv, 2 * PANEL_W, PANEL_H, path, err) < 0)
        return -1;
    draw_chart(cv.cr, &left, 0, 0, PANEL_W, PANEL_H);
    draw_chart(cv.cr, &right, PANEL_W, 0, PANEL_W, PANEL_H);
    return canvas_save(&cv, path, err);
}

enum { MAX_BINS = 30 };

/* The residuals' histogram: count[b] values in bin b of `bins`, which
 * starts at lo + b * step. */
typedef struct histogram {
    size_t bins;
    double lo, step;
    double centre[MAX_BINS], count[MAX_BINS];
} histogram;

/* About one bin per square root of the n values, 5 to MAX_BINS, over their
 * range; none for no values. */
static void histogram_of(const double *v, size_t n, histogram *h)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    h->bins = n ? (size_t)fmin(MAX_BINS, fmax(5, round(sqrt((double)n)))) : 0;
    if (!(hi - lo > 1e-12 * fmax(1, fabs(hi)))) { /* all alike: a bin around them */
        const double span = fabs(hi) > 0 ? fabs(hi) * 0.2 : 1;
        lo -= span / 2;
        hi += span / 2;
    }
    h->lo = lo;
    h->step = (hi - lo) / (double)(h->bins ? h->bins : 1);
    for (size_t b = 0; b < h->bins; b++) {
        h->centre[b] = lo + ((double)b + 0.5) * h->step;
        h->count[b] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        const double b = floor((v[i] - lo) / h->step);
        h->count[b < 0 ? 0 : b >= (double)h->bins ? h->bins - 1 : (size_t)b] += 1;
    }
}

/* Whether every value of row i, predicted and true, is finite: the figure
 * leaves out the rest (a diverged prediction has no place to be drawn). */
static int row_finite(const float *predicted, const float *truth, size_t width, size_t i)
{
    for (size_t k = 0; k < width; k++)
        if (!isfinite(predicted[i * width + k]) || !isfinite(truth[i * width + k]))
            return 0;
    return 1;
}

int mlpt_figure_regression(const char *path, size_t n, size_t width, const float *predicted,
                           const float *truth, mlpt_class_names names, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (check_rows(path, n, width, predicted, truth, "predictions", names, err) < 0)
        return -1;
    /* per output: the kept rows' true values, then their predictions; then
     * every residual */
    double *v = malloc(3 * n * width * sizeof *v);
    mlpt_series *series = malloc((width + 1) * sizeof *series);
    const mlpt_metric_list r2 = {1, {{mlpt_metric_named("r2"), 0}}};
    double *state = calloc(mlpt_metrics_state_len(&r2, width), sizeof *state);
    if (!v || !series || !state) {
        free(v);
        free(series);
        free(state);
        return mlpt_fail(err, "%s: out of memory for %zu rows of %zu outputs", path, n, width);
    }
    double *residual = v + 2 * n * width;
    const mlpt_task *task = &mlpt_task_regression;
    size_t kept = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!row_finite(predicted, truth, width, i))
            continue;
        const mlpt_metric_rows row = {1, width, predicted + i * width,
                                      {.values = truth + i * width}, task};
        mlpt_metrics_add(&r2, &row, state);
        for (size_t k = 0; k < width; k++) {
            const double t = truth[i * width + k], p = predicted[i * width + k];
            v[2 * k * n + kept] = t;
            v[(2 * k + 1) * n + kept] = p;
            residual[kept * width + k] = p - t;
            lo = fmin(lo, fmin(t, p));
            hi = fmax(hi, fmax(t, p));
        }
        kept++;
    }
    const size_t m = kept * width;
    double r2_value, limits[4], step, ends[2];
    mlpt_metrics_values(&r2, width, state, &r2_value);
    axis_range(lo, hi, 0, 0, &limits[0], &limits[1], &step);
    limits[2] = ends[0] = limits[0];
    limits[3] = ends[1] = limits[1];
    for (size_t k = 0; k < width; k++)
        series[k] = series_of(names[k], v + 2 * k * n, v + (2 * k + 1) * n, kept,
                              output_colour(k), 0);
    series[width] = series_of("y = x", ends, ends, 2, REFERENCE, 1);

    histogram h;
    histogram_of(residual, m, &h);
    double mean = 0, var = 0;
    for (size_t i = 0; i < m; i++)
        mean += residual[i] / (double)m;
    for (size_t i = 0; i < m; i++)
        var += (residual[i] - mean) * (residual[i] - mean) / (double)m;
    double most = 0;
    for (size_t b = 0; b < h.bins; b++)
        most = fmax(most, h.count[b]);
    const double zero_x[2] = {0, 0}, zero_y[2] = {0, most};
    const mlpt_series bars[2] = {series_of("", h.centre, h.count, h.bins, BLUE, 0),
                                 series_of("", zero_x, zero_y, 2, INK, 1)};
    /* zero, a perfect prediction, is marked when the residuals reach it */
    const int zero_inside = m > 0 && h.lo <= 0 && h.lo + (double)h.bins * h.step >= 0;

    char r2_text[64], scatter_title[96], hist_title[96];
    score_text(r2_text, sizeof r2_text, r2_value, "no finite rows that vary");
    snprintf(scatter_title, sizeof scatter_title, "Predicted vs true (R\xC2\xB2 %s)", r2_text);
    if (m)
        snprintf(hist_title, sizeof hist_title, "Residuals (mean %.3g, sd %.3g)", mean,
                 sqrt(var));
    else
        snprintf(hist_title, sizeof hist_title, "Residuals (none finite)");
    const chart scatter = {.title = scatter_title, .xlabel = "True value",
                           .ylabel = "Predicted value", .series = series,
                           .n_series = width + 1, .marks = MARKS_POINTS, .limits = limits,
                           .square = 1};
    const chart hist = {.title = hist_title, .xlabel = "Residual (predicted - true)",
                        .ylabel = "Count", .series = bars, .n_series = zero_inside ? 2u : 1u,
                        .y_from_zero = 1, .marks = MARKS_BARS, .bar_w = h.step};
    canvas cv;
    int rc = canvas_open(&cv, 2 * PANEL_W, PANEL_H, path, err);
    if (rc == 0) {
        draw_chart(cv.cr, &scatter, 0, 0, PANEL_W, PANEL_H);
        draw_chart(cv.cr, &hist, PANEL_W, 0, PANEL_W, PANEL_H);
        rc = canvas_save(&cv, path, err);
    }
    free(v);
    free(series);
    free(state);
    return rc;
}

int mlpt_figure_labels(const char *path, size_t n, size_t width, const float *prob,
                       const float *truth, mlpt_class_names names, mlpt_error *err)
{
    if (!path)
        return mlpt_fail(err, "figure: no output path (NULL)");
    if (check_rows(path, n, width, prob, truth, "probabilities", names, err) < 0)
        return -1;
    /* the precision and recall entries, as `test precision` counts them, one
     * label at a time: its column copied out */
    const mlpt_metric_list pr = {2, {{mlpt_metric_named("precision"), 0},
                                     {mlpt_metric_named("recall"), 0}}};
    const mlpt_task *task = &mlpt_task_multilabel;
    const size_t state_len = mlpt_metrics_state_len(&pr, 1);
    float *column = malloc(2 * n * sizeof *column);
    double *v = malloc((4 * width + state_len) * sizeof *v);
    if (!column || !v) {
        free(column);
        free(v);
        return mlpt_fail(err, "%s: out of memory for %zu rows of %zu labels", path, n, width);
    }
    /* a pair of bars per label, either side of it */
    const double shift = 0.2;
    double *px = v, *precision = v + 2 * width, *recall = v + 3 * width, *state = v + 4 * width;
    for (size_t k = 0; k < width; k++) {
        for (size_t i = 0; i < n; i++) {
            column[i] = prob[i * width + k];
            column[n + i] = truth[i * width + k];
        }
        const mlpt_metric_rows rows = {n, 1, column, {.values = column + n}, task};
        double values[2];
        memset(state, 0, state_len * sizeof *state);
        mlpt_metrics_add(&pr, &rows, state);
        mlpt_metrics_values(&pr, 1, state, values);
        precision[k] = values[0];
        recall[k] = values[1];
        px[k] = (double)k - shift;
        px[width + k] = (double)k + shift;
    }
    free(column);

    /* 30 px a label, turned names below: a plot area of 330 px or more */
    enum { SLOT_PX = 30, PLOT_MIN_PX = 480, MARGINS_PX = 230, HEIGHT_PX = 520 };
    const double limits[4] = {-0.6, (double)width - 0.4, 0, 1.04};
    const mlpt_series bars[2] = {series_of("precision", px, precision, width, BLUE, 0),
                                 series_of("recall", px + width, recall, width, ORANGE, 0)};
    const chart c = {.title = "Precision and recall per label", .xlabel = "Label",
                     .ylabel = "Precision, recall (threshold 0.5)", .series = bars, .n_series = 2,
                     .marks = MARKS_BARS, .bar_w = 2 * shift - 0.02, .limits = limits,
                     .xnames = names, .n_xnames = width};
    const double W = fmax(PLOT_MIN_PX, SLOT_PX * (double)width) + MARGINS_PX;
    canvas cv;
    int rc = canvas_open(&cv, W, HEIGHT_PX, path, err);
    if (rc == 0) {
        const axes a = draw_chart(cv.cr, &c, 0, 0, W, HEIGHT_PX);
        /* a ratio with nothing to count (no positive said, or none true) */
        cairo_set_font_size(cv.cr, CHART_TICK_PX - 2);
        set_colour(cv.cr, REFERENCE);
        for (size_t s = 0; s < 2; s++)
            for (size_t k = 0; k < width; k++)
                if (isnan(bars[s].y[k]))
                    text_at(cv.cr, "n/a", px_x(&a, bars[s].x[k]), a.y + a.h - 3, 0, 0.5,
                            -PI / 2);
        rc = canvas_save(&cv, path, err);
    }
    free(v);
    return rc;
}
