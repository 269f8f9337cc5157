"""`python -m aotihub_export --spec my_model.py --out dir`: export every model a spec file
declares. Several `--spec` files build in one process, so the compiler warm-up is paid once."""

from __future__ import annotations

import argparse
import os
import sys
import time

from .errors import ExportError
from .export import export_model, log_stderr
from .spec import load_specs


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aotihub-export", description=__doc__)
    parser.add_argument("--spec", action="append", required=True, help="spec file (repeatable)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", help="the repo folder (the specs must declare exactly one model)")
    where.add_argument("--out-root", help="parent folder: each model goes to <out-root>/<name>")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--profile", action="append", help="override the spec's profiles (repeatable)")
    parser.add_argument(
        "--runtime",
        action="append",
        choices=["libtorch", "standalone"],
        help="override the spec's runtime; repeat it to publish both builds in one repo (default: the spec's)",
    )
    parser.add_argument(
        "--attention",
        help="fused attention backends a libtorch build may call, in priority order "
        "(comma-separated: flash,efficient,cudnn,math), or 'torch' for torch's choice "
        "(default: the spec's, else flash,efficient,math on CUDA)",
    )
    parser.add_argument(
        "--patch-conv-as-matmul",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="libtorch builds: patch-embedding convolutions (stride = kernel) as one matmul (default: the spec's)",
    )
    parser.add_argument("--io", action="store_true", help="also write io/<bucket>.safetensors")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        specs = [s for path in args.spec for s in load_specs(path, args.device)]
        if args.out is not None and len(specs) != 1:
            raise ExportError(
                "AOTIHUB_EXPORT_SPEC",
                "--out takes exactly one model",
                expected="one model from the spec files",
                received=f"{len(specs)}: {[s.name for s in specs]}",
                hint="use --out-root to export several models, one folder each",
            )
        started = time.monotonic()
        for spec in specs:
            out_dir = args.out or os.path.join(args.out_root, spec.name)
            export_model(
                spec.module,
                spec.name,
                spec.buckets,
                out_dir,
                profiles=args.profile or spec.profiles,
                device=args.device,
                dynamic=spec.dynamic,
                write_io_files=args.io,
                kernels=spec.kernels,
                runtime=args.runtime or spec.runtime,
                attention=args.attention.split(",") if args.attention else spec.attention,
                patch_conv_as_matmul=spec.patch_conv_as_matmul
                if args.patch_conv_as_matmul is None
                else args.patch_conv_as_matmul,
            )
        log_stderr(f"exported {len(specs)} model(s) in {time.monotonic() - started:.1f} s")
        return 0
    except ExportError as error:
        print(f"{error.code}: {error}", file=sys.stderr)
        return 2
