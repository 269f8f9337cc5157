"""Export PyTorch modules into aotihub's Hub repo convention (docs/hub-convention.md)."""

from .errors import ExportError
from .export import export_model
from .profiles import PROFILES
from .spec import ExportSpec, load_specs

__all__ = ["PROFILES", "ExportError", "ExportSpec", "export_model", "load_specs"]
