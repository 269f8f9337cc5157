"""The target of a compiled package, read from the package's own `*wrapper_metadata.json` and
the compiling torch, in the manifest's `target` shape."""

from __future__ import annotations

import json
import re
import zipfile

import torch

from .errors import ExportError


def read_wrapper_metadata(package_path: str) -> dict[str, str]:
    with zipfile.ZipFile(package_path) as archive:
        names = [n for n in archive.namelist() if n.endswith("wrapper_metadata.json")]
        if len(names) != 1:
            raise ExportError(
                "AOTIHUB_EXPORT_PACKAGE",
                f"cannot tell the target of {package_path}",
                expected="exactly one *wrapper_metadata.json in the package",
                received=f"{len(names)}: {names}",
                hint="compile one model per package (the helper's default)",
            )
        return json.loads(archive.read(names[0]))


def torch_range(version: str) -> str:
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        raise ExportError(
            "AOTIHUB_EXPORT_TORCH",
            "cannot read the torch version",
            expected="a version like 2.13.0+cpu",
            received=version,
        )
    major, minor = int(match.group(1)), int(match.group(2))
    # AOTI packages link against libtorch's C shim of one minor release; pin to it.
    return f">={major}.{minor}.0 <{major}.{minor + 1}.0"


def capability_to_sass(capability: str) -> str:
    """"90" -> "9.0", "100" -> "10.0", "90a" -> "9.0a" (the manifest's X.Y[a|f] form)."""
    match = re.fullmatch(r"(\d+)(\d)([af]?)", capability)
    if match is None:
        raise ExportError(
            "AOTIHUB_EXPORT_PACKAGE",
            "unreadable AOTI_COMPUTE_CAPABILITY",
            expected="digits like 90 or 100, optionally ending in a or f",
            received=repr(capability),
        )
    return f"{match.group(1)}.{match.group(2)}{match.group(3)}"


def target_of(package_path: str) -> dict[str, object]:
    meta = read_wrapper_metadata(package_path)
    device = meta.get("AOTI_DEVICE_KEY", "")
    common = {"torch": torch_range(torch.__version__), "os": meta["AOTI_PLATFORM"], "machine": meta["AOTI_MACHINE"]}
    if device == "cpu":
        return {"device": "cpu", "cpuIsa": meta.get("AOTI_CPU_ISA", "").split(), **common}
    if device == "cuda":
        return {
            "device": "cuda",
            "sass": [capability_to_sass(meta["AOTI_COMPUTE_CAPABILITY"])],
            "ptx": None,
            "cuda": torch.version.cuda,
            **common,
        }
    raise ExportError(
        "AOTIHUB_EXPORT_PACKAGE",
        f"unsupported device in {package_path}",
        expected='AOTI_DEVICE_KEY "cpu" or "cuda"',
        received=repr(device),
    )


def target_folder(target: dict[str, object]) -> str:
    """Path segment encoding the target: `cpu-avx2-torch2.13`, `cu130-sm90-torch2.11`."""
    torch_minor = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    if target["device"] == "cpu":
        isa = target["cpuIsa"]
        isa_tag = "-".join(str(i).lower() for i in isa) if isa else "generic"  # type: ignore[union-attr]
        return f"cpu-{isa_tag}-torch{torch_minor}"
    cuda = str(target["cuda"]).replace(".", "")
    sass = "-".join("sm" + s.replace(".", "") for s in target["sass"])  # type: ignore[union-attr]
    return f"cu{cuda}-{sass}-torch{torch_minor}"
