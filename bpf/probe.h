/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * probe.h - health probes through the data path (health_check via: vip, #21).
 *
 * A probe to a backend's own address proves nothing about the way the
 * clients' packets reach it: addressed to the VIP, MAC-rewritten or
 * encapsulated, then decapsulated or accepted on the backend's loopback. So
 * lbd sends such a probe to the VIP itself, from the node's stack, out of
 * one end of a veth pair (policy routing by the socket's mark, see
 * docs/config.md); this program runs on the other end, xlb_xdp_probe. The
 * probe's source port names the backend: lbd binds the socket, writes
 * XLB_PROBES_MAP[(sport, proto, family)] = (backend id, forwarding mode),
 * then connects. The program sends the frame to that backend with the very
 * code the data path forwards clients' packets with (xlb_forward: next-hop
 * cache, MAC rewrite or IPIP/GUE encapsulation, TX or devmap redirect), so a
 * backend without the VIP on its loopback or without a decapsulator drops
 * the probe and shows as down. The backend answers the probe's source (the
 * node) directly, as it answers clients.
 *
 * Like Katran's and vc5's data-path health checks, the steering is keyed on
 * something only the probe carries; it is a separate XDP program on an
 * interface only probes use, so the clients' path pays nothing for it (not a
 * lookup, not a branch). The backend need not be usable (a probe is how a
 * down backend comes back); the service's scheduler is never asked, nothing
 * is recorded in the connection table and no service or backend counter
 * moves (the outlier detection must not see probes). What is not a probe
 * (ARP, neighbour discovery, a port with no entry) is left to the kernel,
 * uncounted; a probe is counted under the global reason of its verdict.
 */
#ifndef XLB_BPF_PROBE_H
#define XLB_BPF_PROBE_H

#include "maps.h"
#include "parse.h"
#include "clock.h"
#include "encap.h"

static __always_inline int xlb_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_flow_key key __attribute__((aligned(8)));
	struct xlb_probe_key pk;
	struct xlb_backend *be;
	struct xlb_probe *pr;
	struct xlb_pkt pkt;
	__u32 be_id;

	__builtin_memset(&key, 0, sizeof(key));
	if (xlb_parse(data, data_end, &key, &pkt) != XLB_PARSE_OK)
		return XDP_PASS;
	__builtin_memset(&pk, 0, sizeof(pk)); /* map key: every byte defined */
	pk.sport = key.sport;
	pk.proto = key.proto;
	pk.family = key.family;
	pr = bpf_map_lookup_elem(&XLB_PROBES_MAP, &pk);
	if (!pr)
		return XDP_PASS;
	be_id = pr->be_id;
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &be_id);
	/* the id was released (backend removed): the probe is lost, as a client's would be */
	if (!be || !be->family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_BACKEND);
	return xlb_forward(ctx, &key, &pkt, be, be_id, xlb_now(), pr->fwd, 0);
}

#endif /* XLB_BPF_PROBE_H */
