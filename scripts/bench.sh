#!/usr/bin/env bash
# Whole-process benchmarks of proxylint against its peers (Gixy-Next, crossplane) and
# against the cost of reading the bytes (cat). See BENCHMARKS.md for what is measured.
#
#   scripts/bench.sh            full run (15–30 minutes); rewrites BENCHMARKS.md's results
#   scripts/bench.sh --quick    small inputs, a few minutes; prints only, BENCHMARKS.md untouched
#
# Environment:
#   BENCH_DIR      scratch directory (default: ${TMPDIR:-/tmp}/proxylint-bench); inputs,
#                  the Python virtual environment and logs go there, never into the repository
#   BENCH_TIMEOUT  seconds one command may run before it counts as "did not finish" (default 600)
#
# Needs: cargo, python3 with venv and pip (PyPI reachable), GNU time at /usr/bin/time,
# coreutils' timeout. Uses hyperfine when it is on the PATH (Debian: apt-get install -y
# hyperfine), else a timing loop of its own. Benchmarks, not tests: the numbers depend on
# the machine and on what else runs on it.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${BENCH_DIR:-${TMPDIR:-/tmp}/proxylint-bench}"
cap="${BENCH_TIMEOUT:-600}"
quick=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        -h | --help)
            sed -n '2,17p' "$0"
            exit 0
            ;;
        *)
            echo "bench.sh: unknown argument '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done

die() {
    echo "bench.sh: $*" >&2
    exit 1
}

# The exact command, with the settings that change results.
command_line="scripts/bench.sh${*:+ $*}"
[ -n "${BENCH_DIR:-}" ] && command_line="BENCH_DIR=$BENCH_DIR $command_line"
[ -n "${BENCH_TIMEOUT:-}" ] && command_line="BENCH_TIMEOUT=$BENCH_TIMEOUT $command_line"

command -v cargo >/dev/null || die "cargo is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
[ -x /usr/bin/time ] || die "GNU time is missing at /usr/bin/time (Debian: apt-get install -y time)"
/usr/bin/time --version 2>&1 | grep -q GNU || die "/usr/bin/time is not GNU time"
command -v timeout >/dev/null || die "timeout (coreutils) is not installed"
[ -d "$root/../shared/corpus/nginx" ] || die "the shared corpus is missing at $root/../shared/corpus"

mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"

echo "bench.sh: building proxylint (release)" >&2
(cd "$root" && cargo build --release --quiet && cargo build --release --quiet --example parse_only) ||
    die "cargo build --release failed"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
[ -x "$target_dir/release/proxylint" ] && [ -x "$target_dir/release/examples/parse_only" ] ||
    die "the release binaries are missing under $target_dir/release"
# Measure copies: a build in the same target directory during the run (another checkout's
# cargo, an editor) must not swap the binary between two measurements.
mkdir -p "$scratch/bin"
cp "$target_dir/release/proxylint" "$target_dir/release/examples/parse_only" "$scratch/bin/"
proxylint="$scratch/bin/proxylint"
parse_only="$scratch/bin/parse_only"

# The peers, from PyPI, in a virtual environment of their own. Without both there is no
# comparison, so the run stops instead of leaving one out.
venv="$scratch/venv"
if [ ! -x "$venv/bin/python" ]; then
    echo "bench.sh: creating a virtual environment in $venv" >&2
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
fi
echo "bench.sh: pip install gixy-next crossplane" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check gixy-next crossplane ||
    die "could not install gixy-next and crossplane from PyPI into $venv; the comparison needs both peers, so nothing was measured"
"$venv/bin/gixy" --version >/dev/null 2>&1 || die "gixy (Gixy-Next) is installed but does not run: $venv/bin/gixy --version"
"$venv/bin/python" -c 'import crossplane' 2>/dev/null || die "crossplane is installed but cannot be imported"

hyperfine="$(command -v hyperfine || true)"
if [ -z "$hyperfine" ]; then
    echo "bench.sh: hyperfine not found (apt-get install -y hyperfine); timing with a loop of our own" >&2
fi

write="$root/BENCHMARKS.md"
extra=()
if [ "$quick" = 1 ]; then
    write=""
    extra=(--quick)
fi

exec python3 "$root/scripts/bench/run.py" \
    --scratch "$scratch" \
    --venv "$venv" \
    --proxylint "$proxylint" \
    --parse-only "$parse_only" \
    --hyperfine "$hyperfine" \
    --timeout "$cap" \
    --command "$command_line" \
    --write "$write" \
    "${extra[@]}"
