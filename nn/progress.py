"""A progress line: updated in place on a terminal, a line per tenth elsewhere."""
from __future__ import annotations

import sys
import time


class Progress:
    """One line that updates in place on a terminal, and a line per tenth elsewhere."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        # sys.stderr is looked up per bar, not bound at import: it may have been replaced since
        # (pytest's capture, a redirect), and the old stream may be closed.
        stream = sys.stderr if stream is None else stream
        self.total, self.stream, self.enabled = total, stream, enabled
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last = 0.0
        self.next_tenth = 1

    def update(self, step: int, text: str) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.tty:
            if now - self.last < 0.1 and step < self.total:
                return
            filled = int(30 * step / max(1, self.total))
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {step}/{self.total} {text}   ")
            self.stream.flush()
            self.last = now
        elif step * 10 >= self.next_tenth * self.total:
            self.stream.write(f"{step}/{self.total} {text}\n")
            self.next_tenth = step * 10 // self.total + 1

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
