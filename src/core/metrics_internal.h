/* What the metrics module's statistics are built on: for the module itself
 * and its tests, not part of the library's interface. */
#ifndef SYNSWEEP_METRICS_INTERNAL_H
#define SYNSWEEP_METRICS_INTERNAL_H

#include <stddef.h>

/* np.sum of a contiguous float64 array: numpy's pairwise summation with
 * its blocking, so ss_stats_mean agrees with np.mean to the bit. */
double ss__stats_sum(const double *x, size_t n);

#endif
