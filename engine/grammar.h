/* engine/grammar.h - what the layer kinds' parse functions share: words
 * quoted safely in messages, counts, numbers and names looked up in a
 * table, each failing with a message that names the word and what was
 * expected (private). */
#ifndef MLPT_ENGINE_GRAMMAR_H
#define MLPT_ENGINE_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

#include "mlpt/tables.h"

/* Fills why->msg; returns -1. */
__attribute__((format(printf, 2, 3)))
int mlpt_why_fail(mlpt_why *why, const char *fmt, ...);

/* what: the word's role ("units"). Each returns 0, or -1 with why:
 * `units "0": expected an integer from 1 to 1048576`. */
int mlpt_word_count(const char *what, const char *word, long long min, long long max,
                    long long *out, mlpt_why *why);
/* A finite float in [lo, hi) (hi_open) or [lo, hi]. */
int mlpt_word_float(const char *what, const char *word, float lo, float hi, bool hi_open,
                    float *out, mlpt_why *why);
/* A multiplier in (0, 1), or (0, 1] unless below_one (a schedule's
 * factor), read as a double. */
int mlpt_word_factor(const char *what, const char *word, bool below_one, double *out,
                     mlpt_why *why);
/* The fewest digits, from %g's six up, that read back as v: the word a
 * format function writes for a float that parse reads back exactly. */
enum { MLPT_FLOAT_WORD = 20 };
const char *mlpt_float_word(float v, char buf[MLPT_FLOAT_WORD]);
/* Cuts text in place into blank-separated words: *first gets the first
 * (NULL when there is none), words the rest. Returns -1 when there are more
 * than words->w holds. */
int mlpt_words_split(char *text, const char **first, mlpt_words *words);
/* A kind's line, as `layer` and `schedule` lines are: text (at most
 * MLPT_LINE_MAX characters) copied into buf and cut into words, the entry
 * of table (whose entries begin with their name and their usage, a
 * `const char *` each) named by the first into *entry, the rest into
 * words. Returns 0, or -1 with why: the line's length, or
 * mlpt_fail_usage's message. */
enum { MLPT_LINE_MAX = 255 };
int mlpt_kind_line(const char *text, const void *const *table, char buf[MLPT_LINE_MAX + 1],
                   const void **entry, mlpt_words *words, mlpt_why *why);
/* "expected `a`, `b` or `c`": every entry's usage, into why; returns -1. */
int mlpt_fail_usage(const void *const *table, mlpt_why *why);
/* An entry of table by name: `activation "x": expected one of a b c`. */
int mlpt_word_entry(const char *what, const char *word, const void *const *table,
                    const void **out, mlpt_why *why);

/* An optional `NAME VALUE` pair of a layer line (batchnorm's `momentum
 * 0.9`): VALUE a float as mlpt_word_float reads it, into *value, which
 * keeps its default when the line has no such pair. */
typedef struct mlpt_word_option {
    const char *name;
    float lo, hi;
    bool hi_open;
    float *value;
} mlpt_word_option;

/* The words a->w[0, a->n) as pairs of the n (at most 8) opts, each at
 * most once, in any order: `"x": expected momentum or epsilon (`batchnorm
 * [momentum M] [epsilon E]`)`, `momentum needs a value`, `momentum given
 * twice`, or the value's own failure. */
int mlpt_word_options(const mlpt_words *a, const mlpt_word_option *opts, int n,
                      const char *usage, mlpt_why *why);

#endif
