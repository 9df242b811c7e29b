// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * slowstart - weight ramp of joining backends; the rules are in slowstart.h.
 */
#include "slowstart.h"

__u32 xlb_slowstart_step_ms(__u32 slow_start_ms)
{
	__u32 step = slow_start_ms / 10;

	if (!slow_start_ms)
		return 0;
	return step < 1000 ? 1000 : step;
}

static __u32 nsteps(__u32 slow_start_ms, __u32 step)
{
	return (slow_start_ms + step - 1) / step;
}

__u32 xlb_slowstart_weight(__u32 full, __u64 elapsed_ms, __u32 slow_start_ms)
{
	__u32 step = xlb_slowstart_step_ms(slow_start_ms), n;
	__u64 k, w;

	if (!step || !full)
		return full;
	n = nsteps(slow_start_ms, step);
	k = elapsed_ms / step;
	if (k >= n)
		return full;
	w = ((__u64)full * (2 * k + 1) + n) / (2 * (__u64)n); /* rounded */
	return w ? (__u32)w : 1;
}

__u64 xlb_slowstart_next_ms(__u64 elapsed_ms, __u32 slow_start_ms)
{
	__u32 step = xlb_slowstart_step_ms(slow_start_ms);
	__u64 k;

	if (!step)
		return 0;
	k = elapsed_ms / step;
	if (k >= nsteps(slow_start_ms, step))
		return 0;
	return (k + 1) * step - elapsed_ms;
}
