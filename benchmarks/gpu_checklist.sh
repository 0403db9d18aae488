#!/usr/bin/env bash
# The GPU checklist of the throughput work, as one command for a machine with CUDA (results go to
# benchmarks/README.md, "One GPU", with the card they came from):
#   1. tests/metrics/test_cuda.py            the metrics' CUDA paths against their CPU results
#   2. the GPU benchmark cases               one eager seed against 64 packed seeds (gan-ns, ring8),
#                                            and the metric benchmarks on the device, at reduced N
#   3. ganbench run --suite core --device cuda, timed, with the default workers (processes sharing
#      the GPU) and, where time is left, --workers 1
#
# Usage (repository root): OUT=/some/folder bash benchmarks/gpu_checklist.sh
# Where ganbench's dependencies are not installed (a bare GPU image with torch), put their wheels in
# .whl/ first (torch-fidelity, clean-fid, prdc, pytest-benchmark, ...): they are installed from there,
# offline. Every step has its own time limit, so one slow step does not lose the others' output.
set -uo pipefail
OUT=${OUT:-runs/gpu-checklist}
PY=${PY:-python3}
STEP_S=${STEP_S:-240}   # time limit of each of steps 1 and 2
CORE_S=${CORE_S:-420}   # time limit of one core run
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1

if compgen -G ".whl/*.whl" >/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
# ganbench itself, from this checkout, without touching the network
"$PY" -m pip install -q --no-index --no-deps --no-build-isolation -e . >/tmp/ganbench-install.log 2>&1 \
  || export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
GANBENCH=("$PY" -c "import sys; from ganbench.cli import main; sys.exit(main())")

# Few files come back from a lent machine: a summary, two logs, the benchmark JSON, a tarball per core run.
{ nvidia-smi -L; "$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
  echo "cpu cores: $(nproc)"; } >"$OUT/summary.txt" 2>&1

timeout "$STEP_S" "$PY" -m pytest -q -p no:cacheprovider tests/metrics/test_cuda.py >"$OUT/test_cuda.log" 2>&1
echo "test_cuda rc=$?" >>"$OUT/summary.txt"

GANBENCH_BENCH_N=${GANBENCH_BENCH_N:-20000} GANBENCH_BENCH_N_KNN=${GANBENCH_BENCH_N_KNN:-10000} \
  timeout "$STEP_S" "$PY" -m pytest benchmarks -q -s -p no:cacheprovider --benchmark-only -p no:timeout \
  -k "gpu or (ganbench and not float64) or torch_fidelity" --benchmark-json "$OUT/bench.json" >"$OUT/bench.log" 2>&1
echo "bench rc=$?" >>"$OUT/summary.txt"

for workers in default 1; do
  run=/tmp/gpu-core-$workers
  args=(); [ "$workers" = default ] || args=(--workers "$workers")
  SECONDS=0
  timeout "$CORE_S" "${GANBENCH[@]}" run --suite core --device cuda --fresh --out "$run" "${args[@]}" >"$run.log" 2>&1
  rc=$?
  echo "core workers=$workers rc=$rc wall_s=$SECONDS" >>"$OUT/summary.txt"
  cp "$run.log" "$run/" 2>/dev/null
  tar czf "$OUT/core-$workers.tgz" --exclude checkpoints --exclude samples -C /tmp "gpu-core-$workers" 2>/dev/null
  [ $rc -eq 0 ] || break
done
cat "$OUT/summary.txt"
