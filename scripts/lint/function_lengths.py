#!/usr/bin/env python3
"""Lists Swift functions (func, init, closures assigned to properties are not counted) longer than
a limit, counting the lines from the declaration to its closing brace. Used by scripts/test.sh to
hold the architecture issue's rule: no function in Sources longer than about 60 lines.

usage: function_lengths.py [--limit N] [--report] PATH...
Exit status 1 when a function is over the limit (unless --report).
"""
import re
import sys
from pathlib import Path

DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|open|static|class|final|'
                  r'override|mutating|nonmutating|nonisolated|convenience|required|async|@inline\(__always\))\s+)*'
                  r'(func\s+[^\s(<]+|init[?!]?|deinit|subscript)\b')


def strip_strings_and_comments(line, in_block):
    """The line without string literals and comments (enough to count braces)."""
    out, i, n = [], 0, len(line)
    while i < n:
        if in_block:
            end = line.find('*/', i)
            if end < 0:
                return ''.join(out), True
            i, in_block = end + 2, False
            continue
        c = line[i]
        if line.startswith('//', i):
            break
        if line.startswith('/*', i):
            in_block, i = True, i + 2
            continue
        if c == '"':
            j = i + 1
            while j < n and line[j] != '"':
                j += 2 if line[j] == '\\' else 1
            i = j + 1
            continue
        out.append(c)
        i += 1
    return ''.join(out), in_block


def functions(path):
    lines = path.read_text(encoding='utf-8', errors='replace').splitlines()
    in_block, in_multiline = False, False
    cleaned = []
    for line in lines:
        if line.count('"""') % 2 == 1:
            in_multiline = not in_multiline
            cleaned.append('')
            continue
        if in_multiline:
            cleaned.append('')
            continue
        text, in_block = strip_strings_and_comments(line, in_block)
        cleaned.append(text)
    for start, text in enumerate(cleaned):
        m = DECL.match(text)
        if not m:
            continue
        depth, opened = 0, False
        for end in range(start, len(cleaned)):
            for ch in cleaned[end]:
                if ch == '{':
                    depth, opened = depth + 1, True
                elif ch == '}':
                    depth -= 1
            if opened and depth <= 0:
                yield m.group(1), start + 1, end - start + 1
                break
            if not opened and end > start + 12:
                break  # a protocol requirement or a declaration without a body


def main(argv):
    limit, report, paths = 60, False, []
    args = iter(argv)
    for a in args:
        if a == '--limit':
            limit = int(next(args))
        elif a == '--report':
            report = True
        else:
            paths.append(Path(a))
    over = []
    for root in paths:
        for f in sorted(root.rglob('*.swift')) if root.is_dir() else [root]:
            for name, line, length in functions(f):
                if length > limit:
                    over.append((length, f'{f}:{line}: {name} is {length} lines (limit {limit})'))
    for _, text in sorted(over, reverse=True):
        print(text)
    if not over:
        print(f'no function longer than {limit} lines')
    return 0 if report or not over else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
