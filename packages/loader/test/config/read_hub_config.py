"""What huggingface_hub itself reads from each environment on stdin (a JSON list of env dicts):
HF_HOME, HF_HUB_CACHE, ENDPOINT, HF_HUB_OFFLINE and get_token(), one JSON object per case."""

import importlib
import json
import os
import sys

import huggingface_hub.constants as constants
from huggingface_hub.utils import _auth

results = []
for env in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(env)
    importlib.reload(constants)  # constants.py reads the environment at import time
    _auth._OAUTH_REFRESH_CACHE = None
    results.append(
        {
            "endpoint": constants.ENDPOINT,
            "hfHome": constants.HF_HOME,
            "cacheDir": constants.HF_HUB_CACHE,
            "offline": constants.HF_HUB_OFFLINE,
            "token": _auth.get_token(),
        }
    )
print(json.dumps(results))
