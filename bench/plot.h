/* bench/plot.h - a minimal line chart rendered to PNG with cairo, for the
 * benchmarks' results. */
#ifndef MLPT_BENCH_PLOT_H
#define MLPT_BENCH_PLOT_H

#include <stddef.h>

typedef struct plot_series {
    const char *label;
    const double *x, *y;
    size_t n;
    double rgb[3];
    int dashed;
} plot_series;

/* Draws the series on linear axes starting at zero (each axis up to its
 * largest value plus a margin) and writes a 720x480 PNG. Returns 0, or -1
 * with a message in msg. */
int plot_png(const char *path, const char *title, const char *xlabel, const char *ylabel,
             const plot_series *series, size_t n_series, char *msg, size_t msg_len);

#endif
