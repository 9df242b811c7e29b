/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * slowstart - the weight ramp of a backend that joins a service (added,
 * healthy again, undrained, back from ejection): from a small weight to its
 * full weight over slow_start_ms, in steps, so that lbd rebuilds a service's
 * lookup table a bounded number of times. Pure code, unit-tested in
 * tests/unit/test_slowstart.c.
 *
 * Step length: max(1000 ms, slow_start_ms / 10); n = ceil(slow_start_ms /
 * step) steps. During step k (k = elapsed / step, 0 <= k < n) the weight is
 * full * (2k + 1) / (2n), rounded, at least 1: the value of the linear ramp
 * full * t / slow_start_ms at the middle of the step, so that traffic
 * measured over a step matches the ramp's average over it. From elapsed >=
 * n * step on, the full weight.
 */
#ifndef XLB_SLOWSTART_H
#define XLB_SLOWSTART_H

#include <linux/types.h>
#include <stdbool.h>

#define XLB_SLOWSTART_MAX_MS (3600u * 1000u) /* config: slow_start_s <= 3600 */

/* Step length for a ramp of slow_start_ms (0 if no ramp). */
__u32 xlb_slowstart_step_ms(__u32 slow_start_ms);

/* Effective weight elapsed_ms after the backend joined. */
__u32 xlb_slowstart_weight(__u32 full, __u64 elapsed_ms, __u32 slow_start_ms);

/*
 * ms from elapsed_ms until the weight next changes; 0 when the ramp is over
 * (or there is none).
 */
__u64 xlb_slowstart_next_ms(__u64 elapsed_ms, __u32 slow_start_ms);

#endif
