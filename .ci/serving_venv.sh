#!/usr/bin/env bash
# The interpreter Triton's Python backend runs bdcompile in (used by `bdcompile serve` and tests/test_serving.py).
#
# The backend's stub embeds a *shared* libpython of the same version: Debian's /usr/bin/python3.11 has one,
# the pyenv build does not (its stub dies). So: a venv from /usr/bin/python3.11 with nvidia-pytriton (which
# ships tritonserver 2.51 + the Python backend), torch (CPU wheel), onnxruntime and diffusers (the digits
# pipeline's scheduler). bdcompile itself is not installed there: the server puts this checkout on PYTHONPATH.
#
# Cached: reused when its stamp matches REQS (about 100 s to build on the 2-core CI machine, 1.4 GB).
# BDC_SERVING_VENV overrides the location.
set -euo pipefail
VENV="${BDC_SERVING_VENV:-$HOME/.cache/bdcompile/serving-venv}"
BASE_PY="${BDC_SERVING_BASE_PYTHON:-/usr/bin/python3.11}"
REQS="nvidia-pytriton==0.7.0 torch==2.13.0 onnxruntime onnx numpy safetensors jsonschema diffusers==0.42.1"
STAMP="$VENV/.bdcompile-stamp"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQS" ] && "$VENV/bin/python" -c "import pytriton, torch, onnxruntime, onnx, jsonschema, diffusers" 2>/dev/null; then
    echo "serving venv: reusing $VENV"
    exit 0
fi
if [ ! -x "$BASE_PY" ]; then
    echo "serving venv: $BASE_PY not found (need a Python with a shared libpython); serving tests will skip" >&2
    exit 1
fi
t0=$(date +%s)
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$BASE_PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
# shellcheck disable=SC2086
"$VENV/bin/pip" install -q $REQS 2>&1 | grep -v "^WARNING: Location" || true
"$VENV/bin/python" -c "import pytriton, torch, onnxruntime, onnx, jsonschema, diffusers"
echo "$REQS" > "$STAMP"
echo "serving venv: built $VENV in $(( $(date +%s) - t0 )) s"
