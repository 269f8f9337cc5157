"""The tiny DiT of the export package's examples, at its CPU size, three resolution buckets."""

from aotihub_export.examples.tiny_dit import spec

__all__ = ["spec"]
