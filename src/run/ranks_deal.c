/* Rank 0's dealer of trials: guided deals of the trials to do. */
#include "ranks_internal.h"

ss_status ss__ranks_deal(ss__ranks_dealer *d, uint64_t *first, uint64_t *n,
                         ss_error *err)
{
    *n = 0;
    if (d->closed)
        return SS_OK;
    if (d->range_n == 0) {
        if (d->todo) {
            ss_status st = d->todo(d->todo_ctx, d->next, &d->range_first,
                                   &d->range_n, err);
            if (st != SS_OK) {
                d->closed = true;
                return st;
            }
        } else {
            d->range_first = d->next;
            d->range_n = d->next < d->total ? d->total - d->next : 0;
        }
        if (d->range_n == 0) {
            d->closed = true;
            return SS_OK;
        }
    }
    uint64_t g = d->left / (2 * (uint64_t)d->takers);
    g = g < SS__RANKS_MIN_DEAL   ? SS__RANKS_MIN_DEAL
        : g > SS__RANKS_MAX_DEAL ? SS__RANKS_MAX_DEAL
                                 : g;
    if (g >= d->unit)
        g = g / d->unit * d->unit; /* whole chunks of the file */
    if (g > d->range_n)
        g = d->range_n;
    *first = d->range_first;
    *n = g;
    d->range_first += g;
    d->range_n -= g;
    d->next = d->range_first;
    d->left = d->left > g ? d->left - g : 0;
    return SS_OK;
}
