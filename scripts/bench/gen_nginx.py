#!/usr/bin/env python3
"""Generates the synthetic nginx configurations that scripts/bench.sh measures.

The server blocks come from benches/data/servers.conf.tmpl and the top of the main file
from benches/data/head.conf, which the criterion bench (benches/nginx.rs) expands the same
way, so both measure the same text.

    gen_nginx.py multi  OUTDIR  BYTES [--per-file N]   nginx.conf including conf.d/*.conf
    gen_nginx.py single OUTFILE BYTES                  the same configuration in one file
    gen_nginx.py tree   OUTDIR  COUNT                  COUNT small files, one server each

Sizes are decimal (1 MB = 1,000,000 bytes); generation stops at the first server that
reaches the size, so a file is a little larger than asked. Output is deterministic.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "..", "benches", "data", "servers.conf.tmpl")

HEAD_FILE = os.path.join(HERE, "..", "..", "benches", "data", "head.conf")


def head():
    """The top of the main file, up to and inside `http {`: benches/data/head.conf."""
    with open(HEAD_FILE, encoding="utf-8") as f:
        return f.read()


def variants():
    with open(TEMPLATE, encoding="utf-8") as f:
        text = f.read()
    parts = text.split("#8<--\n")[1:]
    if not parts:
        sys.exit(f"no variants in {TEMPLATE}")
    return parts


def server(parts, i):
    """Server number i; the same expansion as `server` in benches/nginx.rs."""
    return (
        parts[i % len(parts)]
        .replace("{i}", str(i))
        .replace("{a}", str(i // 250 % 250))
        .replace("{b}", str(i % 250))
        + "\n"
    )


def servers_until(parts, size, start=0):
    """Yields (i, text) until the texts add up to at least `size` bytes."""
    total, i = 0, start
    while total < size:
        text = server(parts, i)
        total += len(text.encode())
        yield i, text
        i += 1


def multi(outdir, size, per_file=50):
    parts = variants()
    confd = os.path.join(outdir, "conf.d")
    os.makedirs(confd, exist_ok=True)
    main = head() + "    include conf.d/*.conf;\n}\n"
    with open(os.path.join(outdir, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(main)
    out, n = None, 0
    for i, text in servers_until(parts, size - len(main)):
        if i % per_file == 0:
            if out:
                out.close()
            out = open(os.path.join(confd, f"servers-{i // per_file:05d}.conf"), "w", encoding="utf-8")
            n += 1
        out.write(text)
    if out:
        out.close()
    return n + 1


def single(outfile, size):
    parts = variants()
    os.makedirs(os.path.dirname(os.path.abspath(outfile)), exist_ok=True)
    with open(outfile, "w", encoding="utf-8") as f:
        top = head()
        f.write(top)
        for _, text in servers_until(parts, size - len(top) - 2):
            f.write(text)
        f.write("}\n")
    return 1


def tree(outdir, count, per_dir=1000):
    parts = variants()
    for i in range(count):
        d = os.path.join(outdir, f"d{i // per_dir:04d}")
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"site{i:06d}.conf"), "w", encoding="utf-8") as f:
            f.write(server(parts, i))
    return count


def main(argv):
    if len(argv) < 4 or argv[1] not in ("multi", "single", "tree"):
        sys.exit(__doc__)
    kind, target, n = argv[1], argv[2], int(argv[3])
    if kind == "multi":
        per_file = int(argv[5]) if len(argv) > 5 and argv[4] == "--per-file" else 50
        files = multi(target, n, per_file)
    elif kind == "single":
        files = single(target, n)
    else:
        files = tree(target, n)
    print(f"{kind} {target}: {files} files")


if __name__ == "__main__":
    main(sys.argv)
