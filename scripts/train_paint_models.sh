#!/bin/bash
# How the shipped paint models were trained: on the CPU, one thread per model, progressive
# (most steps at 64², then resumed at 128²). Step counts are those of the shipped models; their
# cards list the phases with times. Run from the repository root; runs/ keeps the resumable state.
set -euo pipefail
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
COMMON=(--batch 8 --scenes 20000 --sample-every 250)

spade() {
  igan train spade --ngf 12 --vgg-weight 0 --resolution 64 --steps 4100 "${COMMON[@]}" \
    --run runs/spade --out models/landscape-spade
  igan train spade --ngf 12 --vgg-weight 10 --resolution 128 --steps 4900 --resume \
    "${COMMON[@]}" --run runs/spade --out models/landscape-spade
}

pix2pix() {  # $1: labels or edges; $2: model name
  igan train pix2pix --source "$1" --resolution 64 --steps "$3" "${COMMON[@]}" \
    --run "runs/p2p-$1" --out "models/$2"
  igan train pix2pix --source "$1" --resolution 128 --steps "$4" --resume "${COMMON[@]}" \
    --run "runs/p2p-$1" --out "models/$2"
}

spade &
pix2pix labels landscape-pix2pix 3300 4800
pix2pix edges landscape-edges 4000 5300
wait
for name in landscape-spade landscape-pix2pix landscape-edges; do
  igan eval paint --model "models/$name" --n 500 --write
done
python docs/paint_grid.py
