"""Reads a device run's outdir for the report scripts (report.py, fp8-conv-report.py)."""

import json
import os


def load_json(root: str, name: str) -> dict | None:
    """<root>/<name> parsed, or None where the run did not write it (or wrote it half)."""
    try:
        with open(os.path.join(root, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
