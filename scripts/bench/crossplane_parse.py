#!/usr/bin/env python3
"""crossplane's parser alone, in one process, over a list of nginx files.

    crossplane_parse.py FILE...          (or  crossplane_parse.py @LISTFILE)

Each file is parsed once with
`crossplane.parse(path, single=True, catch_errors=True, check_ctx=False)`: includes are
not followed (every included file is in the list itself, so each byte is parsed exactly
once, as proxylint parses each file once); syntax errors are collected rather than raised;
the context check is off, because a fragment parsed on its own has no context and
crossplane would drop every `server` or `location` block of it unparsed (argument checks
stay on, crossplane's default). The
JSON payload is built in memory and dropped, as `crossplane parse` would build it before
printing; nothing is printed but a one-line count on stderr.
"""

import sys

import crossplane


def main(argv):
    paths = []
    for arg in argv[1:]:
        if arg.startswith("@"):
            with open(arg[1:], encoding="utf-8") as f:
                paths.extend(line.strip() for line in f if line.strip())
        else:
            paths.append(arg)
    if not paths:
        sys.exit(__doc__)
    errors = 0
    for path in paths:
        payload = crossplane.parse(path, single=True, catch_errors=True, check_ctx=False)
        errors += len(payload["errors"])
    sys.stderr.write(f"crossplane: parsed {len(paths)} files, {errors} errors\n")


if __name__ == "__main__":
    main(sys.argv)
