/* The layer grammar (mlpt_layer_parse, mlpt_layer_format) and what the
 * kinds' parse functions share (grammar.h). */
#include "grammar.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/model.h"

enum { SHOWN = 40 };

int mlpt_why_fail(mlpt_why *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int mlpt_word_count(const char *what, const char *word, long long min, long long max,
                    long long *out, mlpt_why *why)
{
    char buf[SHOWN + 4];
    long long v = 0;
    bool over = false; /* more than max, which digits alone cannot wrap */
    const char *p = word;
    for (; isdigit((unsigned char)*p); p++) {
        over |= v > (max - (*p - '0')) / 10;
        v = over ? v : 10 * v + (*p - '0');
    }
    if (p == word || *p || over || v < min)
        return mlpt_why_fail(why, "%s \"%s\": expected an integer from %lld to %lld", what,
                             mlpt_quote(word, buf, sizeof buf), min, max);
    *out = v;
    return 0;
}

int mlpt_word_float(const char *what, const char *word, float lo, float hi, bool hi_open,
                    float *out, mlpt_why *why)
{
    char buf[SHOWN + 4], *end;
    float v = isspace((unsigned char)word[0]) ? NAN : strtof(word, &end);
    if (!word[0] || *end || !isfinite(v) || !(v >= lo) || !(hi_open ? v < hi : v <= hi))
        return mlpt_why_fail(why, "%s \"%s\": expected a number in [%g, %g%c", what,
                             mlpt_quote(word, buf, sizeof buf), (double)lo, (double)hi, hi_open ? ')' : ']');
    *out = v;
    return 0;
}

int mlpt_word_factor(const char *what, const char *word, bool below_one, double *out,
                     mlpt_why *why)
{
    char buf[SHOWN + 4], *end = (char *)word;
    const double v = isspace((unsigned char)word[0]) ? NAN : strtod(word, &end);
    if (!word[0] || *end || !(v > 0.0) || !(below_one ? v < 1.0 : v <= 1.0))
        return mlpt_why_fail(why, "%s \"%s\": expected a number in (0, 1%c", what,
                             mlpt_quote(word, buf, sizeof buf), below_one ? ')' : ']');
    *out = v;
    return 0;
}

const char *mlpt_float_word(float v, char buf[MLPT_FLOAT_WORD])
{
    for (int digits = 6; digits <= 9; digits++) { /* 9 digits always round-trip */
        snprintf(buf, MLPT_FLOAT_WORD, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return buf;
}

int mlpt_word_entry(const char *what, const char *word, const void *const *table,
                    const void **out, mlpt_why *why)
{
    char buf[SHOWN + 4], names[160];
    if ((*out = mlpt_table_find(table, word, strlen(word))))
        return 0;
    return mlpt_why_fail(why, "%s \"%s\": expected one of %s", what, mlpt_quote(word, buf, sizeof buf),
                         mlpt_table_names(table, " ", names, sizeof names));
}

int mlpt_word_options(const mlpt_words *a, const mlpt_word_option *opts, int n,
                      const char *usage, mlpt_why *why)
{
    char buf[SHOWN + 4];
    bool seen[8] = {false};
    for (int k = 0; k < a->n; k += 2) {
        int o = 0;
        while (o < n && strcmp(a->w[k], opts[o].name))
            o++;
        if (o == n) {
            size_t len = (size_t)snprintf(why->msg, sizeof why->msg, "\"%s\": expected ",
                                          mlpt_quote(a->w[k], buf, sizeof buf));
            for (int i = 0; i < n && len < sizeof why->msg; i++)
                len += (size_t)snprintf(why->msg + len, sizeof why->msg - len, "%s%s",
                                        i == 0 ? "" : i + 1 < n ? ", " : " or ", opts[i].name);
            if (len < sizeof why->msg)
                snprintf(why->msg + len, sizeof why->msg - len, " (`%s`)", usage);
            return -1;
        }
        if (seen[o])
            return mlpt_why_fail(why, "%s given twice: expected `%s`", opts[o].name, usage);
        seen[o] = true;
        if (k + 1 == a->n)
            return mlpt_why_fail(why, "%s needs a value: expected `%s`", opts[o].name, usage);
        if (mlpt_word_float(opts[o].name, a->w[k + 1], opts[o].lo, opts[o].hi, opts[o].hi_open,
                            opts[o].value, why))
            return -1;
    }
    return 0;
}

/* A kind entry's usage: the member after its name. */
static const char *usage_of(const void *entry)
{
    return ((const char *const *)entry)[1];
}

int mlpt_fail_usage(const void *const *table, mlpt_why *why)
{
    size_t n = (size_t)snprintf(why->msg, sizeof why->msg, "expected");
    for (int k = 0; table[k] && n < sizeof why->msg; k++)
        n += (size_t)snprintf(why->msg + n, sizeof why->msg - n, "%s`%s`",
                              !k ? " " : table[k + 1] ? ", " : " or ", usage_of(table[k]));
    return -1;
}

int mlpt_words_split(char *text, const char **first, mlpt_words *words)
{
    *first = NULL;
    words->n = 0;
    for (char *p = text; *p;) {
        while (isspace((unsigned char)*p))
            *p++ = '\0';
        if (!*p)
            break;
        if (!*first)
            *first = p;
        else if (words->n == (int)(sizeof words->w / sizeof words->w[0]))
            return -1;
        else
            words->w[words->n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    return 0;
}

int mlpt_kind_line(const char *text, const void *const *table, char buf[MLPT_LINE_MAX + 1],
                   const void **entry, mlpt_words *words, mlpt_why *why)
{
    const size_t len = strlen(text);
    if (len > MLPT_LINE_MAX)
        return mlpt_why_fail(why, "longer than %d characters", MLPT_LINE_MAX);
    memcpy(buf, text, len + 1);
    const char *name;
    *entry = NULL;
    if (mlpt_words_split(buf, &name, words) == 0 && name)
        *entry = mlpt_table_find(table, name, strlen(name));
    return *entry ? 0 : mlpt_fail_usage(table, why);
}

int mlpt_layer_parse(const char *text, mlpt_layer_spec *l, mlpt_why *why)
{
    char buf[MLPT_LINE_MAX + 1];
    mlpt_words words;
    const void *entry;
    if (mlpt_kind_line(text, MLPT_TABLE(mlpt_layer_kinds), buf, &entry, &words, why) < 0)
        return -1;
    const mlpt_layer_ops *kind = entry;
    if (words.n < kind->min_args || words.n > kind->max_args)
        return mlpt_fail_usage(MLPT_TABLE(mlpt_layer_kinds), why);
    memset(l, 0, sizeof *l);
    l->kind = kind;
    return kind->parse(&words, l, why);
}

void mlpt_layer_format(const mlpt_layer_spec *l, char *buf, size_t cap)
{
    l->kind->format(l, buf, cap);
}
