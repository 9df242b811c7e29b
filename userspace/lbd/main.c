// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbd - the xlb agent: loads and attaches the XDP data path, keeps its maps
 * equal to the config (plus runtime changes made through lbctl) and serves
 * the control socket. One thread, one epoll loop: the listening socket and its
 * clients (control.c), a signalfd (INT/TERM: exit, HUP: reload), a timerfd (periodic
 * neighbour refresh) and the health checker (hc.c: one timerfd and its probe
 * sockets, epoll data tagged XLB_HC_EV_TAG).
 *
 * Exiting leaves the program attached and the maps pinned: a restarted lbd
 * adopts them (see dp.h), so a restart or upgrade drops no packet.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "fileio.h"
#include "history.h"
#include "feedback.h" /* #21 */
#include "lbd.h"
#include "probe.h"
#include "log.h"
#include "num.h"
#include "state.h"
#include "version.h"

#define BPFFS "/sys/fs/bpf"

long long lbd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lbd --config FILE --iface IF [OPTIONS]\n"
		"       lbd --config FILE --check-config\n"
		"       lbd --iface IF --detach [--pin-dir DIR] [--config FILE]\n"
		"\n"
		"The xlb agent: attaches the XDP load balancer to IF, programs the services of\n"
		"FILE and serves the control socket (see lbctl). Runs in the foreground and\n"
		"logs to stderr. SIGHUP reloads FILE; SIGINT/SIGTERM exit and leave the data\n"
		"path running (a restarted lbd adopts it without dropping packets).\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE      YAML config (docs/config.md)\n"
		"  -i, --iface IF         interface to attach to\n"
		"  -p, --pin-dir DIR      where maps and the link are pinned (default " XLB_PIN_ROOT "/IF)\n"
		"  -s, --socket PATH      control socket (default " XLB_DEFAULT_SOCKET ")\n"
		"  -m, --mode MODE        auto (native, else generic), native or generic (default auto)\n"
		"  -l, --log-level LEVEL  error, warn, info or debug (default info)\n"
		"      --state FILE       runtime changes made with lbctl, kept across restarts\n"
		"                         (default STATE_DIR/IF.state; \"\" = none)\n"
		"      --audit-log FILE   audit log when the config has no audit.file\n"
		"                         (default STATE_DIR/IF.audit.log; docs/access.md)\n"
		"      --state-dir DIR    STATE_DIR: where the state file, audit log and history\n"
		"                         go by default (default $XLB_STATE_DIR, else " XLB_STATE_DIR ")\n"
		"      --history DIR      applied generations of the config (lbctl history,\n"
		"                         rollback; default: the state file's name with\n"
		"                         .history for .state; \"\" = none)\n"
		"      --history-keep N   generations kept (default 50)\n"
		"      --lc-idle SECONDS  least connections: a flow idle this long no longer\n"
		"                         counts as active (default 120)\n"
		"      --max-flows N      connection table entries (default: the pinned table's,\n"
		"                         else %u); another N resizes it, keeping flows\n"
		"      --max-backends N   backend capacity, all services (default: the pinned\n"
		"                         maps', else %u; a change needs --detach first)\n"
		"      --no-flow-cache    load the data path without its per-CPU cache of\n"
		"                         established flows (docs/performance.md)\n"
		"      --probe-iface IF   health checks with via: vip enter the data path on IF,\n"
		"                         one end of a veth pair only probes use (docs/config.md)\n"
		"      --probe-mark N     SO_MARK of those probes (decimal), for the policy route\n"
		"                         that sends them out of the pair's other end\n"
		"                         (default 30828, 0x786c)\n"
		"      --check-config     validate the config, print OK or the error, exit 0/1\n"
		"      --detach           remove the XDP program and the pins of IF, exit (with\n"
		"                         --config: withdraw its BGP announcements first)\n"
		"  -V, --version          print lbd's version and exit\n"
		"  -h, --help             this text\n",
		(unsigned int)XLB_MAX_FLOWS, (unsigned int)XLB_MAX_BACKENDS);
}

/* --opt ARG: a decimal in [lo, hi] into *out, else a message naming the option and false. */
static bool opt_uint(const char *opt, const char *arg, const char *what, unsigned long lo,
		     unsigned long hi, unsigned long *out)
{
	unsigned long long v;

	/* digits only: strtoul would take " 5", "+5" and "-1" (wrapped) */
	if (xlb_parse_uint(arg, lo, hi, &v)) {
		fprintf(stderr, "lbd: --%s \"%s\": expected %s, %lu..%lu\n", opt, arg, what, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

/* IF.state -> IF<ext> (other names: ext appended; "" stays "": none). */
static void state_sibling(const char *state, const char *ext, char *buf, size_t len)
{
	size_t n = strlen(state);

	if (n > 6 && !strcmp(state + n - 6, ".state"))
		snprintf(buf, len, "%.*s%s", (int)(n - 6), state, ext);
	else
		snprintf(buf, len, "%s%s", state, *state ? ext : "");
}

/* bpffs must be mounted for pins to outlive lbd. */
static int ensure_bpffs(void)
{
	struct statfs st;
	int err;

	if (!statfs(BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir(BPFFS, 0700);
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		pr_err("mounting bpffs at %s: %s", BPFFS, strerror(-err));
		return err;
	}
	pr_info("mounted bpffs at %s", BPFFS);
	return 0;
}

/* Refuse if another lbd answers on path; otherwise remove a stale socket. */
static int check_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		pr_err("socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	fd = xlb_proto_connect(path);
	if (fd >= 0) {
		close(fd);
		pr_err("another lbd is serving %s: stop it or use --socket", path);
		return -EADDRINUSE;
	}
	return 0;
}

static int listen_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, err;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	err = xlb_mkdir_parent(path, 0755);
	if (err) {
		pr_err("creating the directory of %s: %s", path, strerror(-err));
		return err;
	}
	if (unlink(path) == 0)
		pr_info("removed stale socket %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* root-only until lbd_access_apply() sets the configured group and mode */
	old_mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (err || listen(fd, 16)) {
		err = -errno;
		pr_err("control socket %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

enum { EV_SIGNAL = 1, EV_TIMER };

static int run(struct lbd *l, int lfd)
{
	struct itimerspec its = { .it_interval = { XLB_NEIGH_REFRESH_S, 0 },
				  .it_value = { XLB_NEIGH_REFRESH_S, 0 } };
	struct epoll_event ev, evs[16];
	int epfd, sfd, tfd, i, n, err = 0;
	sigset_t mask;
	bool stop = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
		err = -errno;
		pr_err("setting up the event loop: %s", strerror(-err));
		goto out;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = EV_SIGNAL;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.u64 = EV_TIMER;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	err = lbd_control_init(l, epfd, lfd);
	if (err) {
		pr_warn("control socket: %s", strerror(-err));
		goto out;
	}
	err = lbd_netwatch_init(l, epfd);
	if (err)
		goto out;
	err = lbd_health_init(l, epfd);
	lbd_hsave_done(l); /* the checker has the saved states now */
	if (err)
		goto out;
	l->hsave_ready = true;
	err = lbd_feedback_init(l, epfd); /* #21 */
	if (err)
		goto out;
	err = lbd_drain_init(l, epfd);
	if (err)
		goto out;
	err = lbd_bgp_init(l, epfd);
	if (err)
		goto out;
	err = lbd_obs_init(l, epfd);
	if (err)
		goto out;
	err = lbd_cluster_init(l, epfd);
	if (err)
		goto out;

	/*
	 * The data path is programmed and the socket listens: tell systemd
	 * (Type=notify; a no-op without $NOTIFY_SOCKET).
	 */
	sd_notifyf(0, "READY=1\nSTATUS=serving %s on %s (%s mode)", l->sock_path, l->iface,
		   xlb_dp_attach_mode(l->dp));
	while (!stop) {
		n = epoll_wait(epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err("epoll_wait: %s", strerror(-err));
			break;
		}
		for (i = 0; i < n; i++) {
			__u64 what = evs[i].data.u64;

			if (what & XLB_HC_EV_TAG) {
				lbd_health_event(l, what, evs[i].events);
			} else if ((what & ~1ull) == LBD_BGP_EV_TAG) {
				lbd_bgp_event(l, what);
			} else if (what == LBD_FEEDBACK_EV_TAG) { /* #21 */
				lbd_feedback_event(l);
			} else if (what == LBD_DRAIN_EV_TAG) {
				lbd_drain_event(l);
			} else if (what == LBD_OBS_EV_TAG) {
				lbd_obs_event(l, what);
				lbd_hsave_flush(l, false); /* the 1 s tick */
				lbd_netwatch_tick(l);
			} else if (what == LBD_NET_EV_TAG) {
				lbd_netwatch_event(l);
			} else if ((what & ~3ull) == LBD_CLUSTER_EV_TAG) {
				lbd_cluster_event(l, what);
			} else if ((what & ~0xffull) == LBD_CTL_EV_TAG) {
				lbd_control_event(l, epfd, what);
			} else if (what == EV_TIMER) {
				__u64 ticks;

				if (read(tfd, &ticks, sizeof(ticks)) > 0) {
					xlb_dp_neigh_refresh(l->dp);
					xlb_dp_lc_recount(l->dp, l->lc_idle_ns);
					/* the count status reports (the lc walk above refreshed it, if any) */
					xlb_dp_flows_refresh(l->dp, 1000);
				}
			} else if (what == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						struct xlb_dp_diff d;
						char msg[512];
						int rr;

						pr_info("SIGHUP: reloading %s", l->config_path);
						sd_notify(0, "RELOADING=1");
						struct xlb_peer sender = { .uid = si.ssi_uid,
									   .pid = si.ssi_pid };

						l->peer = &sender; /* for the history */
						rr = lbd_reload(l, &d, msg, sizeof(msg));
						l->peer = NULL;
						lbd_note_reload(l, "signal", rr, msg);
						lbd_audit_signal(si.ssi_uid, si.ssi_pid, "reload", rr,
								 msg);
						if (rr)
							pr_warn("reload failed, keeping the running "
								"state: %s", msg);
						sd_notify(0, "READY=1");
					} else {
						pr_info("%s: exiting; the XDP program stays attached",
							strsignal(si.ssi_signo));
						sd_notify(0, "STOPPING=1");
						stop = true;
					}
				}
			}
		}
		/* once per batch: health changes, commands and reloads mark it */
		lbd_bgp_flush(l);
	}
out:
	lbd_hsave_flush(l, true); /* the last states, for the next start */
	lbd_cluster_free(l);
	lbd_obs_free(l);
	lbd_drain_free(l);
	lbd_bgp_free(l);
	lbd_health_free(l);
	lbd_feedback_free(); /* #21 */
	lbd_control_free(epfd);
	lbd_netwatch_free();
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (epfd >= 0)
		close(epfd);
	return err;
}

/* Default home of the state file, audit log and history (--state-dir). */
const char *lbd_state_dir = XLB_STATE_DIR;

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_DETACH, OPT_STATE, OPT_AUDIT_LOG, OPT_LC_IDLE, OPT_NO_FCACHE, OPT_MAX_FLOWS, OPT_MAX_BACKENDS, OPT_HISTORY, OPT_STATE_DIR,
	       OPT_HISTORY_KEEP, OPT_PROBE_IFACE, OPT_PROBE_MARK };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "iface", required_argument, NULL, 'i' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
		{ "lc-idle", required_argument, NULL, OPT_LC_IDLE },
		{ "no-flow-cache", no_argument, NULL, OPT_NO_FCACHE },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-backends", required_argument, NULL, OPT_MAX_BACKENDS },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "history-keep", required_argument, NULL, OPT_HISTORY_KEEP },
		{ "probe-iface", required_argument, NULL, OPT_PROBE_IFACE },
		{ "probe-mark", required_argument, NULL, OPT_PROBE_MARK },
		{ "detach", no_argument, NULL, OPT_DETACH },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct xlb_dp_opts dpo = { .mode = XLB_ATTACH_AUTO };
	struct lbd l = { .sock_path = XLB_DEFAULT_SOCKET, .lc_idle_ns = XLB_LC_IDLE_NS,
			 .probe_mark = LBD_PROBE_MARK_DEFAULT };
	bool check = false, detach = false;
	char pin_dir[256], err[4096], state_path[512], history_dir[512], health_path[512];
	struct xlb_dp_diff diff;
	int opt, ret, lfd;
	unsigned long v; /* a numeric option (opt_uint) */

	if (getenv("XLB_STATE_DIR") && *getenv("XLB_STATE_DIR"))
		lbd_state_dir = getenv("XLB_STATE_DIR");
	while ((opt = getopt_long(argc, argv, "c:i:p:s:m:l:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': l.config_path = optarg; break;
		case 'i': l.iface = optarg; break;
		case 'p': l.pin_dir = optarg; break;
		case 's': l.sock_path = optarg; break;
		case 'm':
			if (xlb_attach_mode_parse(optarg, &dpo.mode)) {
				fprintf(stderr, "lbd: --mode \"%s\": expected auto, native or generic\n",
					optarg);
				return 2;
			}
			break;
		case 'l':
			if (xlb_log_set_level(optarg)) {
				fprintf(stderr, "lbd: --log-level \"%s\": expected error, warn, info or debug\n",
					optarg);
				return 2;
			}
			break;
		case OPT_CHECK: check = true; break;
		case OPT_STATE: l.state_path = optarg; break;
		case OPT_AUDIT_LOG: lbd_audit_default_path = optarg; break;
		case OPT_STATE_DIR: lbd_state_dir = optarg; break;
		case OPT_HISTORY: l.history_dir = optarg; break;
		case OPT_NO_FCACHE: dpo.no_flow_cache = true; break;
		case OPT_MAX_FLOWS:
			if (!opt_uint("max-flows", optarg, "entries", XLB_MAX_FLOWS_MIN,
				      XLB_MAX_FLOWS_MAX, &v))
				return 2;
			dpo.max_flows = (__u32)v;
			break;
		case OPT_MAX_BACKENDS:
			if (!opt_uint("max-backends", optarg, "backends", 1, XLB_BACKEND_ID_LIMIT, &v))
				return 2;
			dpo.max_backends = (__u32)v;
			break;
		case OPT_HISTORY_KEEP:
			if (!opt_uint("history-keep", optarg, "generations", 1, XLB_HISTORY_KEEP_MAX, &v))
				return 2;
			l.history_keep = v;
			break;
		case OPT_LC_IDLE:
			if (!opt_uint("lc-idle", optarg, "seconds", 1, 86400, &v))
				return 2;
			l.lc_idle_ns = v * 1000000000ull;
			break;
		case OPT_PROBE_IFACE: l.probe_iface = optarg; break;
		case OPT_PROBE_MARK:
			if (!opt_uint("probe-mark", optarg, "a firewall mark", 1, 0xffffffffu, &v))
				return 2;
			l.probe_mark = (__u32)v;
			break;
		case OPT_DETACH: detach = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("lbd %s\n", xlb_version); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lbd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if ((!check || detach) && !l.iface) {
		fprintf(stderr, "lbd: --iface is required\n");
		return 2;
	}
	if (!detach && !l.config_path) {
		fprintf(stderr, "lbd: --config is required\n");
		return 2;
	}
	if (l.iface && (!*l.iface || strchr(l.iface, '/') || strlen(l.iface) >= 16)) {
		fprintf(stderr, "lbd: --iface \"%s\": not an interface name\n", l.iface);
		return 2;
	}
	if (l.probe_iface && (!*l.probe_iface || strchr(l.probe_iface, '/') ||
			      strlen(l.probe_iface) >= 16 || !strcmp(l.probe_iface, l.iface ? l.iface : ""))) {
		fprintf(stderr, "lbd: --probe-iface \"%s\": not an interface name other than --iface\n",
			l.probe_iface);
		return 2;
	}
	if (!l.pin_dir && l.iface) {
		snprintf(pin_dir, sizeof(pin_dir), "%s/%s", XLB_PIN_ROOT, l.iface);
		l.pin_dir = pin_dir;
	}
	xlb_log_libbpf();
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The backend capacity the config is validated against: the option,
	 * else what the pinned maps hold (a restart keeps it), else as built.
	 */
	if (!dpo.max_backends && l.pin_dir)
		dpo.max_backends = xlb_dp_pinned_max_backends(l.pin_dir);
	xlb_config_set_max_backends(dpo.max_backends);

	if (detach) {
		/* with --config: withdraw the node's BGP announcements first (bgp.c) */
		if (l.config_path) {
			ret = xlb_config_load(l.config_path, &l.cfg, err, sizeof(err));
			if (ret)
				fprintf(stderr, "lbd: %s (not withdrawing)\n", err);
			else
				lbd_bgp_withdraw_all(&l.cfg);
			xlb_config_free(&l.cfg);
		}
		return xlb_dp_detach(l.iface, l.pin_dir) ? 1 : 0;
	}

	lbd_local_addrs_refresh(); /* no VIP or backend on this node's own addresses */
	ret = xlb_config_load(l.config_path, &l.cfg, err, sizeof(err));
	if (check) {
		if (ret) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("OK\n");
		xlb_config_free(&l.cfg);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "lbd: %s\n", err);
		return 1;
	}

	/* l.cfg = the file (l.base) plus the runtime changes of the state file */
	l.base = l.cfg;
	memset(&l.cfg, 0, sizeof(l.cfg));
	if (!l.state_path) {
		snprintf(state_path, sizeof(state_path), "%s/%s.state", lbd_state_dir, l.iface);
		l.state_path = state_path;
	}
	/* applied generations next to the state file: IF.state -> IF.history (apply.c) */
	if (!l.history_dir) {
		state_sibling(l.state_path, ".history", history_dir, sizeof(history_dir));
		l.history_dir = history_dir;
	}
	/* health states across restarts: IF.state -> IF.health (hsave.c) */
	state_sibling(l.state_path, ".health", health_path, sizeof(health_path));
	l.health_path = health_path;
	/* cluster mode: the services come from etcd (cluster.c), not the state file */
	if (l.base.cluster_enabled ? lbd_cluster_prepare(&l, err, sizeof(err))
				   : lbd_state_init(&l, err, sizeof(err))) {
		fprintf(stderr, "lbd: state file: %s (fix or remove it, or use --state)\n", err);
		xlb_config_free(&l.base);
		return 1;
	}

	ret = 1;
	l.start_ms = lbd_now_ms();
	if (ensure_bpffs() || check_socket(l.sock_path))
		goto out_cfg;
	dpo.iface = l.iface;
	dpo.pin_dir = l.pin_dir;
	/*
	 * Program the new maps before the new program runs on them: after an
	 * upgrade that renamed a map they start empty (dp.c, migration), and
	 * until the switch the old program keeps running on its own maps.
	 */
	dpo.defer_attach = true;
	if (xlb_dp_open(&dpo, &l.dp))
		goto out_cfg;
	lbd_hsave_load(&l); /* backends start as the last run left them, if recent */
	if (lbd_apply_config(&l, &l.cfg, &diff)) {
		pr_err("programming the services of %s failed", l.config_path);
		goto out_dp;
	}
	if (xlb_dp_attach(l.dp))
		goto out_dp;
	xlb_dp_flows_refresh(l.dp, 0); /* status has a count from the start (an adopted table) */
	pr_info("%s: %zu services (%u installed, %u updated, %u unchanged, %u removed)",
		l.config_path, l.cfg.n_services, diff.added, diff.changed, diff.unchanged,
		diff.removed);
	lbd_history_start(&l); /* the file as a generation, if it is a new one */
	lfd = listen_socket(l.sock_path);
	if (lfd < 0)
		goto out_dp;
	if (lbd_access_apply(&l, &l.base, true)) { /* socket group/mode, roles, audit log */
		close(lfd);
		unlink(l.sock_path);
		goto out_dp;
	}
	pr_info("serving %s", l.sock_path);
	ret = run(&l, lfd) ? 1 : 0;
	close(lfd);
	unlink(l.sock_path);
out_dp:
	lbd_access_free();
	xlb_dp_close(l.dp);
out_cfg:
	xlb_config_free(&l.cfg);
	xlb_config_free(&l.base);
	return ret;
}
