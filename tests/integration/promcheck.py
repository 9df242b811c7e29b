#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Strict checker of the Prometheus text exposition format 0.0.4, plus xlb's
naming conventions (docs/metrics.md). Debian 12's promtool comes only with the
whole prometheus server package, so the suite carries its own checker.

  promcheck.py FILE|-            check; prints "ok: N families, M samples" or the
                                 errors (file:line: problem) and exits 1
  promcheck.py --json FILE|-     check, then print {"name{labels}": value, ...}
                                 with labels sorted, for tests to compare

Checks: line grammar (HELP, TYPE, comments, samples; no blank lines), metric
and label name syntax, label value escapes (only \\\\, \\" and \\n), values
(float, NaN, +Inf, -Inf) and optional integer timestamps; every family has
exactly one HELP and one TYPE, both before its samples; families are not
interleaved; no duplicate series; no duplicate label names; reserved __ label
names. Conventions: names are xlb_ snake_case; counters end in _total and are
>= 0, other types do not end in _total; gauges/counters only.
"""
import json
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
XLB_NAME = re.compile(r'xlb_[a-z0-9_]*[a-z0-9]')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}
HIST_SUFFIXES = ('_bucket', '_sum', '_count')


def parse_value(s):
    if s in ('NaN', '+Inf', '-Inf', 'Inf'):
        return float(s.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.fullmatch(r'[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)', s):
        raise ValueError('bad value %r' % s)
    return float(s)


def parse_labels(s, i):
    """s[i] == '{'; returns (list of (name, value), index after '}')."""
    labels = []
    i += 1
    while True:
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise ValueError('bad label name at column %d' % (i + 1))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError('expected =" after label %s' % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ValueError('unterminated label value of %s' % name)
            c = s[i]
            if c == '\\':
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ValueError('bad escape \\%s in label %s' % (nxt, name))
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[nxt])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == '\n':
                raise ValueError('newline in label value')
            else:
                val.append(c)
                i += 1
        labels.append((name, ''.join(val)))
        if i < len(s) and s[i] == ',':
            i += 1
            continue
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        raise ValueError('expected , or } after label %s' % name)


def family_of(name, types):
    if name in types:
        return name
    for suf in HIST_SUFFIXES:
        if name.endswith(suf) and types.get(name[:-len(suf)]) in ('histogram', 'summary'):
            return name[:-len(suf)]
    return name


def check_histogram(fname, name, series):
    """Buckets with le, cumulative, ending in +Inf == _count, and a _sum, per label set."""
    errors, groups = [], {}
    for key, value in series.items():
        sname, _, lab = key.partition('{')
        if not sname.startswith(name + '_'):
            continue
        labels = json.loads('{' + ','.join('"%s":%s' % tuple(kv.split('=', 1))
                                           for kv in lab[:-1].split(',') if kv) + '}')
        le = labels.pop('le', None)
        g = groups.setdefault(json.dumps(labels, sort_keys=True), {'b': [], 'sum': None, 'count': None})
        if sname == name + '_bucket':
            if le is None:
                errors.append('%s: %s bucket without le' % (fname, name))
                continue
            g['b'].append((math.inf if le == '+Inf' else float(le), value))
        elif sname == name + '_sum':
            g['sum'] = value
        elif sname == name + '_count':
            g['count'] = value
    for labels, g in groups.items():
        b = sorted(g['b'])
        if not b or b[-1][0] != math.inf:
            errors.append('%s: %s%s has no +Inf bucket' % (fname, name, labels))
            continue
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            errors.append('%s: %s%s buckets are not cumulative' % (fname, name, labels))
        if g['count'] is None or g['count'] != b[-1][1]:
            errors.append('%s: %s%s _count differs from the +Inf bucket' % (fname, name, labels))
        if g['sum'] is None:
            errors.append('%s: %s%s has no _sum' % (fname, name, labels))
    return errors


def check(text, fname='<stdin>'):
    errors, series = [], {}
    helps, types, done, current = {}, {}, set(), None
    nsamples = 0
    if text and not text.endswith('\n'):
        errors.append('%s: the last line does not end with a newline' % fname)
    for n, line in enumerate(text.split('\n')[:-1] if text.endswith('\n') else text.split('\n'), 1):
        where = '%s:%d' % (fname, n)
        try:
            if line == '':
                raise ValueError('blank line')
            if line.startswith('#'):
                parts = line.split(' ', 3)
                if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                    kw, name = parts[1], parts[2]
                    if not NAME.fullmatch(name):
                        raise ValueError('bad metric name %r' % name)
                    if name != current:
                        if name in done or name in helps or name in types:
                            raise ValueError('%s: family %s resumed after another one' % (kw, name))
                        if current:
                            done.add(current)
                        current = name
                    if kw == 'HELP':
                        if name in helps:
                            raise ValueError('second HELP for %s' % name)
                        rest = parts[3] if len(parts) > 3 else ''
                        if re.search(r'\\[^\\n]', rest.replace('\\\\', '')):
                            raise ValueError('bad escape in HELP of %s' % name)
                        if not rest.strip():
                            raise ValueError('empty HELP for %s' % name)
                        helps[name] = rest
                    else:
                        if name in types:
                            raise ValueError('second TYPE for %s' % name)
                        if len(parts) != 4 or parts[3] not in TYPES:
                            raise ValueError('bad TYPE line')
                        types[name] = parts[3]
                continue
            m = NAME.match(line)
            if not m:
                raise ValueError('bad metric name')
            name = m.group(0)
            i = m.end()
            labels = []
            if i < len(line) and line[i] == '{':
                labels, i = parse_labels(line, i)
            if i >= len(line) or line[i] != ' ':
                raise ValueError('expected a space before the value')
            rest = line[i + 1:].split(' ')
            if len(rest) not in (1, 2):
                raise ValueError('expected VALUE [TIMESTAMP]')
            value = parse_value(rest[0])
            if len(rest) == 2 and not re.fullmatch(r'-?\d+', rest[1]):
                raise ValueError('bad timestamp %r' % rest[1])
            fam = family_of(name, types)
            if fam != current:
                raise ValueError('sample of %s outside its family block (TYPE line first)' % name)
            if fam not in types:
                raise ValueError('sample of %s before its TYPE' % name)
            names = [k for k, _ in labels]
            if len(set(names)) != len(names):
                raise ValueError('duplicate label name')
            for k in names:
                if k.startswith('__'):
                    raise ValueError('reserved label name %s' % k)
            key = name + '{' + ','.join('%s=%s' % (k, json.dumps(v)) for k, v in sorted(labels)) + '}'
            if key in series:
                raise ValueError('duplicate series %s' % key)
            series[key] = value
            nsamples += 1
            t = types[fam]
            if t == 'counter' and (math.isnan(value) or value < 0):
                raise ValueError('counter %s is negative or NaN' % name)
        except ValueError as e:
            errors.append('%s: %s: %s' % (where, e, line[:120]))
    for name, t in types.items():
        if name not in helps:
            errors.append('%s: family %s has no HELP' % (fname, name))
        if not XLB_NAME.fullmatch(name) or '__' in name:
            errors.append('%s: %s is not an xlb_ snake_case name' % (fname, name))
        if t == 'counter' and not name.endswith('_total'):
            errors.append('%s: counter %s does not end in _total' % (fname, name))
        if t != 'counter' and name.endswith('_total'):
            errors.append('%s: %s %s ends in _total' % (fname, t, name))
        if t not in ('counter', 'gauge', 'histogram'):
            errors.append('%s: %s is a %s (xlb exports counters, gauges and histograms)'
                          % (fname, name, t))
        if t == 'histogram':
            errors.extend(check_histogram(fname, name, series))
    for name in helps:
        if name not in types:
            errors.append('%s: family %s has HELP but no TYPE' % (fname, name))
    return errors, series, len(types), nsamples


def main(argv):
    as_json = '--json' in argv
    args = [a for a in argv if a != '--json']
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    fname = args[0]
    text = sys.stdin.read() if fname == '-' else open(fname, encoding='utf-8').read()
    errors, series, nfam, nsamples = check(text, fname)
    if errors:
        for e in errors[:50]:
            print(e, file=sys.stderr)
        print('promcheck: %d problems' % len(errors), file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(series))
    else:
        print('ok: %d families, %d samples' % (nfam, nsamples))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
