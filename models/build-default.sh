#!/usr/bin/env bash
# Builds the shipped default model from scratch on ml-latest-small, in under 30 minutes on 2 CPU
# cores: prepare the data, train HLLM and the SASRec baseline, export, quantise, check parity,
# and write public/models/default (+ the catalogue and its licence under public/catalogs).
# Usage: bash models/build-default.sh [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
seed=${1:-0}
runs=models/runs/default
# Reads the raw GroupLens files committed in models/data/ml-latest-small/raw (no download).
$PY models/data/ml-latest-small/prepare.py
# Step budgets, not wall time: the same model on a busy or an idle machine. The recipe is the one
# models/compare.py measures against SASRec (its HLLM_FLAGS; SASRec's lr tuned there on validation).
$PY models/train.py --data models/data/ml-latest-small/out --out $runs/hllm --seed "$seed" \
  --lr 2e-3 --m-item-layers 1 --max-steps "${HLLM_STEPS:-600}" --eval-every 50
$PY models/train.py --model sasrec --data models/data/ml-latest-small/out --out $runs/sasrec --seed "$seed" \
  --lr "${SASREC_LR:-1e-3}" --max-steps "${SASREC_STEPS:-2000}" --eval-every 50
$PY models/export.py $runs/hllm/checkpoint.pt public/models/default --id hllm-ml-latest-small \
  --baseline $runs/sasrec/checkpoint.pt --catalog-out public/catalogs/ml-latest-small
