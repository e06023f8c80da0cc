#!/usr/bin/env bash
# Runs the PyTorch peer of `scripts/bench backbone` in a scratch virtual environment (.venv-bench, git-ignored),
# creating it with `pip install torch numpy` on first use. Arguments go to torch_backbone.py.
source "$(dirname "$0")/../lib/common.sh"
venv="$MIXREC_ROOT/.venv-bench"
if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    say "creating $venv with PyTorch (CPU) and NumPy"
    python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
    "$venv/bin/pip" install --quiet torch numpy >&2 || die "pip install torch numpy failed"
fi
exec "$venv/bin/python" "$MIXREC_ROOT/scripts/peers/torch_backbone.py" "$@"
