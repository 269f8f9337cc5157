"""The Python side of the kill -9 runs: `download <repo> <path>` with huggingface_hub's
hf_hub_download, or `scan` printing scan_cache_dir()'s warnings and repos as JSON."""

import json
import sys

from huggingface_hub import hf_hub_download, scan_cache_dir

if sys.argv[1] == "download":
    # the kill -9 runs time their kill from this line: imports are done, the download starts now
    print("downloading", file=sys.stderr, flush=True)
    print(hf_hub_download(sys.argv[2], sys.argv[3]))
else:
    info = scan_cache_dir()
    print(
        json.dumps(
            {
                "warnings": [str(w) for w in info.warnings],
                "repos": [
                    {"id": r.repo_id, "files": sorted(f.file_name for rev in r.revisions for f in rev.files)}
                    for r in info.repos
                ],
            }
        )
    )
