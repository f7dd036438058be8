#!/bin/sh
# Rewrites ganlib/results/study_digits.json, the study that chapter 12 plots: every model of
# ganlib.study (the book's eight unconditional GAN objectives and the VAE) on the 8x8 digits, 12 random
# settings per model, 3 seeds each, 2,000 steps. About 40 minutes on one CPU core; with torchrun
# the settings are sharded over processes (the file is the same). --resume keeps what the file
# already holds (the shipped file was made so: six models, then the other three added).
#   sh scripts/study_digits.sh                 # one process
#   LAUNCH="torchrun --nproc-per-node 2" sh scripts/study_digits.sh
set -e
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} ${LAUNCH:-$PY} -m ganlib.study --out ganlib/results/study_digits.json \
    --data digits --trials 12 --seeds 0 1 2 --steps 2000 --latent-dim 16 "$@"
