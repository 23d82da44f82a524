#!/usr/bin/env python3
"""Fail on a catch-all arm in a `match` over the closed enums whose variants must
each be handled: actions, facets, snapshots, resource kinds, outcomes, undo specs,
services (the crate-wide ones and each kind's own).

A catch-all arm is `_ =>` or a bare binding (`other =>`), with or without a guard.
A `match` counts as one over those enums when one of its own arms names a variant
of one (`Action::`, `Facet::`, `Snapshot::`, `ResourceKind::`, `Outcome::`,
`Undo::`, `Service::`, or a kind module's `s3_bucket::Action::` and the like).
Matches over anything else (verdicts, strings, tuples of other types) are not
looked at: the check is precise, not a ban on `_`.

Usage: scripts/check-exhaustive.py [DIR...]   (default: every crate of the workspace)
Exit 0 when there is none, 1 (listing each) otherwise.
"""
import os
import re
import sys

ENUMS = ("Action", "Facet", "Snapshot", "ResourceKind", "Outcome", "Undo", "Service")
# A variant of one of them, possibly path-qualified, anywhere in an arm's pattern
# (tuple patterns too: `(Action::X(a), Snapshot::Y(s)) =>`). An enum imported under
# another name (`use ... Snapshot as S`) is not recognised.
TYPED_VARIANT = re.compile(r"(?<![A-Za-z0-9_])(?:%s)::[A-Z]" % "|".join(ENUMS))
CATCH_ALL = re.compile(r"^\s*\|?\s*(?:_|[a-z][a-z0-9_]*)\s*(?:if\b.*)?=>")
MATCH_OPEN = re.compile(r"\bmatch\b[^{;]*\{\s*$")


def code_lines(text):
    """The source with comments, string and char literals blanked, line by line."""
    out, i, n = [], 0, len(text)
    buf = []
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            seg = text[i : n if j < 0 else j + 2]
            buf.append("\n" * seg.count("\n"))
            i = n if j < 0 else j + 2
            continue
        m = re.match(r'b?r(#*)"', text[i:])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            seg = text[i : n if j < 0 else j + len(end)]
            buf.append('""' + "\n" * seg.count("\n"))
            i = n if j < 0 else j + len(end)
            continue
        if c == '"' or (c == "b" and text.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            seg = text[i : j + 1]
            buf.append('""' + "\n" * seg.count("\n"))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(?:\\.|[^'\\])'", text[i:]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:])
            if m:
                buf.append("' '")
                i += m.end()
                continue
        buf.append(c)
        i += 1
    return "".join(buf).split("\n")


def check_file(path):
    with open(path, encoding="utf-8") as f:
        lines = code_lines(f.read())
    problems = []
    depth = 0
    stack = []  # open matches: [depth inside, typed?, catch-all line numbers]
    for no, line in enumerate(lines, 1):
        if stack and depth == stack[-1][0]:
            if TYPED_VARIANT.search(line.split("=>")[0]):
                stack[-1][1] = True
            if CATCH_ALL.match(line):
                stack[-1][2].append(no)
        opens_match = bool(MATCH_OPEN.search(line))
        for ch in line:
            if ch == "{":
                depth += 1
            elif ch == "}":
                if stack and depth == stack[-1][0]:
                    _, typed, catch_alls = stack.pop()
                    if typed:
                        problems.extend((path, n) for n in catch_alls)
                depth -= 1
        if opens_match:
            stack.append([depth, False, []])
    return problems


def main(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = args or ["shared", "functions", "cli", "tests", "bench"]
    problems = []
    for d in dirs:
        for base, subdirs, files in os.walk(os.path.join(root, d)):
            subdirs[:] = [s for s in subdirs if s not in ("target", "fixtures")]
            for name in sorted(files):
                if name.endswith(".rs"):
                    problems.extend(check_file(os.path.join(base, name)))
    for path, no in problems:
        print(f"{os.path.relpath(path, root)}:{no}: a catch-all arm in a match over "
              f"{'/'.join(ENUMS)}: name every variant, so a new one can't be half-wired")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
