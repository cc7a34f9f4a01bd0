"""A real `ingest` command run the way a terminal runs it, for the lock and interrupt fault tests.

The command runs in a session (a process group) of its own, like a shell job: `signal_group` is
a Ctrl-C in its terminal, `signal_main` a `kill` of the main process alone. Every process that
descends from it (extraction workers, the forkserver, Prefect's temporary server) is recorded
while it runs, so that `leftovers` can say which of them outlived it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
INGEST = Path(sys.executable).with_name("ingest")
SYNTH = REPO / "benchmarks"


def synth_corpus(dst: Path, pages: int) -> Path:
    """pages synthetic procedure pages (benchmarks/synth.py), enough to be mid-extraction when signalled."""
    sys.path.insert(0, str(SYNTH))
    try:
        from synth import write_corpus
    finally:
        sys.path.remove(str(SYNTH))
    write_corpus(str(dst), pages, seed=7, manifest=str(dst.parent / f"{dst.name}.manifest.jsonl"))
    return dst


class RunningBuild:
    """`ingest <args>` in its own process group, its output in files, its descendants watched."""

    def __init__(self, args: list[str], workdir: Path, env: dict[str, str] | None = None) -> None:
        self.stdout_path, self.stderr_path = workdir / f"stdout-{id(self)}", workdir / f"stderr-{id(self)}"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([str(INGEST), *args], stdout=out, stderr=err, start_new_session=True,
                                         env={**os.environ, **(env or {})})
        self.seen: dict[int, psutil.Process] = {}
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        main = psutil.Process(self.proc.pid)
        while not self._done.is_set() and self.proc.poll() is None:
            try:
                for child in main.children(recursive=True):
                    self.seen.setdefault(child.pid, child)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def cmdlines(self) -> list[str]:
        lines = []
        for child in list(self.seen.values()):
            try:
                if child.is_running():
                    lines.append(" ".join(child.cmdline()))
            except psutil.Error:
                pass
        return lines

    def wait_for(self, what: str, fragment: str, timeout: float = 300) -> None:
        """Wait until a descendant whose command line holds fragment runs (e.g. extraction workers)."""
        deadline = time.monotonic() + timeout
        while not any(fragment in line for line in self.cmdlines()):
            assert self.proc.poll() is None, f"ended before {what}: {self.proc.returncode}\n{self.stderr()}"
            assert time.monotonic() < deadline, f"no {what} after {timeout} s\n{self.stderr()}"
            time.sleep(0.05)

    def wait_for_extraction(self) -> None:
        self.wait_for("extraction workers", "multiprocessing.forkserver")

    def signal_group(self, signum: int) -> None:
        os.killpg(self.proc.pid, signum)

    def signal_main(self, signum: int) -> None:
        os.kill(self.proc.pid, signum)

    def finish(self, timeout: float = 600) -> int:
        code = self.proc.wait(timeout)
        self._done.set()
        self._watcher.join()
        return code

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text("utf-8", "replace")

    def leftovers(self, grace: float = 15) -> list[str]:
        """Descendants still running `grace` seconds after the command ended (killed, then named)."""
        alive = [p for p in self.seen.values() if _running(p)]
        _, still = psutil.wait_procs(alive, timeout=grace)
        still = [p for p in still if _running(p)]
        names = []
        for p in still:
            try:
                names.append(f"{p.pid}: {' '.join(p.cmdline())[:120]}")
                p.kill()
            except psutil.Error:
                pass
        return names


def _running(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def tmp_leftovers(out: Path) -> list[str]:
    """Temporary folders and links of unfinished releases under out (what `ingest gc` would remove)."""
    return sorted(str(p.relative_to(out)) for folder in (out, out / "releases") if folder.is_dir()
                  for p in folder.iterdir() if p.name.startswith(".tmp"))
