/* dataio/ini.h - the INI tokenizer behind mlpt/config.h (private).
 *
 * It knows the syntax only: `[section]` headers, `key = value` lines, blank
 * lines, comments (a line starting with ';' or '#', or ';'/'#' after a blank
 * and outside double quotes), and double quotes inside values. Which
 * sections and keys exist, and what values mean, is config.c's business.
 * Nothing is copied: items are spans into the caller's text, so lines may
 * be any length. */
#ifndef MLPT_INI_H
#define MLPT_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "mlpt/error.h"

typedef struct ini_span {
    const char *p;
    size_t n;
} ini_span;

/* One `[section]` header or one `key = value` line. */
typedef struct ini_item {
    int line;          /* 1-based */
    ini_span section;  /* the current section's name, trimmed */
    ini_span key;      /* trimmed; n == 0 for a header */
    ini_span value;    /* trimmed, inline comment cut, quotes kept; may be empty */
} ini_item;

typedef struct ini_reader {
    const char *name;  /* the file, for messages */
    const char *next;  /* start of the next line */
    int line;
    ini_span section;  /* p == NULL before the first header */
} ini_reader;

/* The whole text file at path, NUL-terminated, to be freed by the caller;
 * NULL (and err) when it cannot be read or holds a NUL byte. */
char *ini_read_file(const char *path, mlpt_error *err);

void ini_start(ini_reader *r, const char *name, const char *text);

/* Returns 1 with the next item, 0 at the end of the text, or -1 on a line
 * that is not valid INI (err: "NAME:LINE: ..."). */
int ini_next(ini_reader *r, ini_item *item, mlpt_error *err);

/* ---- spans and values ---- */

ini_span ini_span_of(const char *s);
ini_span ini_span_between(const char *begin, const char *end);
ini_span ini_trim(ini_span s);
bool ini_span_eq(ini_span s, const char *word);

/* Copies s into buf for a message, ending with "..." when it does not fit;
 * returns buf. */
const char *ini_clip(char *buf, size_t cap, ini_span s);

bool ini_has_open_quote(ini_span s);

/* A whole value as one text without its double quotes, which only protect
 * blanks and comment marks. Returns the unquoted length; when it is >= cap,
 * buf holds a truncated copy and the caller must refuse the value. */
size_t ini_unquote(ini_span value, char *buf, size_t cap);

/* The next blank-separated word of *rest (a quoted word may hold blanks),
 * unquoted into buf with its full length in *len as for ini_unquote.
 * Returns false when *rest holds no more words. */
bool ini_next_word(ini_span *rest, char *buf, size_t cap, size_t *len);

#endif
