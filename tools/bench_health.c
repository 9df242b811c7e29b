// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_health - how many backends lbd's health checker keeps up with.
 *
 * Runs the real checker (userspace/lib/health.c, the code lbd runs) in a
 * private network namespace against N backends: N local addresses
 * (10.200.0.0/16 routed "local" on lo) answered by one TCP listener in a
 * forked child that accepts and closes. Every backend is probed with a TCP
 * connect every --interval-ms. Prints probes per second achieved, how late
 * probes started against their schedule (histogram and the bucket holding
 * the 99th percentile), the checker's CPU use, and the probe results.
 *
 * Goal (issue: health checking): 10,000 backends at a 1 s interval on one
 * core without falling behind: p99 lateness < 100 ms.
 *
 * Usage: bench_health [--backends N] [--interval-ms MS] [--seconds S]
 * Root needed (network namespace). Only addresses inside that namespace
 * are ever contacted.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "health.h"

#define PORT 8080

struct run {
	__u64 ok, failed;
};

static void on_result(void *ctx, struct xlb_hc_target *t, bool changed)
{
	struct run *r = ctx;

	if (xlb_hc_target_state(t)->last == XLB_HC_R_OK)
		r->ok++;
	else
		r->failed++;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc) {
		fprintf(stderr, "bench_health: \"%s\" failed\n", cmd);
		return -1;
	}
	return 0;
}

/* The backends: one listener for every address of 10.200.0.0/16, in a child. */
static pid_t listener(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int fd, one = 1;
	pid_t pid;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 65535)) {
		perror("bench_health: listener");
		return -1;
	}
	pid = fork();
	if (pid) {
		close(fd);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	static const char *const bucket[] = { "<1ms", "<10ms", "<50ms", "<100ms",
					      "<500ms", "<1s", "<5s", ">=5s" };
	static const struct option opts[] = {
		{ "backends", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int n = 10000, interval = 1000, seconds = 10, i;
	struct xlb_hc_stats st0, st;
	struct xlb_hc_target **tg;
	struct xlb_hc_check chk;
	struct run run = {};
	struct xlb_hc *hc;
	long long t0, t_end, now;
	__u64 late, cum, total, on_time, hist[8];
	double cpu0, cpu;
	int opt, epfd, err;
	pid_t child;

	while ((opt = getopt_long(argc, argv, "n:i:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtoul(optarg, NULL, 10); break;
		case 's': seconds = strtoul(optarg, NULL, 10); break;
		case 'h':
			printf("Usage: bench_health [--backends N (10000)] [--interval-ms MS (1000)] "
			       "[--seconds S (10)]\n");
			return 0;
		default: return 2;
		}
	}
	if (!n || n > 65000 || interval < 10 || !seconds) {
		fprintf(stderr, "bench_health: backends 1..65000, interval >= 10 ms, seconds >= 1\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET)) {
		perror("bench_health: unshare(CLONE_NEWNET) (root needed)");
		return 1;
	}
	if (sh("ip link set lo up") || sh("ip route add local 10.200.0.0/16 dev lo"))
		return 1;
	/* Every probe opens a socket: make room for N in flight. */
	struct rlimit rl = { 1 << 18, 1 << 18 };
	setrlimit(RLIMIT_NOFILE, &rl);
	child = listener();
	if (child < 0)
		return 1;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	err = xlb_hc_new(epfd, on_result, &run, &hc);
	tg = calloc(n, sizeof(*tg));
	if (epfd < 0 || err || !tg) {
		fprintf(stderr, "bench_health: setting up the checker failed\n");
		return 1;
	}
	xlb_hc_check_default(&chk);
	chk.type = XLB_HC_TCP;
	chk.interval_ms = interval;
	chk.timeout_ms = interval / 2;
	chk.jitter_ms = interval / 20;
	for (i = 0; i < n; i++) {
		struct xlb_addr a = { .a = { htonl(0x0ac80000u + 1 + i) } }; /* 10.200.0.1.. */

		err = xlb_hc_add(hc, &chk, &a, XLB_AF_INET, PORT, NULL, &tg[i]);
		if (err) {
			fprintf(stderr, "bench_health: adding backend %u: %s\n", i, strerror(-err));
			return 1;
		}
	}

	/* One interval to spread the first probes, then measure. */
	t0 = xlb_hc_now_ns();
	t_end = t0 + (long long)(interval + seconds * 1000ull) * 1000000;
	cpu0 = 0;
	memset(&st0, 0, sizeof(st0));
	for (bool measuring = false;;) {
		struct epoll_event evs[256];
		int k, m;

		now = xlb_hc_now_ns();
		if (!measuring && now - t0 >= (long long)interval * 1000000) {
			measuring = true;
			xlb_hc_get_stats(hc, &st0);
			cpu0 = cpu_s();
			run = (struct run){};
			t0 = now;
		}
		if (now >= t_end)
			break;
		m = epoll_wait(epfd, evs, 256, 50);
		for (k = 0; k < m; k++)
			xlb_hc_event(hc, evs[k].data.u64, evs[k].events);
	}
	cpu = cpu_s() - cpu0;
	xlb_hc_get_stats(hc, &st);

	total = on_time = 0;
	for (i = 0; i < 8; i++) {
		hist[i] = st.lateness_hist[i] - st0.lateness_hist[i];
		total += hist[i];
		if (i < 4) /* the buckets below 100 ms */
			on_time += hist[i];
	}
	printf("backends %u  interval %u ms  measured %.1f s\n", n, interval, (now - t0) / 1e9);
	printf("probes_per_s %.0f  (expected %.0f)  ok %llu  failed %llu\n",
	       (st.probes - st0.probes) / ((now - t0) / 1e9), n * 1000.0 / interval,
	       (unsigned long long)run.ok, (unsigned long long)run.failed);
	printf("checker_cpu %.1f%% of one core\n", 100.0 * cpu / ((now - t0) / 1e9));
	printf("lateness (probe start vs schedule):");
	for (i = 0, cum = 0, late = 0; i < 8; i++) {
		printf(" %s:%llu", bucket[i], (unsigned long long)hist[i]);
		cum += hist[i];
		if (!late && total && cum * 100 >= total * 99)
			late = i + 1; /* the bucket holding the 99th percentile, 1-based */
	}
	printf("\np99_lateness_bucket %s  on_time_within_100ms %.2f%%  max_lateness_ms %.1f\n",
	       late ? bucket[late - 1] : "n/a", total ? 100.0 * on_time / total : 0.0,
	       st.lateness_max_us / 1000.0);
	printf("goal p99 < 100 ms: %s\n", late && late <= 4 ? "met" : "missed");

	xlb_hc_free(hc);
	free(tg);
	close(epfd);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
