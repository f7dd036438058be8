#!/bin/sh
# Rewrites ganlib/results/study_triangles.json, the triangles study of chapter 12: every model of
# ganlib.study on Lucic et al.'s triangles (28x28), 4 random settings per model, 2 seeds each, 2,000
# steps, measured by the Fréchet distance in pixels and the exact precision and recall at δ = 4
# and other δ (500 samples, 300 test triangles). About 35 minutes on one CPU core; under torchrun
# the settings are sharded; --resume keeps what the file already holds.
#   sh scripts/study_triangles.sh
#   LAUNCH="torchrun --nproc-per-node 2" sh scripts/study_triangles.sh
set -e
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ${LAUNCH:-$PY} -m ganlib.study --out ganlib/results/study_triangles.json \
    --data triangles --trials 4 --seeds 0 1 --steps 2000 --latent-dim 16 --n-eval 500 "$@"
