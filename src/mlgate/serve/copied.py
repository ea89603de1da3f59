"""Files read once for serving: each copied where only this process can change it, and
hashed as it is copied, so the bytes checked are the bytes loaded.

Hashing a path and then opening it again by that path loaded whatever was there by then:
a model swapped in between (a training run, a sync job rewriting it) was served, and its
pickled code run, while /metadata gave the sha256 that had been checked.

On Linux the copy is an anonymous memory file (memfd), read through its /proc/self/fd
path: no folder need be writable (an image run with a read-only root) and a killed
server leaves nothing behind. A file over 256 MiB, or where memfd is refused, and every
file elsewhere, is copied to a private temporary folder (0700) instead. The copy is gone
when the block ends, the model in memory by then: it costs the file's size, in memory or
on disk, while the model loads. An ONNX model is hashed and loaded where it is, beside
its external data: its loading runs no code, so a file swapped in between can change
what is served but runs nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
PROC_FD = Path("/proc/self/fd")
IN_MEMORY = 256 << 20  # a bigger file is copied to disk: each worker copies it at once
# loaded where it is, beside its external data (`model.onnx.data`, which a copy lacks:
# "/proc/self/fd/6 - No such file"); loading an ONNX model runs no code of its own
IN_PLACE = (".onnx",)


@dataclass(frozen=True)
class Copy:
    path: Path  # the private copy: read from here, never from the source again
    sha256: str  # of the bytes written to it


Maker = Callable[[str, Path], Copy]  # (name, source) -> its copy


@contextmanager
def copies(sources: Mapping[str, Path]) -> Iterator[dict[str, Copy]]:
    """Each source copied, by the name it is known by (a model's suffix says how to load
    it), until the block ends."""
    with ExitStack() as stack:
        on_disk: list[Maker] = []  # made once, if a file needs it

        def made(name: str, source: Path) -> Copy:
            if source.suffix in IN_PLACE or Path(name).suffix in IN_PLACE:
                return Copy(source, _hashed(source))
            if _memfd() and source.stat().st_size <= IN_MEMORY:
                try:
                    return _in_memory(stack, source)
                except OSError:  # memfd refused (a seccomp profile, gVisor): on disk
                    pass
            if not on_disk:
                on_disk.append(stack.enter_context(_folder()))
            return on_disk[0](name, source)

        yield {name: made(name, source) for name, source in sources.items()}


def _memfd() -> bool:
    return hasattr(os, "memfd_create") and PROC_FD.is_dir()


def _in_memory(stack: ExitStack, source: Path) -> Copy:
    target = stack.enter_context(os.fdopen(os.memfd_create("mlgate-model"), "w+b"))
    return Copy(PROC_FD / str(target.fileno()), copy_hashing(source, target))


def _hashed(source: Path) -> str:
    with source.open("rb") as read:
        return hashlib.file_digest(read, "sha256").hexdigest()


@contextmanager
def _folder() -> Iterator[Maker]:
    with tempfile.TemporaryDirectory(prefix="mlgate-load-") as folder:

        def make(name: str, source: Path) -> Copy:
            with (Path(folder) / name).open("xb") as target:
                return Copy(Path(folder) / name, copy_hashing(source, target))

        yield make


def copy_hashing(source: Path, target: BinaryIO) -> str:
    """`source`'s bytes written to `target`, in chunks: the sha256 of what was written."""
    digest = hashlib.sha256()
    with source.open("rb") as read:
        while chunk := read.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
    target.flush()
    return digest.hexdigest()
