"""The constant FQNs a compiled model binds, read from the generated wrapper source.

These are exactly what the container's `GetConstantOriginalFQN` returns (the wrapper's
`constants_info_[i].original_fqn`), minus constants inductor folds at run time
(`from_folded = true`), which a caller never supplies. Reading the source instead of loading the
`.so` keeps the check free of a torch whose `aoti_load_package` crashes (seen on torch 2.11 CUDA).
"""

from __future__ import annotations

import re

from .errors import ExportError

_FIELD = re.compile(r'constants_info_\[(\d+)\]\.(original_fqn|from_folded) = ("(?:[^"\\]|\\.)*"|true|false);')


def bound_constant_fqns(wrapper_cpp: str) -> set[str]:
    fqns: dict[int, str] = {}
    folded: dict[int, bool] = {}
    for match in _FIELD.finditer(wrapper_cpp):
        index, field, value = int(match.group(1)), match.group(2), match.group(3)
        if field == "original_fqn":
            fqns[index] = value[1:-1].encode().decode("unicode_escape")
        else:
            folded[index] = value == "true"
    if set(fqns) != set(folded):
        raise ExportError(
            "AOTIHUB_EXPORT_PACKAGE",
            "cannot read the constants of the generated wrapper",
            expected="original_fqn and from_folded for every constants_info_ entry",
            received=f"{len(fqns)} names, {len(folded)} folded flags",
            hint="this torch version changed AOTI's generated code; pin torch to a tested minor",
        )
    return {fqn for index, fqn in fqns.items() if not folded[index]}
