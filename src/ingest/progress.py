"""A process-wide progress hook, so a terminal UI can follow stages it does not own."""

from __future__ import annotations

from collections.abc import Callable

_hook: Callable[[str, int, int | None], None] | None = None


def set_hook(hook: Callable[[str, int, int | None], None] | None) -> None:
    """Install hook(stage, advance, total) or remove it with None."""
    global _hook
    _hook = hook


def report(stage: str, advance: int = 0, total: int | None = None) -> None:
    """Tell the hook (if any) that `stage` advanced by `advance` of `total`."""
    if _hook is not None:
        _hook(stage, advance, total)


def warn(message: str) -> None:
    """One `warning:` line on stderr for the user (a run goes on after it; the CLI and flow logs show it)."""
    import sys

    print(f"warning: {message}", file=sys.stderr, flush=True)
