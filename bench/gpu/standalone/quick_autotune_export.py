"""The export CLI (`python3 -m aotihub_export ...`) with inductor's GEMM autotuning capped at
FP8_MAX_MM_CONFIGS configs per template (inductor's `test_configs.max_mm_configs`), for a short
regression run on the GPU only, never for a published build: the fp8 DiTs' `_scaled_mm` templates
offer 74-105 configs per GEMM shape, benchmarked one after another (20-46 s per shape on an H200),
so the tiny fp8 DiT took 185 s to compile with full autotuning. Any config computes the same GEMM;
only the kernels' speed can differ, which this run does not measure.
    FP8_MAX_MM_CONFIGS=4 python3 quick_autotune_export.py --device cuda --spec ... --out-root ..."""

import os
import sys

import torch._inductor.config as inductor_config

cap = int(os.environ.get("FP8_MAX_MM_CONFIGS", "4"))
try:
    inductor_config.test_configs.max_mm_configs = cap
    print(f"[quick-autotune] at most {cap} configs per GEMM template", file=sys.stderr)
except AttributeError as error:  # a torch without it compiles with full autotuning, only slower
    print(f"[quick-autotune] no test_configs.max_mm_configs in this torch ({error}): full autotuning", file=sys.stderr)

from aotihub_export.cli import main  # noqa: E402  (after the config, which the compile reads)

sys.exit(main(sys.argv[1:]))
