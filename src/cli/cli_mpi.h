/* The MPI wiring of `synsweep run` (cmd_run_mpi.c, built with
 * SYNSWEEP_MPI). Under an MPI launcher (mpirun, srun --mpi=pmix) rank 0
 * runs the command and the other ranks compute the trials it deals;
 * started any other way, MPI is never initialised and `run` is the serial
 * program. Builds without SYNSWEEP_MPI get the serial forms below. */
#ifndef SYNSWEEP_CLI_MPI_H
#define SYNSWEEP_CLI_MPI_H

#include "synsweep/run.h"

typedef int (*cli_command_fn)(int argc, char **argv,
                              const char *command_line);

#ifdef SYNSWEEP_MPI

/* Returns command(argc, argv, command_line), the exit status. Under an
 * MPI launcher it initialises MPI first; with more than one rank only
 * rank 0 runs command, and the others take the trials it deals through
 * cli_mpi_run and end with rank 0's exit status, printing nothing. MPI
 * is ended on every rank, except after a stop by SIGTERM, SIGINT or
 * SIGHUP: mpirun answers those by sending every rank SIGTERM and, a
 * second later, SIGKILL, and MPI_Finalize never returns meanwhile; rank
 * 0 then exits at once, the others a little after it. */
int cli_mpi_command(int argc, char **argv, const char *command_line,
                    cli_command_fn command);

/* ss_run; on rank 0 of a job of several ranks, ss_ranks_run: the same
 * trials spread over every rank, blocks reaching sink in any order. Call
 * it once per command, from the command cli_mpi_command runs. */
ss_status cli_mpi_run(const ss_grid *grid, const ss_run_options *opt,
                      ss_run_sink sink, void *sink_ctx,
                      ss_run_result *result, ss_error *err);

/* The ranks a run is spread over: 1 outside an MPI job. */
int cli_mpi_ranks(void);

#else

static inline int cli_mpi_command(int argc, char **argv,
                                  const char *command_line,
                                  cli_command_fn command)
{
    return command(argc, argv, command_line);
}

static inline ss_status cli_mpi_run(const ss_grid *grid,
                                    const ss_run_options *opt,
                                    ss_run_sink sink, void *sink_ctx,
                                    ss_run_result *result, ss_error *err)
{
    return ss_run(grid, opt, sink, sink_ctx, result, err);
}

static inline int cli_mpi_ranks(void)
{
    return 1;
}

#endif
#endif
