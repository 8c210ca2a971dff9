/* dataio/ini.c - the INI tokenizer (see ini.h). */
#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INI_BYTES (16u << 20) /* far beyond any config; stops reading /dev/zero */

ini_span ini_span_of(const char *s) { return (ini_span){s, strlen(s)}; }

ini_span ini_span_between(const char *begin, const char *end)
{
    return (ini_span){begin, (size_t)(end - begin)};
}

ini_span ini_trim(ini_span s)
{
    while (s.n && isspace((unsigned char)s.p[0])) s.p++, s.n--;
    while (s.n && isspace((unsigned char)s.p[s.n - 1])) s.n--;
    return s;
}

bool ini_span_eq(ini_span s, const char *word)
{
    return strlen(word) == s.n && !memcmp(s.p, word, s.n);
}

const char *ini_clip(char *buf, size_t cap, ini_span s)
{
    if (s.n < cap)
        snprintf(buf, cap, "%.*s", (int)s.n, s.p);
    else
        snprintf(buf, cap, "%.*s...", (int)(cap - 4), s.p);
    return buf;
}

bool ini_has_open_quote(ini_span s)
{
    size_t quotes = 0;
    for (size_t i = 0; i < s.n; i++) quotes += s.p[i] == '"';
    return quotes % 2;
}

/* Copies text from *rest into buf without its double quotes, up to the end
 * or, with stop_at_blank, up to a blank outside quotes. */
static size_t take_unquoted(ini_span *rest, bool stop_at_blank, char *buf, size_t cap)
{
    size_t len = 0;
    bool quoted = false;
    while (rest->n && (quoted || !stop_at_blank || !isspace((unsigned char)*rest->p))) {
        char c = *rest->p++;
        rest->n--;
        if (c == '"')
            quoted = !quoted;
        else if (++len < cap)
            buf[len - 1] = c;
    }
    buf[len < cap ? len : cap - 1] = '\0';
    return len;
}

size_t ini_unquote(ini_span value, char *buf, size_t cap)
{
    return take_unquoted(&value, false, buf, cap);
}

bool ini_next_word(ini_span *rest, char *buf, size_t cap, size_t *len)
{
    *rest = ini_trim(*rest);
    if (!rest->n) return false;
    *len = take_unquoted(rest, true, buf, cap);
    return true;
}

/* An inline comment starts at ';' or '#' after a blank and outside quotes,
 * so that `lr = 1e-3;x` stays an error and a quoted value may hold '#'. */
static ini_span cut_comment(ini_span s)
{
    bool quoted = false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"')
            quoted = !quoted;
        else if (!quoted && (s.p[i] == ';' || s.p[i] == '#') && i &&
                 isspace((unsigned char)s.p[i - 1]))
            return (ini_span){s.p, i};
    }
    return s;
}

void ini_start(ini_reader *r, const char *name, const char *text)
{
    if (!strncmp(text, "\xEF\xBB\xBF", 3)) text += 3; /* a BOM, as some editors write */
    *r = (ini_reader){.name = name, .next = text};
}

static int read_header(ini_reader *r, ini_span line, ini_item *item, mlpt_error *err)
{
    char shown[96];
    const char *close = memchr(line.p, ']', line.n);
    if (!close)
        return mlpt_fail(err, "%s:%d: unterminated '[': expected [section]", r->name, r->line);
    ini_span after = ini_trim(ini_span_between(close + 1, line.p + line.n));
    if (after.n && after.p[0] != ';' && after.p[0] != '#')
        return mlpt_fail(err, "%s:%d: unexpected '%s' after ']': expected a comment or nothing",
                         r->name, r->line, ini_clip(shown, sizeof shown, after));
    r->section = ini_trim(ini_span_between(line.p + 1, close));
    *item = (ini_item){.line = r->line, .section = r->section};
    return 1;
}

static int read_assignment(ini_reader *r, ini_span line, ini_item *item, mlpt_error *err)
{
    char shown[96];
    const char *eq = memchr(line.p, '=', line.n);
    ini_span key = eq ? ini_trim(ini_span_between(line.p, eq)) : line;
    if (!eq || !key.n)
        return mlpt_fail(err, "%s:%d: found '%s': expected [section] or key = value", r->name,
                         r->line, ini_clip(shown, sizeof shown, line));
    if (!r->section.p)
        return mlpt_fail(err, "%s:%d: key '%s' comes before any [section] header", r->name,
                         r->line, ini_clip(shown, sizeof shown, key));
    ini_span value = ini_trim(cut_comment(ini_span_between(eq + 1, line.p + line.n)));
    *item = (ini_item){.line = r->line, .section = r->section, .key = key, .value = value};
    return 1;
}

int ini_next(ini_reader *r, ini_item *item, mlpt_error *err)
{
    while (*r->next) {
        const char *nl = strchr(r->next, '\n');
        ini_span line = {r->next, nl ? (size_t)(nl - r->next) : strlen(r->next)};
        r->next += line.n + (nl != NULL);
        r->line++;
        line = ini_trim(line); /* also drops the CR of a CRLF */
        if (!line.n || line.p[0] == ';' || line.p[0] == '#') continue;
        return line.p[0] == '[' ? read_header(r, line, item, err)
                                : read_assignment(r, line, item, err);
    }
    return 0;
}

/* The file may be a pipe, so its size is not known ahead. */
char *ini_read_file(const char *path, mlpt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mlpt_fail(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    bool ok = false;
    for (;;) {
        if (cap - len < 2) {
            if (cap >= MAX_INI_BYTES) {
                mlpt_fail(err, "%s: larger than %u MiB: not a config file", path,
                          MAX_INI_BYTES >> 20);
                break;
            }
            char *grown = realloc(text, cap ? 2 * cap : 4096);
            if (!grown) {
                mlpt_fail(err, "%s: out of memory", path);
                break;
            }
            text = grown;
            cap = cap ? 2 * cap : 4096;
        }
        size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (!got) {
            ok = !ferror(f);
            if (!ok) mlpt_fail(err, "%s: cannot read: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (ok) {
        text[len] = '\0';
        if (strlen(text) == len) return text;
        mlpt_fail(err, "%s: contains a NUL byte at offset %zu: not a text file", path,
                  strlen(text));
    }
    free(text);
    return NULL;
}
