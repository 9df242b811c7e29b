// SPDX-License-Identifier: GPL-2.0-only
/*
 * synck.bpf.c - decap.bpf.c plus the backend's half of xlb's SYN cookies
 * (bpf/synck.h): one object for backends of syn_cookies services, in any
 * forwarding mode (dsr-l2 packets are not encapsulated and pass the decap
 * part untouched). A separate object because it needs the
 * bpf_sk_assign_tcp_reqsk kfunc (Linux 6.9+): decap.bpf.o keeps loading
 * on older kernels.
 */
#define XLB_DECAP_SYNCOOKIE 1
#include "decap.bpf.c"
