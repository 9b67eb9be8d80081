/* The program's one option parser, driven by a table of options. A pure
 * function of argv and the table, its state in a caller-owned struct (no
 * globals, unlike getopt), so a test can drive it without the binary.
 *
 * getopt habits: -o FILE, -oFILE, --output FILE, --output=FILE; flags may
 * be bundled (-qj2 is -q -j 2); an option's value is the next word even
 * when that starts with '-'; options and arguments come in any order;
 * `--` ends the options (every word after it is an argument) and a lone
 * `-` is an argument. Long names must be written in full. */
#ifndef SYNSWEEP_CLI_OPTIONS_H
#define SYNSWEEP_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* One option of a command. */
typedef struct cli_option {
    int key;               /* > 0: what cli_next returns for it */
    char short_name;       /* 'o' for -o; 0: none */
    const char *long_name; /* "output" for --output; NULL: none */
    bool takes_value;      /* false: a flag */
    int excludes;          /* the key of an option it may not go with; 0 */
} cli_option;

/* What cli_next returns besides an option's key. */
enum {
    CLI_END = 0,       /* argv is used up, and no two options conflict */
    CLI_ARGUMENT = -1, /* a positional argument, in arg->value */
    CLI_ERROR = -2     /* a usage error, described in parser->error */
};

/* The most entries a table may have. */
#define CLI_MAX_OPTIONS 32

/* One pass over argv: caller-owned, on the stack; set by cli_parser_init,
 * read only by cli_next (error excepted). */
typedef struct cli_parser {
    int argc;
    char *const *argv;
    const cli_option *table;
    size_t n_options;
    int next;                   /* the word of argv to read next */
    const char *word;           /* the word being read */
    const char *bundle;         /* what is left of a bundle of flags */
    bool only_arguments;        /* after `--` */
    bool finished;              /* CLI_END or CLI_ERROR was returned */
    int last;                   /* which of the two */
    bool seen[CLI_MAX_OPTIONS]; /* per entry of the table */
    /* the message of CLI_ERROR: one line, no prefix, e.g.
     * "unknown option '--bogus'" or "-o needs a value" */
    char error[256];
} cli_parser;

/* One item of argv as cli_next read it. */
typedef struct cli_arg {
    int key;           /* what cli_next returned */
    const char *value; /* the option's value (NULL for a flag) or the
                          argument: points into argv */
    char name[64];     /* the option as written, without its value:
                          "-o" or "--output"; "" for an argument */
} cli_arg;

/* Starts a pass over the words argv[0 .. argc) (those after the command's
 * name) with table[0 .. n), n <= CLI_MAX_OPTIONS. Keeps pointers to argv
 * and table: both must outlive the parser. */
void cli_parser_init(cli_parser *p, int argc, char *const *argv,
                     const cli_option *table, size_t n);

/* Reads the next option or argument into *arg and returns its key,
 * CLI_ARGUMENT, CLI_END or CLI_ERROR. Errors: an unknown option, a missing
 * value, a value given to a flag (--quiet=1), and, once argv is used up,
 * an option given with the one it `excludes` (in either order). After
 * CLI_END or CLI_ERROR every call returns that again. */
int cli_next(cli_parser *p, cli_arg *arg);

#endif
