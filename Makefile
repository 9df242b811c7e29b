# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xlb: one non-recursive Makefile. Everything is written to build/.
# Quiet by default; `make V=1` prints full commands.

.DELETE_ON_ERROR:
# Keep test objects: they are intermediates, and deleting them after the
# run would print after the test summary line.
.SECONDARY:
.SUFFIXES:
.DEFAULT_GOAL := all

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
XCFLAGS  := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
            -Werror=implicit-function-declaration -D_GNU_SOURCE -MMD -MP \
            -Iinclude -Iuserspace/lib -I$(BUILD)/bpf
BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -Wall -Werror -Wno-unused-function \
            -Iinclude -Ibpf -I$(ARCH_INC)
LDLIBS   := -lbpf -lelf -lz -ljansson -lyaml
TEST_LDLIBS := -lcmocka

# ---- sources -----------------------------------------------------------
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))

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
TOOL_PROGS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))

DEPS_STAMP := $(BUILD)/.deps-ok

# ---- top-level targets -------------------------------------------------
.PHONY: all deps test test-unit test-bpf test-integration demo bench clean install uninstall

all: $(DEPS_STAMP) $(BPF_OBJS) $(BPF_SKELS) $(PROGS) $(TOOL_PROGS)

tests: all $(UNIT_TESTS) $(BPF_TESTS)

deps $(DEPS_STAMP): tools/deps.sh
	$(Q)tools/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $(DEPS_STAMP)

test: tests
	$(Q)tests/run.sh

test-unit: tests
	$(Q)tests/run.sh unit

test-bpf: tests
	$(Q)tests/run.sh bpf

test-integration: tests
	$(Q)tests/run.sh integration

demo: all
	$(Q)tools/demo.sh

bench: tests
	$(Q)if [ -x tools/bench.sh ]; then tools/bench.sh; else echo "no benchmarks yet"; fi

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/xlb
	install -m 0755 $(BUILD)/lbd $(BUILD)/lbctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(PREFIX)/lib/xlb/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/lbd $(DESTDIR)$(PREFIX)/sbin/lbctl
	rm -rf $(DESTDIR)$(PREFIX)/lib/xlb

# ---- BPF ---------------------------------------------------------------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(DEPS_STAMP) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

# ---- user space --------------------------------------------------------
# Every user-space object may include a skeleton: generate them first.
$(BUILD)/%.o: %.c $(DEPS_STAMP) $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lbd: $(LBD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/lbctl: $(LBCTL_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELP) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/bpf/%: $(BUILD)/tests/bpf/%.o $(BPF_HELP) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/bpf:
	$(Q)mkdir -p $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
