#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Host-side helpers of the real-kernel bench (python3 standard library only).

  vmtool.py extract CONSOLE.LOG OUTDIR
      Write every "==DMAOWN-BEGIN KIND NAME==" ... "==DMAOWN-END KIND NAME RC=="
      section of a guest console log to OUTDIR/KIND-NAME.txt (RC in
      OUTDIR/KIND-NAME.rc); snapshot sections are base64 tar.gz and are
      unpacked into OUTDIR/snapshot-NAME/.
  vmtool.py kgroups SNAPDIR
      Print the kernel's groups of a snapshot, one "N: BDF BDF..." line each.
  vmtool.py compare KGROUPS PREDICT.JSON
      Compare the kernel's groups (a kgroups file or a snapshot dir) with
      a `dmaown predict --json` output as sets of sets.  Exit 0 on a match,
      1 on a mismatch (printing the difference), 2 on unusable input.
  vmtool.py strip SNAPDIR
      Remove the group data (sys/kernel/iommu_groups, iommu_group links).
  vmtool.py simcmp LIVE MODEL
      Compare the step outcomes of `dmaown sim --live` and `dmaown sim`.
"""

import base64
import io
import json
import os
import re
import shutil
import sys
import tarfile

BDF_RE = re.compile(r'^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$')


def die(msg, code=2):
    print('vmtool: ' + msg, file=sys.stderr)
    sys.exit(code)


def extract(log, outdir):
    os.makedirs(outdir, exist_ok=True)
    begin = re.compile(r'==DMAOWN-BEGIN (\S+) (\S+)==$')
    end = re.compile(r'==DMAOWN-END (\S+) (\S+) (-?\d+)==$')
    cur = None
    body = []
    found = 0
    with open(log, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = begin.search(line)
            if m:
                cur, body = (m.group(1), m.group(2)), []
                continue
            m = end.search(line)
            if m and cur == (m.group(1), m.group(2)):
                kind, name = cur
                base = os.path.join(outdir, '%s-%s' % (kind, name))
                with open(base + '.rc', 'w') as rc:
                    rc.write(m.group(3) + '\n')
                if kind == 'snapshot':
                    data = ''.join(l.strip() for l in body
                                   if re.match(r'^[A-Za-z0-9+/=]+$', l.strip()))
                    try:
                        raw = base64.b64decode(data, validate=True)
                        tf = tarfile.open(fileobj=io.BytesIO(raw), mode='r:gz')
                    except Exception as e:
                        die('%s: snapshot %s is corrupt: %s' % (log, name, e))
                    if os.path.exists(base):
                        shutil.rmtree(base)
                    tf.extractall(base)
                else:
                    with open(base + '.txt', 'w') as out:
                        out.write('\n'.join(body) + ('\n' if body else ''))
                found += 1
                cur = None
                continue
            if cur is not None:
                body.append(line)
    if cur is not None:
        die('%s: section %s %s has no end marker' % (log, cur[0], cur[1]))
    if found == 0:
        die('%s: no result sections' % log)


def kernel_groups(snap):
    """{group number: set of BDFs} from sys/kernel/iommu_groups."""
    gdir = os.path.join(snap, 'sys/kernel/iommu_groups')
    groups = {}
    if not os.path.isdir(gdir):
        return groups
    for n in os.listdir(gdir):
        ddir = os.path.join(gdir, n, 'devices')
        if os.path.isdir(ddir):
            groups[int(n)] = set(os.listdir(ddir))
    return groups


def read_kgroups(path):
    if os.path.isdir(path):
        return kernel_groups(path)
    groups = {}
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if not line:
                continue
            n, _, devs = line.partition(':')
            groups[int(n)] = set(devs.split())
    return groups


def format_kgroups(groups):
    return ''.join('%d: %s\n' % (n, ' '.join(sorted(groups[n])))
                   for n in sorted(groups))


def norm_bdf(s):
    s = s.strip().lower()
    if re.match(r'^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$', s):
        s = '0000:' + s
    return s


def predicted_groups(doc):
    """Accept the plausible shapes of `dmaown predict --json`:
    {"groups": [{"devices": [...]}, ...]}, {"groups": [[...], ...]},
    a bare list of either, or {"devices": [{"bdf": X, "group": N}]}."""
    if isinstance(doc, dict) and 'groups' in doc:
        lst = doc['groups']
    elif isinstance(doc, list):
        lst = doc
    elif isinstance(doc, dict) and 'devices' in doc:
        by = {}
        for d in doc['devices']:
            g = d.get('group', d.get('predicted_group'))
            if g is None or g == -1:
                continue
            by.setdefault(g, set()).add(norm_bdf(d.get('bdf', d.get('address'))))
        return [frozenset(v) for v in by.values()]
    else:
        raise ValueError('no "groups" or "devices" in the JSON')
    out = []
    for g in lst:
        if isinstance(g, dict):
            devs = g.get('devices', g.get('members'))
            if devs is None:
                raise ValueError('group without "devices"')
        else:
            devs = g
        names = []
        for d in devs:
            if isinstance(d, dict):
                d = d.get('bdf', d.get('address'))
            names.append(norm_bdf(str(d)))
        out.append(frozenset(names))
    return out


def compare(kpath, ppath):
    kg = read_kgroups(kpath)
    if not kg:
        die('%s: no kernel groups' % kpath)
    try:
        with open(ppath) as f:
            pg = predicted_groups(json.load(f))
    except (OSError, ValueError) as e:
        die('%s: unusable prediction: %s' % (ppath, e))
    kset = set(frozenset(v) for v in kg.values())
    pset = set(pg)
    if kset == pset and len(pg) == len(kset):
        print('match: %d groups' % len(kset))
        return 0
    print('MISMATCH')
    for g in sorted(kset - pset, key=sorted):
        print('  kernel only:    {%s}' % ' '.join(sorted(g)))
    for g in sorted(pset - kset, key=sorted):
        print('  predicted only: {%s}' % ' '.join(sorted(g)))
    return 1


def strip(snap):
    shutil.rmtree(os.path.join(snap, 'sys/kernel/iommu_groups'),
                  ignore_errors=True)
    for dirpath, dirnames, filenames in os.walk(os.path.join(snap, 'sys')):
        for n in dirnames + filenames:
            if n == 'iommu_group':
                os.unlink(os.path.join(dirpath, n))


STEP_RE = re.compile(r'^(.*\S) => (\S+)(?:  MISMATCH \(expected (\S+)\))?$')


def steps(path):
    """[(step text, outcome, expected-if-mismatched)] of a `dmaown sim` run."""
    out = []
    with open(path, errors='replace') as f:
        for line in f:
            m = STEP_RE.match(line.rstrip('\n'))
            if m:
                out.append((m.group(1), m.group(2), m.group(3)))
    return out


def simcmp(live_path, model_path):
    live, model = steps(live_path), steps(model_path)
    if not live:
        die('%s: no steps in the live run' % live_path, 1)
    if not model:
        die('%s: no steps in the model run' % model_path, 1)
    bad = 0
    for i in range(max(len(live), len(model))):
        lv = live[i] if i < len(live) else ('(missing)', '-', None)
        md = model[i] if i < len(model) else ('(missing)', '-', None)
        same = lv[0] == md[0] and lv[1] == md[1]
        print('%s %-40s kernel %-8s model %-8s%s' % (
            '  ' if same else '!!', lv[0], lv[1], md[1],
            '  (script expected %s)' % lv[2] if lv[2] else ''))
        bad += not same
    off = sum(1 for l in live if l[2])
    print('%d step(s), %d differ between kernel and model, %d kernel '
          'outcome(s) differ from the script' % (len(live), bad, off))
    return 1 if bad else 0


def main(argv):
    if len(argv) < 2:
        die(__doc__.strip())
    cmd = argv[1]
    if cmd == 'extract' and len(argv) == 4:
        extract(argv[2], argv[3])
    elif cmd == 'kgroups' and len(argv) == 3:
        g = kernel_groups(argv[2])
        if not g:
            die('%s: no kernel groups' % argv[2])
        sys.stdout.write(format_kgroups(g))
    elif cmd == 'compare' and len(argv) == 4:
        return compare(argv[2], argv[3])
    elif cmd == 'simcmp' and len(argv) == 4:
        return simcmp(argv[2], argv[3])
    elif cmd == 'strip' and len(argv) == 3:
        strip(argv[2])
    else:
        die(__doc__.strip())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
