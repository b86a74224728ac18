#!/usr/bin/env bash
# Runs the ml-100k quality bar (docs/quality.md) and records it in the shipped model's hllm.json:
# HLLM and the full-softmax SASRec, each with lr x dropout tuned on seed 0's VALIDATION N@10 by
# the same rule (the two best configs run on every seed, the best mean validation is kept), each
# with early stopping (6 evaluations, 300 steps) inside a maximum step budget. HLLM's recipe is
# the default one without the item-side auxiliary loss: with the full softmax every item is a
# negative at every step, so the tower cannot collapse, and on ml-100k the loss only held it back
# (docs/quality.md "Levers"). About 1.7 h on 2 CPU cores (9 HLLM runs of ~8 min, 12 SASRec runs of 2-3 min); --resume reuses finished runs.
# ml-100k may not be redistributed: pass your own download's folder (see models/data/ml-100k/prepare.py).
# Usage: bash models/quality-ml100k.sh /path/to/ml-100k
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
$PY models/data/ml-100k/prepare.py --src "${1:?usage: $0 ML100K_FOLDER}"
out=models/runs/q-ml100k
$PY models/compare.py --data models/data/ml-100k/out --seeds 0 1 2 --only hllm sasrec_full \
  --hllm-steps 1500 --sasrec-steps 3000 --patience 6 --finalists 2 \
  --hllm-flags "--lr 2e-3 --m-item-layers 1 --loss full --aux-weight 0" --hllm-grid 2e-3:0.1 2e-3:0.3 2e-3:0.5 \
  --full-grid 1e-3:0.2 1e-3:0.5 2e-3:0.2 2e-3:0.5 2e-3:0.7 4e-3:0.5 --out $out --resume
$PY models/record_quality_bar.py public/models/default/hllm.json $out/summary.json
