# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xlb: one non-recursive Makefile. Everything is written to build/.
# Quiet by default; `make V=1` prints full commands.

.DELETE_ON_ERROR:
# Keep test objects: they are intermediates, and deleting them after the
# run would print after the test summary line.
.SECONDARY:
.SUFFIXES:
.DEFAULT_GOAL := all

# make ... SANITIZE=1: everything built with ASan + UBSan into build-san/.
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
# Not alignment: packet headers sit at 2-byte offsets after Ethernet (the
# packet builder and parsers, as in the kernel); x86 and arm64 load them fine.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize=alignment -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined
endif
BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
XLBLIBDIR ?= $(PREFIX)/lib/xlb
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
SCDOC    ?= scdoc
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
CFLAGS   += $(SAN_FLAGS)
# CAPS: compile-time capacity overrides for both sides (services; backends and
# flows are also lbd options: --max-backends, --max-flows), e.g.
#   make BUILD=build/scale CAPS=-DXLB_MAX_SERVICES=1024 build/scale/lbd
CAPS     ?=
XCFLAGS  := $(CAPS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
            -Werror=implicit-function-declaration -D_GNU_SOURCE -MMD -MP \
            -Iinclude -Iuserspace/lib -I$(BUILD)/bpf -I$(BUILD)/gen
BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -Wall -Werror -Wno-unused-function \
            -Iinclude -Ibpf -I$(ARCH_INC)
# Each program is linked with the libraries it uses, no more: from libxlb.a
# the linker takes only the objects a program calls, and these lists name
# what those objects need (lbctl: no libbpf, libyaml, libcurl, libmicrohttpd).
# libbpf brings its own libelf and zlib.
LDLIBS       := -lbpf -ljansson -lyaml -lsystemd -lmicrohttpd -lcurl -lpthread
LBCTL_LDLIBS := -ljansson -lm -lpcap
TOOL_LDLIBS  := -lbpf
TEST_LDLIBS  := $(LDLIBS) -lcmocka

# The version lbd and lbctl report (--version): git describe of this tree,
# else "unknown" (e.g. a release tarball: make XLB_VERSION=1.2.3).
XLB_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)

# ---- sources -----------------------------------------------------------
# bpf/ holds the product's programs only; the benchmark and test programs
# live in tools/bpf/. Both build into $(BUILD)/bpf/, where tools find them.
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
PRODUCT_BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SRCS  += $(wildcard tools/bpf/*.bpf.c)
BPF_NAMES := $(patsubst %.bpf.c,%,$(notdir $(BPF_SRCS)))
BPF_OBJS  := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(BPF_NAMES))
BPF_SKELS := $(patsubst %,$(BUILD)/bpf/%.skel.h,$(BPF_NAMES))
# Benchmark-only copy of the data path with larger capacities, for the scaling
# sweep of tools/bench_xdp --scaling (100,000 services, 1,000,000 flows).
BENCH_SCALE_CAPS := -DXLB_MAX_SERVICES=131072 -DXLB_MAX_BACKENDS=524288 -DXLB_MAX_FLOWS=2097152
BPF_OBJS  += $(BUILD)/bpf/bench_xlb_scale.bpf.o
BPF_SKELS += $(BUILD)/bpf/bench_xlb_scale.skel.h
# Benchmark-only copy without the capture hooks: bench_xdp --capture measures what they cost off.
BPF_OBJS  += $(BUILD)/bpf/bench_xlb_nocap.bpf.o
BPF_SKELS += $(BUILD)/bpf/bench_xlb_nocap.skel.h

LIB_SRCS  := $(wildcard userspace/lib/*.c)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB       := $(BUILD)/libxlb.a

LBD_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard userspace/lbd/*.c))
LBCTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard userspace/lbctl/*.c))
PROGS      := $(BUILD)/lbd $(BUILD)/lbctl

# tests/unit/test_*.c and tests/bpf/test_*.c are one cmocka binary each;
# other .c files in those folders are helpers linked into every binary there.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_HELP  := $(patsubst %.c,$(BUILD)/%.o,$(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c)))
BPF_TESTS  := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))
BPF_HELP   := $(patsubst %.c,$(BUILD)/%.o,$(filter-out tests/bpf/test_%,$(wildcard tests/bpf/*.c)))
# tools/pktgen_*.c are pktgen's engines, linked into build/tools/pktgen.
PKTGEN_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/pktgen_*.c))
TOOL_PROGS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(filter-out tools/pktgen_%,$(wildcard tools/*.c)))
# tests/lib/refuse_live.c is an LD_PRELOAD shim for the integration tests (a
# host that refuses XDP live frames), built alone into a .so, never linked in.
TEST_SHIM_SRCS := tests/lib/refuse_live.c
TEST_SHIMS := $(patsubst %.c,$(BUILD)/%.so,$(TEST_SHIM_SRCS))
# tests/lib: helpers for tests and benchmarks (the packet builder, the BPF
# lab), never in libxlb.a; linked into the BPF tests and the tools that build
# packets.
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(TEST_SHIM_SRCS),$(wildcard tests/lib/*.c)))

DEPS_STAMP := $(BUILD)/.deps-ok

# docs/man/NAME.SECTION.scd -> build/man/NAME.SECTION (scdoc)
MAN_PAGES  := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(wildcard docs/man/*.scd))
# Installed BPF objects: for inspection (lbd embeds its own through the
# skeleton) and for programs loaded by other tools (decap); the product only.
INSTALL_BPF := $(PRODUCT_BPF_OBJS)

# ---- top-level targets -------------------------------------------------
.PHONY: fuzz all deps test test-unit test-bpf test-integration demo bench clean install uninstall

all: $(DEPS_STAMP) $(BPF_OBJS) $(BPF_SKELS) $(PROGS) $(TOOL_PROGS) $(MAN_PAGES)

tests: all $(UNIT_TESTS) $(BPF_TESTS) $(TEST_SHIMS)

# Packages: `make deps` installs what is missing (tools/deps.sh, as root), and
# so do `make test` and `make demo`, the two commands for a fresh machine (CI
# runs `make test` on a fresh clone). Every other target only checks, and
# stops with a message pointing to `make deps`: a build never installs.
DEPS_INSTALL := $(filter deps test demo,$(MAKECMDGOALS))

deps:
	$(Q)tools/deps.sh

$(DEPS_STAMP): tools/deps.sh
	$(Q)tools/deps.sh $(if $(DEPS_INSTALL),,--check)
	$(Q)mkdir -p $(BUILD) && touch $(DEPS_STAMP)

# SANITIZE=1 runs the unit and BPF suites only (integration tests use build/).
ifeq ($(SANITIZE),1)
test: tests
	$(Q)BUILD=$(BUILD) tests/run.sh unit bpf
else
test: tests fuzz
	$(Q)BUILD=$(BUILD) tests/run.sh
endif

test-unit: tests
	$(Q)tests/run.sh unit

test-bpf: tests
	$(Q)tests/run.sh bpf

test-integration: tests
	$(Q)tests/run.sh integration

demo: all
	$(Q)tools/demo.sh

bench: tests bench-ct
	$(Q)if [ -x tools/bench.sh ]; then tools/bench.sh; else echo "no benchmarks yet"; fi

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=]; the unit's ExecStart paths
# follow SBINDIR. An existing $(SYSCONFDIR)/xlb/xlb.yaml is never replaced.
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(XLBLIBDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSCONFDIR)/xlb
	$(Q)install -m 0755 $(BUILD)/lbd $(BUILD)/lbctl $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0644 $(INSTALL_BPF) $(DESTDIR)$(XLBLIBDIR)/
	$(Q)sed 's|/usr/sbin/lbd|$(SBINDIR)/lbd|g' packaging/xlb@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/xlb@.service
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/xlb@.service
	$(Q)for m in $(MAN_PAGES); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; done
	$(Q)install -m 0644 packaging/lbctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/lbctl
	$(Q)install -m 0644 examples/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml.example
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml ] || \
		install -m 0644 examples/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml

# Removes what install put there; $(SYSCONFDIR)/xlb/xlb.yaml only if it is
# still the unmodified example.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/lbd $(DESTDIR)$(SBINDIR)/lbctl \
		$(DESTDIR)$(SYSTEMDUNITDIR)/xlb@.service $(DESTDIR)$(BASHCOMPDIR)/lbctl \
		$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	$(Q)rm -rf $(DESTDIR)$(XLBLIBDIR)
	$(Q)if cmp -s examples/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; fi
	$(Q)rm -f $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml.example
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/xlb 2>/dev/null || true

# ---- man pages ---------------------------------------------------------
$(BUILD)/man/%: docs/man/%.scd $(DEPS_STAMP)
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SCDOC) <$< >$@

# ---- BPF ---------------------------------------------------------------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(DEPS_STAMP) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(CAPS) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/%.bpf.o: tools/bpf/%.bpf.c $(DEPS_STAMP) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(CAPS) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/bench_xlb_scale.bpf.o: bpf/xlb.bpf.c $(DEPS_STAMP) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BENCH_SCALE_CAPS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/bench_xlb_nocap.bpf.o: bpf/xlb.bpf.c $(DEPS_STAMP) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(CAPS) $(BPF_CFLAGS) -DXLB_NO_CAPTURE -MMD -MP -c $< -o $@

# Connection-table ablations (issue #20): bench_xdp built against copies of
# the data path whose connection table is set-associative (bpf/ct.h,
# include/xlb_ct.h): 4 or 8 ways, shared or per CPU. `make bench-ct`.
CT_VARIANTS  := sa4 sa8 sa4pc
CT_FLAGS_sa4   := -DXLB_CT_SA -DXLB_CT_WAYS=4
CT_FLAGS_sa8   := -DXLB_CT_SA -DXLB_CT_WAYS=8
CT_FLAGS_sa4pc := -DXLB_CT_SA -DXLB_CT_WAYS=4 -DXLB_CT_PERCPU
CT_BENCHES   := $(patsubst %,$(BUILD)/tools/bench_xdp_ct_%,$(CT_VARIANTS))

$(BUILD)/bpf/ct_%/xlb.bpf.o: bpf/xlb.bpf.c $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CAPS) $(BPF_CFLAGS) $(CT_FLAGS_$*) -MMD -MP -c $< -o $@

$(BUILD)/bpf/ct_%/bench_xlb_scale.bpf.o: bpf/xlb.bpf.c $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BENCH_SCALE_CAPS) $(CT_FLAGS_$*) -MMD -MP -c $< -o $@

$(BUILD)/bpf/ct_%/xlb.skel.h: $(BUILD)/bpf/ct_%/xlb.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xlb > $@

$(BUILD)/bpf/ct_%/bench_xlb_scale.skel.h: $(BUILD)/bpf/ct_%/bench_xlb_scale.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_xlb_scale > $@

# The variant's skeletons shadow build/bpf's (same names, searched first).
$(BUILD)/tools/ct_%/bench_xdp.o: tools/bench_xdp.c $(DEPS_STAMP) $(BPF_SKELS) \
		$(BUILD)/bpf/ct_%/xlb.skel.h $(BUILD)/bpf/ct_%/bench_xlb_scale.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bpf/ct_$* $(XCFLAGS) -Itests/lib $(CT_FLAGS_$*) -c $< -o $@

$(BUILD)/tools/bench_xdp_ct_%: $(BUILD)/tools/ct_%/bench_xdp.o $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(TOOL_LDLIBS)

.PHONY: bench-ct
# Named, so make keeps them (not intermediate files of a chain).
bench-ct: $(CT_BENCHES) $(foreach v,$(CT_VARIANTS),$(BUILD)/tools/ct_$(v)/bench_xdp.o \
	$(BUILD)/bpf/ct_$(v)/xlb.bpf.o $(BUILD)/bpf/ct_$(v)/bench_xlb_scale.bpf.o \
	$(BUILD)/bpf/ct_$(v)/xlb.skel.h $(BUILD)/bpf/ct_$(v)/bench_xlb_scale.skel.h)

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

# ---- user space --------------------------------------------------------
# Every user-space object may include a skeleton: generate them first.
# Tests and tools may use tests/lib (pkt.h); the product may not.
$(BUILD)/tests/%.o $(BUILD)/tools/%.o: XCFLAGS += -Itests/lib
$(BUILD)/%.o: %.c $(DEPS_STAMP) $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

# Only version.o carries the version; build/version.txt changes (and rebuilds
# it) only when the version does.
.PHONY: FORCE
$(BUILD)/version.txt: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(XLB_VERSION)' | cmp -s - $@ || echo '$(XLB_VERSION)' >$@

$(BUILD)/userspace/lib/version.o: $(BUILD)/version.txt
$(BUILD)/userspace/lib/version.o: XCFLAGS += -DXLB_VERSION='"$(XLB_VERSION)"'

# Files embedded into programs as C arrays (xxd -i): lbd's dashboard page.
$(BUILD)/gen/dashboard_html.h: userspace/lbd/dashboard.html $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)xxd -i $< >$@
$(BUILD)/userspace/lbd/dashboard.o: $(BUILD)/gen/dashboard_html.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lbd: $(LBD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/lbctl: $(LBCTL_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LBCTL_LDLIBS)

# The health and HTTP benchmarks need no BPF.
$(BUILD)/tools/bench_health $(BUILD)/tools/bench_httpd: TOOL_LDLIBS :=
$(BUILD)/tools/bench_xdp $(BUILD)/tools/pktgen: $(TESTLIB_OBJS)
$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(TOOL_LDLIBS)

# The afxdp engine needs libxdp's xsk API; nothing else links libxdp.
$(BUILD)/tools/pktgen: $(BUILD)/tools/pktgen.o $(PKTGEN_OBJS) $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(TOOL_LDLIBS) -lxdp

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELP) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/tests/bpf/%: $(BUILD)/tests/bpf/%.o $(BPF_HELP) $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/tests/lib/%.so: tests/lib/%.c $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/bpf:
	$(Q)mkdir -p $@

# ---- fuzzers: libFuzzer + ASan + UBSan (clang), tests/fuzz/fuzz_*.c ------
# Run one: build/fuzz/fuzz_config -max_total_time=60 tests/configs/good tests/configs/bad
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIBOBJS := $(patsubst userspace/lib/%.c,$(FUZZ_DIR)/lib/%.o,$(LIB_SRCS))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz: $(FUZZ_TARGETS)

$(FUZZ_DIR)/lib/%.o: userspace/lib/%.c $(DEPS_STAMP) $(BPF_SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(XCFLAGS) -c $< -o $@

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_LIBOBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) $(XCFLAGS) -MF $@.d $< $(FUZZ_LIBOBJS) -o $@ $(LDLIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
