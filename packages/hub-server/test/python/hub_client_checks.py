"""Drives the real huggingface_hub against a local Hub and prints what it saw as JSON.

Run with HF_ENDPOINT pointing at the server and HF_HUB_CACHE at an empty folder. Each check
records either its result or the class name of the exception it raised; the test asserts on them.
"""

import hashlib
import json
import os
import sys

import huggingface_hub
from huggingface_hub import (
    HfApi,
    hf_hub_download,
    scan_cache_dir,
    snapshot_download,
)

tokens = json.loads(sys.argv[1])
api = HfApi()
results = {"version": huggingface_hub.__version__}


def check(name, fn):
    try:
        results[name] = {"ok": fn()}
    except Exception as error:  # noqa: BLE001 - the class name is what the test checks
        results[name] = {"error": type(error).__name__, "message": str(error)[:300]}


def sha256_of(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def download(repo_id, filename, **kwargs):
    path = hf_hub_download(repo_id, filename, **kwargs)
    return {"path": path, "real": os.path.realpath(path), "sha256": sha256_of(path)}


check("small_main", lambda: download("acme/tiny", "config.json"))
check("lfs_main", lambda: download("acme/tiny", "weights/model.safetensors"))
check("lfs_by_size", lambda: download("acme/tiny", "data/blob.dat"))
check("branch_dev", lambda: download("acme/tiny", "config.json", revision="dev"))
check("tag_v1", lambda: download("acme/tiny", "config.json", revision="v1.0"))
check("commit_of_dev", lambda: download("acme/tiny", "config.json", revision=api.model_info("acme/tiny", revision="dev").sha))
check("kernel_v1", lambda: download("kernels-community/activation", "build/torch-cpu/__init__.py", repo_type="kernel", revision="v1"))
check("kernel_main_so", lambda: download("kernels-community/activation", "build/torch-cpu/_ops.so", repo_type="kernel"))
check("snapshot", lambda: sorted(
    os.path.relpath(os.path.join(dirpath, name), snapshot_download("acme/tiny"))
    for dirpath, _, names in os.walk(snapshot_download("acme/tiny"))
    for name in names
))
check("snapshot_path", lambda: snapshot_download("acme/tiny"))
check("kernel_snapshot_v1", lambda: sorted(os.listdir(os.path.join(
    snapshot_download("kernels-community/activation", repo_type="kernel", revision="v1"), "build", "torch-cpu"))))
check("tree", lambda: [
    {"path": f.path, "type": type(f).__name__, "lfs": f.lfs.sha256 if getattr(f, "lfs", None) else None}
    for f in api.list_repo_tree("acme/tiny", recursive=True)
])
check("tree_folder", lambda: [f.path for f in api.list_repo_tree("acme/tiny", path_in_repo="many")])
check("paths_info", lambda: [
    {"path": p.path, "type": type(p).__name__, "size": getattr(p, "size", None)}
    for p in api.get_paths_info("acme/tiny", ["config.json", "weights/model.safetensors", "many", "missing.txt"])
])
check("model_info", lambda: (lambda info: {
    "sha": info.sha,
    "siblings": sorted(s.rfilename for s in info.siblings),
    "lfs": {s.rfilename: s.lfs.sha256 for s in info.siblings if s.lfs},
})(api.model_info("acme/tiny", files_metadata=True)))
check("kernel_info", lambda: api.repo_info("kernels-community/activation", repo_type="kernel", revision="v1").sha)
check("refs", lambda: (lambda refs: {
    "branches": sorted(b.name for b in refs.branches), "tags": sorted(t.name for t in refs.tags)
})(api.list_repo_refs("acme/tiny")))
check("private_anonymous", lambda: download("acme/secret", "config.json"))
check("private_other_user", lambda: download("acme/secret", "config.json", token=tokens["bob"]))
check("private_reader", lambda: download("acme/secret", "config.json", token=tokens["alice"]))
check("gated_anonymous", lambda: download("acme/gated", "config.json"))
check("gated_other_user", lambda: download("acme/gated", "config.json", token=tokens["bob"]))
check("gated_reader", lambda: download("acme/gated", "weights.safetensors", token=tokens["alice"]))
check("missing_entry", lambda: download("acme/tiny", "missing.txt"))
check("missing_revision", lambda: download("acme/tiny", "config.json", revision="nope"))
check("missing_repo", lambda: download("acme/nope", "config.json"))
check("missing_revision_info", lambda: api.model_info("acme/tiny", revision="nope").sha)
check("offline_after", lambda: download("acme/tiny", "weights/model.safetensors", local_files_only=True))


def scan():
    info = scan_cache_dir()
    return {
        "warnings": [str(w) for w in info.warnings],
        "repos": sorted(f"{r.repo_type}:{r.repo_id}" for r in info.repos),
        # The folders the scanned repos live in: the test's own HF_HUB_CACHE, nothing else.
        "roots": sorted({str(r.repo_path.parent) for r in info.repos}),
    }


check("scan", scan)
print(json.dumps(results))
