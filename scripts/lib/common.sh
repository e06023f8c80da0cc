# Shared helpers for MixRec's scripts. Source it; do not run it.
set -euo pipefail

MIXREC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIXREC_HOME="${MIXREC_HOME:-$HOME/.cache/mixrec}"
export MIXREC_HOME

# Release builds use AVX2/FMA (every x86-64 CPU since 2013) in their own scratch folder, so debug builds and
# tests keep the baseline target.
MIXREC_RELEASE_FLAGS=(-c release --scratch-path "$MIXREC_ROOT/.build-release")
if [ "$(uname -m)" = "x86_64" ]; then
    MIXREC_RELEASE_FLAGS+=(-Xswiftc -target-cpu -Xswiftc haswell)
fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Builds the release products and prints the folder that holds the binaries.
build_release() {
    say "building MixRec (release)"
    (cd "$MIXREC_ROOT" && swift build "${MIXREC_RELEASE_FLAGS[@]}" --product "$1" >&2)
    (cd "$MIXREC_ROOT" && swift build "${MIXREC_RELEASE_FLAGS[@]}" --show-bin-path)
}
