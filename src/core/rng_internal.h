/* The pieces the rng module's variates are made of: for the core and for
 * the tests that check them (Random123's known answers, the log's
 * accuracy), not part of the library's interface. */
#ifndef SYNSWEEP_RNG_INTERNAL_H
#define SYNSWEEP_RNG_INTERNAL_H

#include <stdint.h>

#include "synsweep/rng.h"

/* One Philox4x64-10 block: out = Philox(ctr, key). */
void ss__rng_philox4x64(const uint64_t ctr[4], const uint64_t key[2],
                        uint64_t out[4]);

/* The uniform of one word: (word >> 11) * 2^-53, in [0, 1). */
double ss__rng_u01(uint64_t word);

/* Skips n words of q (cheap: no generator call until the next read). */
void ss__rng_seq_skip(ss_rng_seq *q, uint64_t n);

/* Natural log of a positive finite x, from IEEE arithmetic alone
 * (accurate to a few ulp), so the normals and the fast kernels' gaps do
 * not change with the C library. */
double ss__rng_log(double x);

#endif
