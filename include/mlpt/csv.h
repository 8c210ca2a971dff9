/* mlpt/csv.h - CSV tables with a header row, raw or gzip-compressed.
 *
 * RFC 4180: fields separated by a delimiter (',' by default; ';' and tab
 * are common), records by LF or CRLF; a field in double quotes may hold the
 * delimiter, line breaks and "" for a quote. The first record names the
 * columns: names must be non-empty and distinct. Every record has as many
 * fields as the header. A UTF-8 byte order mark at the start is skipped and
 * empty lines are ignored. gzip input is recognised by its magic bytes, not
 * by the file name. The whole table is held as text; cells are converted
 * where they are used, so that each conversion error can name its line and
 * column. */
#ifndef MLPT_CSV_H
#define MLPT_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_csv {
    const char *path;      /* as given to mlpt_csv_load, for messages */
    size_t n_rows;         /* records after the header */
    size_t n_cols;
    char *text;            /* every cell, unquoted and NUL-terminated; owned */
    uint32_t *cells;       /* (n_rows + 1) x n_cols offsets into text; row 0 is the header */
    uint32_t *lines;       /* n_rows + 1 line numbers, where each record starts */
    uint64_t bytes, hash;  /* the text as read (inflated) and its FNV-1a: what a
                              resumed run checks */
} mlpt_csv;

/* Reads and parses path (delimiter ',', ';', '\t' or any byte but a quote,
 * CR or LF). Errors name the file and line: an unterminated quote, text
 * after a closing quote, a record with the wrong number of fields, an empty
 * or repeated column name, a NUL byte, no header. On failure *out is left
 * zeroed. Free with mlpt_csv_free. */
int mlpt_csv_load(const char *path, char delimiter, mlpt_csv *out, mlpt_error *err);

/* The column named name, or -1. */
long mlpt_csv_column(const mlpt_csv *t, const char *name);

/* The header's names joined by blanks into buf, for messages ("its
 * columns: date rain kind"); clipped with "..." to cap. */
const char *mlpt_csv_header(const mlpt_csv *t, char *buf, size_t cap);

/* Column c's name. */
const char *mlpt_csv_name(const mlpt_csv *t, size_t c);

/* The text of row r (0-based, after the header), column c. */
const char *mlpt_csv_cell(const mlpt_csv *t, size_t r, size_t c);

/* Row r's cell in column c as a number, in the C locale: a finite decimal
 * or exponent number, with optional surrounding spaces. An empty cell, NA,
 * NaN, inf or any other text is an error naming the file, the line and the
 * column (number and name). */
int mlpt_csv_number(const mlpt_csv *t, size_t r, size_t c, double *v, mlpt_error *err);

/* Fails with "PATH:LINE: column N (NAME): what", for errors found in a
 * cell by the caller (a class not among the classes, say). */
int mlpt_csv_fail(const mlpt_csv *t, size_t r, size_t c, mlpt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Releases the table and zeroes *t; safe on a zeroed struct. */
void mlpt_csv_free(mlpt_csv *t);

#ifdef __cplusplus
}
#endif
#endif
