#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make install / uninstall into a DESTDIR: every file where it belongs with
# its mode, man pages that render and name every lbd option, lbctl command
# and config key, a systemd unit that passes `systemd-analyze verify`, bash
# completion that completes, a kept operator config, and an uninstall that
# leaves no file behind. Needs no network namespace; exit 0 pass, 77 skip.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
T0=$(date +%s.%N)
info() { printf '[%6.2fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" "$*"; }
fail() { info "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ -x "$TOP/build/lbd" ] && [ -x "$TOP/build/lbctl" ] || skip "build/lbd, build/lbctl not built"
command -v scdoc >/dev/null || skip "scdoc missing (tools/deps.sh installs it)"

D=$(mktemp -d /tmp/xlb-install.XXXXXX)
W=$(mktemp -d /tmp/xlb-install-work.XXXXXX)
trap 'rm -rf "$D" "$W"' EXIT

mk() { make -C "$TOP" --no-print-directory "$@" DESTDIR="$D" PREFIX=/usr; }

info "make install DESTDIR=$D PREFIX=/usr"
mk install >"$W/install.log" 2>&1 || { cat "$W/install.log"; fail "make install"; }

# ---- the tree ----
want=(
	"usr/sbin/lbd 755" "usr/sbin/lbctl 755" "usr/lib/xlb/xlb.bpf.o 644"
	"usr/lib/systemd/system/xlb@.service 644"
	"usr/share/man/man8/lbd.8 644" "usr/share/man/man8/lbctl.8 644"
	"usr/share/man/man5/xlb.conf.5 644"
	"usr/share/bash-completion/completions/lbctl 644"
	"etc/xlb/xlb.yaml 644" "etc/xlb/xlb.yaml.example 644"
)
for e in "${want[@]}"; do
	f=${e% *} mode=${e#* }
	[ -f "$D/$f" ] || fail "missing $f"
	[ -s "$D/$f" ] || fail "empty $f"
	got=$(stat -c %a "$D/$f")
	[ "$got" = "$mode" ] || fail "$f: mode $got, want $mode"
done
# the product's BPF programs only: no generator, sink or benchmark (tools/bpf/)
got=$(cd "$D"/usr/lib/xlb && echo *)
[ "$got" = "decap.bpf.o synck.bpf.o xlb.bpf.o" ] || fail "usr/lib/xlb holds \"$got\", want the product's decap.bpf.o synck.bpf.o xlb.bpf.o"
"$D/usr/sbin/lbd" --config "$D/etc/xlb/xlb.yaml" --check-config >/dev/null ||
	fail "the installed example config does not pass lbd --check-config"
grep -q '^ExecStart=/usr/sbin/lbd ' "$D/usr/lib/systemd/system/xlb@.service" ||
	fail "unit: ExecStart does not run /usr/sbin/lbd"
grep -q -- '--detach' <(grep '^Exec' "$D/usr/lib/systemd/system/xlb@.service") &&
	fail "unit: an Exec line detaches (restarts must stay hitless)"
info "tree: ${#want[@]} files with the right modes"

# ---- man pages: render, and tell the truth about the code ----
# rendered text, with words hyphenated across a line break put back together
render() { { MANWIDTH=200 man -l "$1" 2>/dev/null | col -b 2>/dev/null || cat "$1"; } | sed -z 's/‐\n[[:space:]]*//g'; }
for m in man8/lbd.8 man8/lbctl.8 man5/xlb.conf.5; do
	f=$D/usr/share/man/$m
	head -c 4096 "$f" | grep -q '^\.TH ' || fail "$m: not troff (no .TH)"
	if command -v man >/dev/null; then
		render "$f" >"$W/$(basename "$m").txt"
		grep -q '^NAME' "$W/$(basename "$m").txt" || fail "$m: man -l renders no NAME section"
	else
		cp "$f" "$W/$(basename "$m").txt"
	fi
done
# every long option of lbd --help is in lbd(8)
for o in $("$TOP/build/lbd" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	grep -q -- "$o" "$W/lbd.8.txt" || fail "lbd(8) does not document $o (docs/man/lbd.8.scd)"
done
# every command of lbctl --help is in lbctl(8)
"$TOP/build/lbctl" --help | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' |
	awk '{ s = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) s = s (s ? " " : "") $i; print s }' \
		>"$W/commands"
[ -s "$W/commands" ] || fail "could not read the commands from lbctl --help"
while read -r c; do
	grep -qE "^ *$c( |$)" "$W/lbctl.8.txt" || fail "lbctl(8) does not document \"$c\" (docs/man/lbctl.8.scd)"
done <"$W/commands"
# every key the config parser accepts is in xlb.conf(5)
keys=$(cat "$TOP"/userspace/lib/config.c "$TOP"/userspace/lib/cfg_*.c |
	grep -oE '^ *\{"[a-z_]+", (true|false), ' | sed -E 's/^ *\{"([a-z_]+)".*/\1/' | sort -u)
[ -n "$keys" ] || fail "could not read the config keys from userspace/lib/config.c, cfg_*.c"
for k in $keys; do
	grep -qw -- "$k" "$W/xlb.conf.5.txt" || fail "xlb.conf(5) does not document key \"$k\" (docs/man/xlb.conf.5.scd)"
done
info "man pages render; $(wc -l <"$W/commands") lbctl commands, $(wc -w <<<"$keys") config keys and every lbd option documented"

# ---- systemd unit ----
if command -v systemd-analyze >/dev/null; then
	# verify wants an instance and executables that exist: point it at DESTDIR.
	mkdir -p "$W/unit"
	sed "s|/usr/sbin/lbd|$D/usr/sbin/lbd|g" "$D/usr/lib/systemd/system/xlb@.service" \
		>"$W/unit/xlb@lo.service"
	if MANPATH="$D/usr/share/man" SYSTEMD_LOG_LEVEL=warning \
		systemd-analyze verify "$W/unit/xlb@lo.service" >"$W/verify.log" 2>&1; then
		[ -s "$W/verify.log" ] && { cat "$W/verify.log"; fail "systemd-analyze verify warned"; }
		info "systemd-analyze verify: clean"
	elif grep -qiE 'Failed to (connect|initialize)|not been booted|No such file or directory.*/run/systemd' "$W/verify.log"; then
		info "systemd-analyze verify cannot run here: $(head -n 1 "$W/verify.log")"
	else
		cat "$W/verify.log"
		fail "systemd-analyze verify"
	fi
else
	info "systemd-analyze not installed: unit not verified"
fi

# ---- bash completion ----
comp=$D/usr/share/bash-completion/completions/lbctl
complete_line() { # complete_line WORD..: print COMPREPLY for the last word
	PATH="$D/usr/sbin:$PATH" bash -c '
		set -u
		source "$1" || exit 3
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		_lbctl
		echo "${COMPREPLY[*]}"' _ "$comp" "$@"
}
bash -n "$comp" || fail "completion: syntax error"
got=$(complete_line lbctl ba) || fail "completion script does not source cleanly"
[ "$got" = backend ] || fail "completion: lbctl ba<TAB> gave \"$got\", want backend"
got=$(complete_line lbctl backend w)
[ "$got" = weight ] || fail "completion: lbctl backend w<TAB> gave \"$got\", want weight"
got=$(complete_line lbctl -s /nonexistent.sock --json backend add web 10.0.0.1 --we)
[ "$got" = --weight ] || fail "completion: backend add ... --we<TAB> gave \"$got\", want --weight"
got=$(PATH=/usr/bin:/bin complete_line /nonexistent/lbctl ba) # lbctl not runnable: built-in list
[ "$got" = backend ] || fail "completion without lbctl: gave \"$got\", want backend"
info "bash completion: commands, subcommands, options"

# ---- capabilities: the unit and docs/operations.md say the same ----
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/packaging/xlb@.service")
amb_caps=$(sed -n 's/^AmbientCapabilities=//p' "$TOP/packaging/xlb@.service")
[ "$unit_caps" = "$amb_caps" ] || fail "unit: CapabilityBoundingSet ($unit_caps) != AmbientCapabilities ($amb_caps)"
# the sentence "The unit runs lbd ... `CapabilityBoundingSet=...`" (may wrap lines)
doc_caps=$(tr '\n' ' ' <"$TOP/docs/operations.md" | grep -o 'CapabilityBoundingSet=[A-Z_ ]*`' |
	head -n 1 | sed 's/^CapabilityBoundingSet=//; s/`$//; s/  */ /g; s/ $//')
[ "$doc_caps" = "$unit_caps" ] ||
	fail "docs/operations.md says CapabilityBoundingSet=$doc_caps, the unit has $unit_caps"
for c in $unit_caps; do
	grep -q "^| \`$c\` |" "$TOP/docs/operations.md" ||
		fail "docs/operations.md: no table row for $c, which the unit grants"
done
info "capabilities: unit and docs/operations.md agree ($unit_caps)"

# ---- a second install keeps the operator's config; uninstall removes all ----
echo "# edited by the operator" >>"$D/etc/xlb/xlb.yaml"
mk install >>"$W/install.log" 2>&1 || fail "second make install"
grep -q 'edited by the operator' "$D/etc/xlb/xlb.yaml" || fail "make install replaced an existing xlb.yaml"
mk uninstall >"$W/uninstall.log" 2>&1 || { cat "$W/uninstall.log"; fail "make uninstall"; }
[ "$(find "$D" -type f)" = "$D/etc/xlb/xlb.yaml" ] ||
	fail "after uninstall (edited config): $(find "$D" -type f | tr '\n' ' ')"
rm -f "$D/etc/xlb/xlb.yaml"
mk install >>"$W/install.log" 2>&1 || fail "third make install"
mk uninstall >>"$W/uninstall.log" 2>&1 || fail "second make uninstall"
left=$(find "$D" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
info "PASS: install, re-install (config kept), uninstall (nothing left)"
