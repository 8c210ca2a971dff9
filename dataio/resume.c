/* resume.c - what a resumed run must agree on with its checkpoint: the
 * settings that shape the weights and the training data (see resume.h). */
#include "resume.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a setting decides the weights: the run and report sections do
 * not, nor train.epochs (a resume may extend a run) or train.shards (it
 * only splits the work). */
static bool shapes_weights(const mlpt_setting *s)
{
    return strcmp(s->section, "run") && strcmp(s->section, "report") &&
           !(strcmp(s->section, "train") == 0 &&
             (strcmp(s->key, "epochs") == 0 || strcmp(s->key, "shards") == 0));
}

char *resume_settings(const mlpt_config *cfg)
{
    size_t len = 1;
    for (int i = 0; i < cfg->n_settings; i++)
        len += sizeof cfg->settings[i].section + sizeof cfg->settings[i].key +
               sizeof cfg->settings[i].value + 3;
    char *text = malloc(len), *p = text;
    if (!text)
        return NULL;
    *p = '\0';
    for (int i = 0; i < cfg->n_settings; i++) {
        const mlpt_setting *s = &cfg->settings[i];
        if (shapes_weights(s))
            p += sprintf(p, "%s.%s=%s\n", s->section, s->key, s->value);
    }
    return text;
}

/* The value of `key` ("section.key", up to its '=') in lines, or NULL; for
 * a repeated key (model.layer) all its values joined by " | " into buf. */
static const char *value_of(const char *lines, const char *key, size_t key_len, char *buf,
                            size_t cap)
{
    bool found = false;
    buf[0] = '\0';
    for (const char *p = lines; *p;) {
        const char *eol = strchr(p, '\n');
        const size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > key_len && strncmp(p, key, key_len) == 0 && p[key_len] == '=') {
            size_t used = strlen(buf);
            snprintf(buf + used, cap - used, "%s%.*s", found ? " | " : "",
                     (int)(n - key_len - 1), p + key_len + 1);
            found = true;
        }
        p += n + (eol != NULL);
    }
    return found ? buf : NULL;
}

/* The next word at *p (whitespace-separated; a double-quoted stretch stays
 * in its word) and its length, moving *p past it; 0 at the end. */
static size_t next_word(const char **p, const char **word)
{
    const char *s = *p;
    bool quoted = false;
    while (isspace((unsigned char)*s))
        s++;
    for (*word = s; *s && (quoted || !isspace((unsigned char)*s)); s++)
        quoted ^= *s == '"';
    *p = s;
    return (size_t)(s - *word);
}

/* An integer's digits without sign or leading zeros (setting *negative),
 * or NULL when w is not an integer. */
static const char *integer_digits(const char *w, bool *negative)
{
    *negative = *w == '-';
    w += *w == '-' || *w == '+';
    if (!*w || strspn(w, "0123456789") != strlen(w))
        return NULL;
    while (*w == '0' && w[1])
        w++;
    *negative &= strcmp(w, "0") != 0;
    return w;
}

/* Whether words a and b (na and nb bytes) are one value: the same text, or
 * the same number as the config reads it. Integers are compared exactly (a
 * seed has more digits than a double holds), other numbers as doubles. */
static bool same_word(const char *a, size_t na, const char *b, size_t nb)
{
    char x[64], y[64];
    if (na == nb && strncmp(a, b, na) == 0)
        return true;
    if (na >= sizeof x || nb >= sizeof y)
        return false;
    snprintf(x, sizeof x, "%.*s", (int)na, a);
    snprintf(y, sizeof y, "%.*s", (int)nb, b);
    bool x_neg, y_neg;
    const char *dx = integer_digits(x, &x_neg), *dy = integer_digits(y, &y_neg);
    if (dx && dy)
        return x_neg == y_neg && strcmp(dx, dy) == 0;
    char *ex, *ey;
    const double vx = strtod(x, &ex), vy = strtod(y, &ey);
    return ex != x && *ex == '\0' && ey != y && *ey == '\0' && vx == vy;
}

/* Whether two values hold the same words, each one value. */
static bool same_value(const char *a, const char *b)
{
    for (;;) {
        const char *wa, *wb;
        const size_t na = next_word(&a, &wa), nb = next_word(&b, &wb);
        if (!na || !nb)
            return na == nb;
        if (!same_word(wa, na, wb, nb))
            return false;
    }
}

/* Whether diff already names key: its entries are "KEY (checkpoint: ...)"
 * joined by "; ". */
static bool listed(const char *diff, const char *key)
{
    const size_t n = strlen(key);
    for (const char *p = diff; (p = strstr(p, key)) != NULL; p += n)
        if ((p == diff || (p - diff >= 2 && p[-2] == ';' && p[-1] == ' ')) &&
            strncmp(p + n, " (checkpoint:", 13) == 0)
            return true;
    return false;
}

/* Appends to diff each key of `a` whose value in `b` differs (or is missing),
 * once: a repeated key (model.layer) compares all its values together. */
static void diff_keys(const char *a, const char *b, bool a_is_saved, char *diff, size_t cap)
{
    for (const char *p = a; *p;) {
        const char *eq = strchr(p, '='), *eol = strchr(p, '\n');
        if (!eq || (eol && eq > eol)) /* not key=value: checked on reading, never here */
            break;
        const size_t key_len = (size_t)(eq - p);
        char key[64], va[512], vb[512];
        snprintf(key, sizeof key, "%.*s", (int)key_len, p);
        const char *x = value_of(a, key, key_len, va, sizeof va);
        const char *y = value_of(b, key, key_len, vb, sizeof vb);
        if ((!y || !same_value(x, y)) && !listed(diff, key)) {
            size_t used = strlen(diff);
            snprintf(diff + used, cap - used, "%s%s (checkpoint: %s, now: %s)", used ? "; " : "",
                     key, a_is_saved ? x : (y ? y : "unset"), a_is_saved ? (y ? y : "unset") : x);
        }
        p = eol ? eol + 1 : eq + strlen(eq);
    }
}

int resume_compare(const char *checkpoint, const char *saved, const char *now,
                   mlpt_error *err)
{
    char diff[800] = "";
    diff_keys(saved, now, true, diff, sizeof diff);
    diff_keys(now, saved, false, diff, sizeof diff);
    if (diff[0])
        return mlpt_fail(err, "cannot resume from %s: the config differs in %s; only "
                              "train.epochs, train.shards, [run] and [report] may change",
                         checkpoint, diff);
    return 0;
}

int resume_check_data(const char *checkpoint, const mlpt_checkpoint *c, const mlpt_data *data,
                      mlpt_error *err)
{
    const char *const *paths = data->train_paths;
    const mlpt_idx_digest was[] = {c->train_images, c->train_labels};
    const mlpt_idx_digest now[] = {data->train.images_digest, data->train.labels_digest};
    for (int i = 0; i < 2; i++)
        if (was[i].bytes != now[i].bytes || was[i].hash != now[i].hash)
            return mlpt_fail(err, "cannot resume from %s: %s is not the data it was trained on "
                                  "(checkpoint: %" PRIu64 " bytes, FNV-1a %016" PRIx64
                                  "; now: %" PRIu64 " bytes, FNV-1a %016" PRIx64 "); "
                                  "--overwrite starts over on this data",
                             checkpoint, paths[i], was[i].bytes, was[i].hash, now[i].bytes,
                             now[i].hash);
    return 0;
}
