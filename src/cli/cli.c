#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One word of a command, taken into words or handed to on_value. */
static int take(const cli_syntax *syntax, const cli_arg *arg,
                cli_words *words, cli_on_value on_value, void *ctx)
{
    switch (arg->key) {
    case CLI_ARGUMENT:
        if (!words->argument) {
            words->argument = arg->value;
            return CLI_CONTINUE;
        }
        if (syntax->too_many)
            return cli_usage_error(syntax->command, "%s", syntax->too_many);
        return cli_usage_error(syntax->command, "unexpected argument '%s'",
                               arg->value);
    case OPT_KERNEL:
        words->kernel = ss_kernel_from_name(arg->value);
        if (words->kernel != SS_KERNEL_COUNT)
            return CLI_CONTINUE;
        return cli_usage_error(syntax->command,
                               "%s takes fast or reference (got '%s')",
                               arg->name, arg->value);
    default:
        if (!arg->value && arg->key < OPT_COUNT) { /* a flag */
            words->flag[arg->key] = true;
            return CLI_CONTINUE;
        }
        return on_value(ctx, arg);
    }
}

/* `synsweep COMMAND --list-options` (hidden): the command's table, one
 * option a line, "--long -s value|flag" ("-" for a missing name), which
 * the bash completion reads and a test holds the man page to. */
static void list_options(const cli_syntax *syntax)
{
    for (size_t i = 0; i < syntax->n_options; i++) {
        const cli_option *o = &syntax->options[i];
        char s[3] = {'-', o->short_name, '\0'};
        printf("%s%s %s %s\n", o->long_name ? "--" : "-",
               o->long_name ? o->long_name : "", o->short_name ? s : "-",
               o->takes_value ? "value" : "flag");
    }
}

/* cli_parse; with list, every argument is also gathered into
 * list[0 .. *n_list) instead of the second being an error. */
static int walk(const cli_syntax *syntax, int argc, char **argv,
                cli_words *words, const char **list, size_t *n_list,
                cli_on_value on_value, void *ctx)
{
    memset(words, 0, sizeof *words);
    words->kernel = SS_KERNEL_FAST;
    if (argc == 2 && strcmp(argv[1], "--list-options") == 0) {
        list_options(syntax);
        return 0;
    }
    cli_parser p;
    cli_parser_init(&p, argc - 1, argv + 1, syntax->options,
                    syntax->n_options);
    for (;;) {
        cli_arg arg;
        int rc = cli_next(&p, &arg);
        if (rc == CLI_ERROR)
            return cli_usage_error(syntax->command, "%s", p.error);
        if (rc == CLI_END)
            break;
        if (rc == OPT_HELP) {
            fputs(syntax->usage, stdout);
            if (syntax->more_help)
                syntax->more_help();
            return 0;
        }
        if (list && rc == CLI_ARGUMENT) {
            list[(*n_list)++] = arg.value;
            if (!words->argument)
                words->argument = arg.value;
            continue;
        }
        if ((rc = take(syntax, &arg, words, on_value, ctx)) != CLI_CONTINUE)
            return rc;
    }
    if (!words->argument && syntax->missing)
        return cli_usage_error(syntax->command, "%s", syntax->missing);
    return CLI_CONTINUE;
}

int cli_parse(const cli_syntax *syntax, int argc, char **argv,
              cli_words *words, cli_on_value on_value, void *ctx)
{
    return walk(syntax, argc, argv, words, NULL, NULL, on_value, ctx);
}

int cli_parse_list(const cli_syntax *syntax, int argc, char **argv,
                   cli_words *words, const char **list, size_t *n_list,
                   cli_on_value on_value, void *ctx)
{
    *n_list = 0;
    return walk(syntax, argc, argv, words, list, n_list, on_value, ctx);
}

int cli_run_on_path(const char *command, const char *usage, const char *what,
                    int argc, char **argv, int (*run)(const char *path))
{
    static const cli_option help_only[] = {CLI_OPT_HELP};
    char one[64];
    snprintf(one, sizeof one, "%s takes one %s", command, what);
    const cli_syntax syntax = {command, usage, NULL, CLI_TABLE(help_only),
                               one, one};
    cli_words w;
    int rc = cli_parse(&syntax, argc, argv, &w, NULL, NULL);
    return rc == CLI_CONTINUE ? run(w.argument) : rc;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "synsweep: error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'synsweep %s%s--help'.\n", command ? command : "",
            command ? " " : "");
    return ss_status_exit_code(SS_ERR_USAGE);
}

int cli_report(const ss_error *err)
{
    if (err->file[0] && err->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", err->file, err->line,
                err->column, err->message);
    else
        fprintf(stderr, "synsweep: error: %s\n", err->message);
    if (err->hint[0])
        fprintf(stderr, "  hint: %s\n", err->hint);
    return ss_status_exit_code(err->code);
}

void cli_put_shell_word(FILE *stream, const char *word)
{
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz"
                                "0123456789_./+=:,@%-";
    if (word[0] && word[strspn(word, plain)] == '\0') {
        fputs(word, stream);
        return;
    }
    fputc('\'', stream);
    for (const char *c = word; *c; c++) {
        if (*c == '\'')
            fputs("'\\''", stream); /* close, an escaped ', reopen */
        else
            fputc(*c, stream);
    }
    fputc('\'', stream);
}

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool cli_parse_u64(const char *text, uint64_t *out)
{
    if (!text || !*text || *text == '-')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = (uint64_t)v;
    return true;
}

int cli_env_threads(const char *command, int *threads)
{
    const char *env = getenv("OMP_NUM_THREADS");
    *threads = 0;
    if (!env || !*env) /* unset, or set to nothing: as OpenMP reads it */
        return CLI_CONTINUE;
    /* OpenMP's nested list "4,2": the first entry is the outer level's */
    char first[32];
    size_t len = strcspn(env, ",");
    uint64_t n;
    if (len < sizeof first) {
        memcpy(first, env, len);
        first[len] = '\0';
    }
    if (len >= sizeof first || !cli_parse_u64(first, &n) || n < 1 ||
        n > CLI_MAX_THREADS || first[0] < '0' || first[0] > '9')
        return cli_usage_error(command,
                               "OMP_NUM_THREADS must be a thread count "
                               "1..%d, or a list such as 4,2 whose first "
                               "entry is one (got '%s')",
                               CLI_MAX_THREADS, env);
    *threads = (int)n;
    return CLI_CONTINUE;
}

int cli_load_sweep(const char *path, ss_spec **spec, ss_grid **grid)
{
    return cli_load_part(path, NULL, spec, grid);
}

int cli_load_part(const char *path, const ss_shard *shard, ss_spec **spec,
                  ss_grid **grid)
{
    ss_error err;
    ss_error_clear(&err);
    *grid = NULL;
    if (ss_spec_load_file(path, spec, &err) != SS_OK)
        return cli_report(&err);
    if (ss_grid_create_shard(*spec, shard, grid, &err) != SS_OK) {
        ss_spec_free(*spec);
        *spec = NULL;
        return cli_report(&err);
    }
    return 0;
}

void cli_format_trials(char *buf, size_t size, uint64_t first, uint64_t n)
{
    if (n == 0)
        snprintf(buf, size, "no trials");
    else if (n == 1)
        snprintf(buf, size, "trial %llu", (unsigned long long)first);
    else
        snprintf(buf, size, "trials %llu–%llu", (unsigned long long)first,
                 (unsigned long long)(first + n - 1));
}

void cli_put_spec_word(FILE *stream, const char *spec)
{
    /* a SPEC written as an option would not read back as the SPEC */
    if (spec[0] == '-' && spec[1] != '\0')
        fputs("./", stream);
    cli_put_shell_word(stream, spec);
}
