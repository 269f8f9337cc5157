"""Builds the test kernel against the installed torch into a kernel repo folder laid out like a
kernels-community one:

    <out>/build/torch<MM>-cxx11-cpu-<machine>-linux/metadata.json
    <out>/build/torch<MM>-cxx11-cpu-<machine>-linux/aotihub_mix/{__init__.py,_ops.py,_aotihub_mix_<tag>.abi3.so}

(kernels reads `metadata.json` from the variant folder, beside the package.)

Usage: python build_test_kernel.py <out> <tag>. The tag stands for the build hash kernel-builder
puts in the op namespace, so two builds of different sources never share op names.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import torch
from torch.utils import cpp_extension

HERE = os.path.dirname(os.path.abspath(__file__))


def variant() -> str:
    major, minor = torch.__version__.split(".")[:2]
    abi = "cxx11" if torch.compiled_with_cxx11_abi() else "cxx98"
    return f"torch{major}{minor}-{abi}-cpu-{platform.machine()}-{platform.system().lower()}"


def build_library(namespace: str, build_dir: str) -> str:
    source = os.path.join(HERE, "csrc", "mix.cc")
    if cpp_extension.is_ninja_available():
        return cpp_extension.load(
            name=namespace,
            sources=[source],
            build_directory=build_dir,
            extra_cflags=["-O2"],
            is_python_module=False,
            verbose=False,
        )
    # Without ninja: the same compile, with cpp_extension's include and library paths.
    output = os.path.join(build_dir, f"{namespace}.so")
    abi = int(torch.compiled_with_cxx11_abi())
    command = ["g++", "-shared", "-fPIC", "-O2", "-std=c++17", f"-D_GLIBCXX_USE_CXX11_ABI={abi}"]
    command += [f"-DTORCH_EXTENSION_NAME={namespace}", f"-I{sysconfig.get_paths()['include']}"]
    command += [f"-I{path}" for path in cpp_extension.include_paths()]
    command += [source, "-o", output]
    command += [f"-L{path}" for path in cpp_extension.library_paths()] + ["-lc10", "-ltorch_cpu", "-ltorch"]
    subprocess.run(command, check=True)
    return output


def main(out: str, tag: str) -> None:
    namespace = f"_aotihub_mix_{tag}"
    package = os.path.join(out, "build", variant(), "aotihub_mix")
    os.makedirs(package, exist_ok=True)
    with tempfile.TemporaryDirectory() as build_dir:
        library = build_library(namespace, build_dir)
        shutil.copyfile(library, os.path.join(package, f"{namespace}.abi3.so"))
    for name in ("__init__.py", "_ops.py"):
        with open(os.path.join(HERE, "torch-ext", "aotihub_mix", name), encoding="utf8") as source:
            text = source.read().replace("_aotihub_mix_TEMPLATE", namespace)
        with open(os.path.join(package, name), "w", encoding="utf8") as target:
            target.write(text)
    metadata = {"version": 1, "license": "Apache-2.0", "python-depends": [], "backend": {"type": "cpu"}}
    with open(os.path.join(os.path.dirname(package), "metadata.json"), "w", encoding="utf8") as target:
        json.dump(metadata, target)
    print(os.path.dirname(package))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
