"""Typed errors, shaped like aotihub's TypeScript `AotihubError` so both sides read the same way."""

from __future__ import annotations


class ExportError(Exception):
    """An export refused on purpose. `code` is stable (`AOTIHUB_EXPORT_*`) so callers can branch on it."""

    def __init__(
        self,
        code: str,
        summary: str,
        *,
        expected: str | None = None,
        received: str | None = None,
        hint: str | None = None,
    ) -> None:
        if not code.startswith("AOTIHUB_"):
            raise ValueError(f"error codes start with AOTIHUB_, got {code!r}")
        message = summary
        if expected is not None:
            message += f"\n  expected: {expected}"
        if received is not None:
            message += f"\n  received: {received}"
        if hint is not None:
            message += f"\n  what to do: {hint}"
        super().__init__(message)
        self.code = code
        self.expected = expected
        self.received = received
        self.hint = hint
