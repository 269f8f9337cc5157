"""Downloads files at one commit with the real huggingface_hub and prints their sha256 as JSON."""

import hashlib
import json
import sys

from huggingface_hub import hf_hub_download

repo_id, commit, *paths = sys.argv[1:]
out = {}
for path in paths:
    with open(hf_hub_download(repo_id, path, revision=commit), "rb") as handle:
        out[path] = hashlib.sha256(handle.read()).hexdigest()
print(json.dumps(out))
