/* Between the files of the ranks module: the messages rank 0 and the other
 * ranks exchange, and the dealer of trials (ranks_deal.c, free of MPI so
 * that a unit test reaches it in every build). */
#ifndef SYNSWEEP_RANKS_INTERNAL_H
#define SYNSWEEP_RANKS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "synsweep/run.h"

/* The messages, by tag. A rank asks (ASK, empty); rank 0 answers with a
 * deal (WORK: first, n; n = 0 when nothing is left). A rank sends each
 * block it finished as ROWS (first, n) then DATA (n ss_metrics, bytes),
 * and ends with BYE (a bye). */
enum { SS__RANKS_ASK = 1, SS__RANKS_WORK, SS__RANKS_ROWS, SS__RANKS_DATA,
       SS__RANKS_BYE };

/* How a rank ended its part of the run. */
typedef struct ss__ranks_bye {
    int32_t status; /* ss_status */
    int32_t signal; /* its stop flag's value when stopped */
    ss_error err;
} ss__ranks_bye;

/* Trials per deal: guided, a share of what is left (large deals first, few
 * messages; small ones at the end, so the ranks finish together), never
 * so few that the messages cost more than the trials, never more than
 * rank 0 holds for a block (a block never exceeds its deal). */
#define SS__RANKS_MIN_DEAL 1024
#define SS__RANKS_MAX_DEAL 65536

/* Plain data: the caller fills todo, todo_ctx, total, left, unit and
 * takers, the rest zero. */
typedef struct ss__ranks_dealer {
    ss_run_todo todo; /* NULL: every trial of the grid */
    void *todo_ctx;
    uint64_t total; /* trials of the grid */
    uint64_t left;  /* trials to do not dealt yet (sizes deals only) */
    uint64_t unit;  /* deals are multiples of it while they can be (>= 1) */
    int takers;     /* ranks computing (>= 1) */
    uint64_t range_first, range_n, next;
    bool closed; /* nothing more is dealt */
} ss__ranks_dealer;

/* The next deal, [*first, *first + *n) of the trials to do, in increasing
 * order; *n = 0 once nothing is left or d->closed. A failure of d->todo
 * (err filled by it) closes the dealer and is returned. */
ss_status ss__ranks_deal(ss__ranks_dealer *d, uint64_t *first, uint64_t *n,
                         ss_error *err);

#endif
