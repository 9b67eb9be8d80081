/* What the subcommands share: the walk over a command's words with the one
 * option parser, the printers of usage errors and errors (only the program
 * prints), and the helpers more than one command needs. */
#ifndef SYNSWEEP_CLI_H
#define SYNSWEEP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "synsweep/grid.h"
#include "synsweep/h5io.h"
#include "synsweep/model.h"
#include "synsweep/spec.h"
#include "synsweep/status.h"

/* " (git 1a2b3c4)", with "-dirty" when the checkout had changes, or ""
 * when not built from a git checkout: generated at build time. */
extern const char cli_git_describe[];

/* The subcommands. argv[0] is the command's name, argv[1 .. argc) its
 * words; command_line is the whole command line as typed (for the files'
 * attributes). Each returns the process's exit status. */
int cli_cmd_run(int argc, char **argv, const char *command_line);
int cli_cmd_validate(int argc, char **argv, const char *command_line);
int cli_cmd_info(int argc, char **argv, const char *command_line);
int cli_cmd_trial(int argc, char **argv, const char *command_line);
int cli_cmd_trace(int argc, char **argv, const char *command_line);
int cli_cmd_merge(int argc, char **argv, const char *command_line);

/* The keys of every command's options: one set, so that the entries
 * several commands have are written once, below. */
enum cli_key {
    OPT_HELP = 1,
    OPT_OUTPUT,
    OPT_JOBS,
    OPT_QUIET,
    OPT_KERNEL,
    OPT_FORCE,
    OPT_RESUME,
    OPT_DRY_RUN,
    OPT_JSON,
    OPT_SET,
    OPT_SEED,
    OPT_REPEAT,
    OPT_TRIAL,
    OPT_SHARD,
    OPT_ALLOW_PARTIAL,
    OPT_AT,
    OPT_PROGRESS_EVERY,
    OPT_COUNT
};

#define CLI_OPT_HELP {OPT_HELP, 'h', "help", false, 0}
#define CLI_OPT_OUTPUT {OPT_OUTPUT, 'o', "output", true, 0}
#define CLI_OPT_KERNEL {OPT_KERNEL, 0, "kernel", true, 0}
#define CLI_OPT_FORCE {OPT_FORCE, 0, "force", false, 0}

/* A command's words: its name (for messages), its usage text (for
 * --help, which every table has as CLI_OPT_HELP), its options, and what
 * to say when its one argument (SPEC, MODEL, FILE) is missing or another
 * follows it. */
typedef struct cli_syntax {
    const char *command;
    const char *usage;
    void (*more_help)(void); /* printed after the usage; may be NULL */
    const cli_option *options;
    size_t n_options;
    const char *missing;  /* NULL: the command checks */
    const char *too_many; /* NULL: "unexpected argument 'X'" */
} cli_syntax;

#define CLI_TABLE(t) t, sizeof t / sizeof t[0]

/* What cli_parse gathers for every command. */
typedef struct cli_words {
    const char *argument; /* the one argument; NULL when not given */
    ss_kernel kernel;     /* --kernel, SS_KERNEL_FAST when not given */
    bool flag[OPT_COUNT]; /* the flags given, by key */
} cli_words;

/* What cli_parse and its callbacks return to let the command go on; any
 * other value is the exit status to end with. */
#define CLI_CONTINUE (-1)

/* Called for each of a command's own options that take a value, in the
 * order written; returns CLI_CONTINUE or an exit status. */
typedef int (*cli_on_value)(void *ctx, const cli_arg *arg);

/* Reads argv[1 .. argc) with syntax's table into *words (cleared first):
 * the argument, --kernel and the flags; calls on_value(ctx, ...) for the
 * other options that take a value (on_value may be NULL when there are
 * none). Returns CLI_CONTINUE when every word was taken and the command is
 * to run; 0 after --help (the usage printed); the exit status of a usage
 * error (printed: an unknown option, a missing value, two options that
 * exclude each other, a bad --kernel, a missing or second argument); or
 * what on_value returned when not CLI_CONTINUE. */
int cli_parse(const cli_syntax *syntax, int argc, char **argv,
              cli_words *words, cli_on_value on_value, void *ctx);

/* cli_parse for a command of several arguments (merge's and info's
 * files): each argument, in order, into list[0 .. *n_list) (list has room
 * for argc of them), the first also into words->argument. */
int cli_parse_list(const cli_syntax *syntax, int argc, char **argv,
                   cli_words *words, const char **list, size_t *n_list,
                   cli_on_value on_value, void *ctx);

/* For a command whose one word is a path (validate SPEC, info FILE) and
 * whose only option is --help: parses argv and returns run(path), or the
 * exit status of --help (0) or of a usage error (2, printed, such as
 * "info takes one FILE" for no path or two). */
int cli_run_on_path(const char *command, const char *usage, const char *what,
                    int argc, char **argv, int (*run)(const char *path));

/* Prints "synsweep: error: MESSAGE" and "Try 'synsweep COMMAND --help'."
 * (or 'synsweep --help' when command is NULL) on stderr; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints err as editors read it (file:line:column: error: ..., then its
 * hint) on stderr; returns the exit status of its code. */
int cli_report(const ss_error *err);

/* Writes word on stream so that a POSIX shell reads it back as it is:
 * unchanged when every character is one of [A-Za-z0-9_./+=:,@%-], else in
 * single quotes, each ' inside written '\''; '' for an empty word. */
void cli_put_shell_word(FILE *stream, const char *word);

/* True when the paths a and b name one existing file (the same device and
 * inode, through links too): an output that would overwrite an input. */
bool cli_same_file(const char *a, const char *b);

/* A whole number in [0, 2^64) written in decimal, nothing else. */
bool cli_parse_u64(const char *text, uint64_t *out);

/* The most threads -j takes. */
#define CLI_MAX_THREADS 4096

/* The default of -j: OMP_NUM_THREADS when set (its first entry: "4,2"
 * is 4) into *threads, else 0 (the CPUs the process may use). Returns
 * CLI_CONTINUE, or the exit status of a usage error naming the variable
 * when its value is no thread count (printed). */
int cli_env_threads(const char *command, int *threads);

/* Loads a spec and its grid (the caller frees both: the grid first);
 * prints the error and returns its exit status on failure (*spec and
 * *grid then NULL), else 0. */
int cli_load_sweep(const char *path, ss_spec **spec, ss_grid **grid);

/* cli_load_sweep with the grid of one shard of the sweep (NULL: the
 * whole sweep). */
int cli_load_part(const char *path, const ss_shard *shard, ss_spec **spec,
                  ss_grid **grid);

/* "trials A–B" (both included), "trial A" or "no trials" for the trials
 * [first, first + n), into buf. */
void cli_format_trials(char *buf, size_t size, uint64_t first, uint64_t n);

/* A SPEC in a command printed for the shell: quoted, and "./" before one
 * that would read as an option. */
void cli_put_spec_word(FILE *stream, const char *spec);

/* ---- gaps.c: trials no part holds, and the commands that run them ---- */

/* The runs of trials missing from a set of parts, as ss_h5_read_parts
 * and ss_h5_merge report them: the first CLI_GAPS_KEPT kept. Zero it
 * before use. */
#define CLI_GAPS_KEPT 1024
typedef struct cli_gaps {
    uint64_t first[CLI_GAPS_KEPT], n[CLI_GAPS_KEPT];
    size_t kept;
    uint64_t runs, trials; /* all of them */
} cli_gaps;

/* An ss_h5_missing_fn: adds a run to the cli_gaps at ctx. */
void cli_gaps_add(void *ctx, uint64_t first, uint64_t n);

/* "trials A–B, trial C, ..." (the first few, then how many more). */
void cli_print_gaps(FILE *stream, const cli_gaps *gaps);

/* What the commands that fill the gaps are made from. */
typedef struct cli_fill_ctx {
    const cli_gaps *gaps;
    const char *const *paths; /* the parts, as given */
    const ss_h5_part *parts;
    size_t n;
    const ss_h5_parts *sum;
    const char *merge_out; /* merge's FILE, for the merge to run after;
                              NULL: none */
    bool merge_force;
} cli_fill_ctx;

/* Prints "  to run them:" and the commands that run the missing trials:
 * `synsweep run SPEC -o PART --shard K/N --resume` for each shard of the
 * parts' N with a missing trial (PART the given part of that shard, else
 * a path named as the given parts are), or `synsweep run SPEC -o PART
 * --resume` on a part of the whole sweep; SPEC is the one the parts
 * record. With merge_out, then the merge command with the new parts.
 * Returns the number of run commands (0: none can be made, nothing
 * printed). */
size_t cli_print_fill(FILE *stream, const cli_fill_ctx *c);

/* The grid of a spec as `validate` and `run --dry-run` print it. */
void cli_print_grid(const ss_spec *spec, const ss_grid *grid);

/* A results file's summary as `info` and `run` print it. */
void cli_print_info(const ss_h5_info *info, const char *path);

/* JSON pieces (json.c): a string with its quotes and escapes; a number in
 * the fewest digits that read back exactly, null for NaN and infinities;
 * text that is a number as that number, else as a string. */
void cli_json_string(FILE *out, const char *s);
void cli_json_number(FILE *out, double v);
void cli_json_text_value(FILE *out, const char *text);
/* An object's next member, after the first: `, "key": ` and the string
 * s, or the number v. */
void cli_json_string_member(FILE *out, const char *key, const char *s);
void cli_json_number_member(FILE *out, const char *key, double v);

#endif
