#include "options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_parser_init(cli_parser *p, int argc, char *const *argv,
                     const cli_option *table, size_t n)
{
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->table = table;
    p->n_options = n < CLI_MAX_OPTIONS ? n : CLI_MAX_OPTIONS;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(cli_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    p->finished = true;
    return p->last = CLI_ERROR;
}

/* How an option is named in messages: its long name, else its short. */
static void option_name(const cli_option *o, char *buf, size_t size)
{
    if (o->long_name)
        snprintf(buf, size, "--%s", o->long_name);
    else
        snprintf(buf, size, "-%c", o->short_name);
}

/* Once argv is used up: two options that exclude each other. */
static int check_conflicts(cli_parser *p)
{
    for (size_t i = 0; i < p->n_options; i++) {
        if (!p->seen[i] || !p->table[i].excludes)
            continue;
        for (size_t j = 0; j < p->n_options; j++) {
            if (p->seen[j] && p->table[j].key == p->table[i].excludes) {
                char a[64], b[64];
                option_name(&p->table[i], a, sizeof a);
                option_name(&p->table[j], b, sizeof b);
                return fail(p, "%s and %s do not go together", a, b);
            }
        }
    }
    p->finished = true;
    return p->last = CLI_END;
}

/* The option found: records it and fills arg; value is its value when
 * written in the same word (after '=' or the short name), else NULL. */
static int found(cli_parser *p, size_t i, const char *value, cli_arg *arg)
{
    const cli_option *o = &p->table[i];
    if (o->takes_value && !value) {
        if (p->next >= p->argc)
            return fail(p, "%s needs a value", arg->name);
        value = p->argv[p->next++];
    }
    p->seen[i] = true;
    arg->key = o->key;
    arg->value = value;
    return o->key;
}

static int long_option(cli_parser *p, const char *text, cli_arg *arg)
{
    const char *eq = strchr(text, '=');
    size_t len = eq ? (size_t)(eq - text) : strlen(text);
    snprintf(arg->name, sizeof arg->name, "--%.*s", (int)len, text);
    for (size_t i = 0; i < p->n_options; i++) {
        const char *name = p->table[i].long_name;
        if (!name || strlen(name) != len || strncmp(name, text, len) != 0)
            continue;
        if (eq && !p->table[i].takes_value)
            return fail(p, "%s takes no value (got '%s')", arg->name,
                        p->word);
        return found(p, i, eq ? eq + 1 : NULL, arg);
    }
    return fail(p, "unknown option '%s'", arg->name);
}

/* The next short option of a bundle: -q, -j2, -qj2, -o FILE. */
static int short_option(cli_parser *p, cli_arg *arg)
{
    const char c = *p->bundle++;
    snprintf(arg->name, sizeof arg->name, "-%c", c);
    for (size_t i = 0; i < p->n_options; i++) {
        if (p->table[i].short_name != c)
            continue;
        const char *value = NULL;
        if (p->table[i].takes_value) {
            /* the rest of the word is the value: -oFILE */
            value = *p->bundle ? p->bundle : NULL;
            p->bundle = "";
        }
        return found(p, i, value, arg);
    }
    if (p->bundle == p->word + 2) /* the first letter: -weird.yaml */
        return fail(p, "unknown option '%s'", p->word);
    return fail(p, "unknown option '%s' in '%s'", arg->name, p->word);
}

int cli_next(cli_parser *p, cli_arg *arg)
{
    memset(arg, 0, sizeof *arg);
    if (p->finished)
        return arg->key = p->last;
    if (p->bundle && *p->bundle)
        return arg->key = short_option(p, arg);
    p->bundle = NULL;
    if (p->next >= p->argc) {
        arg->key = check_conflicts(p);
        return arg->key;
    }
    const char *w = p->word = p->argv[p->next++];
    if (!p->only_arguments && strcmp(w, "--") == 0) {
        p->only_arguments = true;
        return cli_next(p, arg);
    }
    if (p->only_arguments || w[0] != '-' || w[1] == '\0') {
        arg->key = CLI_ARGUMENT;
        arg->value = w;
        return CLI_ARGUMENT;
    }
    if (w[1] == '-')
        return arg->key = long_option(p, w + 2, arg);
    p->bundle = w + 1;
    return arg->key = short_option(p, arg);
}
