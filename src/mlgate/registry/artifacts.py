"""Content-addressed stores for model files and run records: an object is named by its
sha256, written once, never changed, and checked against its name when read; a promotion
copies nothing.

`registry.artifacts` is a folder (the default, `.mlgate/registry`), any fsspec URL
(`s3://bucket/models`, `gs://...`, `az://...`, with that filesystem's package installed:
`mlgate[s3]`), or `github-release:<tag>` (release_assets.py). A remote object is read
through a local cache, checked the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol

from mlgate import atomic
from mlgate.errors import OutsideError, UserError, of_the_disk
from mlgate.registry import s3_stream

if TYPE_CHECKING:
    from mlgate.registry.release_assets import Target

CHUNK = 1 << 20
DOWNLOAD_TRIES = 3  # a download that ends early is the network's: tried again
RETRY_PAUSE_S = 0.5  # before the second try; twice that before the third
STALE_PARTIAL_S = 600  # a download's temporary file not written to for this long was killed
CACHE = Path(".mlgate") / "cache" / "store"
IGNORE_ALL = "# written by mlgate: the model store stays out of git\n*\n"


class Store(Protocol):
    def put(self, source: Path) -> str: ...
    def get(self, sha256: str, size: int | None = None) -> Path:
        """The object's path, checked by its sha256 (`size`: the bytes the record says it
        has; a remote store downloads no more than that)."""
        ...

    def check(self, sha256: str, size: int | None = None) -> None:
        """Raises unless the object is in the store and whole, as far as the store can
        say without a download (`size`: the bytes the record says it has)."""
        ...


MISSING = (
    "put it back under that name from a copy of the store that has it (the clone it "
    "was registered in, a backup), or point registry.artifacts in mlops.yaml at the store "
    "it was registered to. A folder store belongs to one clone and is empty on a fresh CI "
    "runner: a team shares one (s3://..., github-release:...; docs/registry.md)"
)
CORRUPT = (
    "mlgate never changes a stored object, and its name is the sha256 of what was stored: "
    "put the original back under the same name (from the clone it was registered in, or "
    "a backup)"
)


def open_store(location: str, root: Path, github: Target | None = None) -> Store:
    """The store `registry.artifacts` names, relative paths from the manifest's folder;
    `github` is the repository a `github-release:` store belongs to (None: from GITHUB_*)."""
    from mlgate.manifest.store_location import SCHEME
    from mlgate.registry import release_assets

    if location.startswith(SCHEME):
        return release_assets.open_release_store(location, root / CACHE, github)
    if "://" in location:
        return RemoteStore(url=location.rstrip("/"), cache=root / CACHE)
    return LocalStore(folder=root / location)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _key(sha256: str) -> str:
    return f"objects/{sha256[:2]}/{sha256[2:]}"


@dataclass(frozen=True)
class LocalStore:
    folder: Path

    def path(self, sha256: str) -> Path:
        return self.folder / _key(sha256)

    def put(self, source: Path) -> str:
        """The file's sha256, after it is in the store (already there, a file with that
        sha256: nothing is copied). Anything else at the object's name is not the object
        and is replaced: a symlink (a commit put `objects/<ab>/<cd...> -> the model in the
        work tree`, and the registered model's only copy was the work tree's, audit V), a
        fan-out folder that is a link, a file whose bytes changed."""
        sha256 = sha256_of(source)
        target = self.path(sha256)
        if _stored(target, sha256):
            return sha256
        if target.is_dir() and not target.is_symlink():
            raise OutsideError(
                f"object {sha256[:12]} cannot be written to the model store {self.folder}: "
                f"{target} is a folder, not a file mlgate wrote",
                hint="remove that folder (mlgate makes none there), then run the command again",
            )
        try:
            if target.parent.is_symlink():  # not the store's own folder: replaced by one
                target.parent.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():  # a store inside the checkout never dirties it
                atomic.write_text(ignore, IGNORE_ALL)
            _copy_in(source, target)
        except OSError as exc:
            _remove_empty(target.parent)
            raise OutsideError(
                f"cannot write to the model store {self.folder}: {exc.strerror or exc}",
                hint=_store_hint(exc),
            ) from exc
        return sha256

    def get(self, sha256: str, size: int | None = None) -> Path:
        """The object's path, after checking it still has its sha256."""
        self.check(sha256, size)
        return self.path(sha256)

    def check(self, sha256: str, size: int | None = None) -> None:
        """The object is here with its sha256, hashed as it is read, in chunks."""
        path = self.path(sha256)
        if linked := _linked(path):  # what it points to can change after it is checked
            raise OutsideError(
                f"object {sha256[:12]} in {self.folder} is not stored: {linked} is a symlink "
                "(mlgate writes each object as a file of its own, so a commit or another tool "
                "put the link there)",
                hint="if what it points to still has this sha256 (`sha256sum "
                f"{path}`), replace the link with a copy of it; else {CORRUPT}",
            )
        if not path.is_file():
            raise UserError(
                f"object {sha256[:12]} is not in the model store {self.folder}",
                hint=f"it belongs at {path}: {MISSING}",
            )
        if (size is not None and path.stat().st_size != size) or sha256_of(path) != sha256:
            raise OutsideError(
                f"object {sha256[:12]} in {self.folder} is corrupt (its content changed)",
                hint=f"`sha256sum {path}` shows the hash of what it holds now; {CORRUPT}",
            )


@dataclass(frozen=True)
class RemoteStore:
    url: str
    cache: Path  # where objects read from the store are kept, by sha256

    def _fs(self) -> tuple[Any, str]:
        try:
            import fsspec
        except ImportError as exc:
            raise UserError(
                f"registry.artifacts is {self.url}, which needs fsspec",
                hint="pip install 'mlgate[s3]' (or gcsfs, adlfs)",
            ) from exc
        try:
            fs, path = fsspec.core.url_to_fs(self.url, **s3_stream.options(self.url))
        except (ImportError, ValueError) as exc:
            raise UserError(
                f"registry.artifacts: cannot open {self.url}: {exc}",
                hint="pip install 'mlgate[s3]' for s3://",
            ) from exc
        return fs, path

    def put(self, source: Path) -> str:
        """One upload per object: a store object already there is never sent again (S3's
        PUT shows an object whole or not at all, so no reader sees half of one)."""
        sha256 = sha256_of(source)
        fs, base = self._fs()
        key = f"{base}/{_key(sha256)}"
        try:
            if not fs.exists(key):
                fs.put_file(str(source), key)
        except OSError as exc:
            raise OutsideError(f"cannot write {key} to the model store: {exc}") from exc
        return sha256

    def get(self, sha256: str, size: int | None = None) -> Path:
        at = f"{self.url}/{_key(sha256)}"

        def fetch(to: Path) -> int | None:
            fs, base = self._fs()
            key = f"{base}/{_key(sha256)}"
            try:
                fs.invalidate_cache(key)
                held = fs.info(key).get("size")
                listed = held if isinstance(held, int) else None
                if size is not None and listed is not None and listed != size:
                    raise _resized(sha256, self.url, listed, size, hint=f"it is {at}; {CORRUPT}")
                cap = size if size is not None else listed
                with capped(to, cap, sha256, self.url) as out:
                    if s3_stream.is_s3(fs):  # bounded chunks, whatever the answer claims
                        s3_stream.copy(fs, key, out, self.url, f"object {sha256[:12]}")
                    else:
                        with fs.open(key, "rb") as source:
                            shutil.copyfileobj(source, out, CHUNK)
            except s3_stream.Cut:
                return cap  # short of the listed size: tried again
            except s3_stream.Garbled:
                if cap is not None and to.stat().st_size < cap:
                    return cap  # a short answer fails its checksum too: tried again
                raise
            except FileNotFoundError as exc:
                raise self._missing(sha256) from exc
            except OSError as exc:
                raise OutsideError(f"cannot read {key} from the model store: {exc}") from exc
            return cap

        return cached(self.cache, sha256, self.url, fetch, at=at)

    def check(self, sha256: str, size: int | None = None) -> None:
        """The object is in the store, of the size recorded: one request, no download (its
        sha256 is checked whenever it is read)."""
        fs, base = self._fs()
        key = f"{base}/{_key(sha256)}"
        try:
            fs.invalidate_cache(key)  # a listing made earlier may be out of date
            found = fs.info(key)
        except FileNotFoundError as exc:
            raise self._missing(sha256) from exc
        except OSError as exc:
            raise OutsideError(f"cannot read {key} from the model store: {exc}") from exc
        held = found.get("size")
        if size is not None and isinstance(held, int) and held != size:
            raise _resized(
                sha256, self.url, held, size, hint=f"it is {self.url}/{_key(sha256)}; {CORRUPT}"
            )

    def _missing(self, sha256: str) -> UserError:
        return UserError(
            f"object {sha256[:12]} is not in the model store {self.url}",
            hint=f"it belongs at {self.url}/{_key(sha256)}: {MISSING}",
        )


def _resized(sha256: str, where: str, held: int, size: int, *, hint: str) -> OutsideError:
    return OutsideError(
        f"object {sha256[:12]} in {where} is corrupt ({held:,} bytes, not the "
        f"{size:,} it was stored with)",
        hint=hint,
    )


class TooLong(OutsideError):
    """A download went past the size the store lists for the object: stopped there (an
    endless answer filled the disk), and not tried again."""


class Short(Exception):  # a download to try again, not an error to report
    """A download that broke off before the `listed` size, `why` (the last one's cause, for
    the error once every try has) with `hint`: tried again."""

    def __init__(self, listed: int, why: str, hint: str | None = None) -> None:
        super().__init__(why)
        self.listed, self.why, self.hint = listed, why, hint


class _Capped:
    """A file open for writing that takes at most `cap` bytes."""

    def __init__(self, out: IO[bytes], cap: int | None, sha256: str, where: str) -> None:
        self.out, self.cap, self.written = out, cap, 0
        self.sha256, self.where = sha256, where

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.cap is not None and self.written > self.cap:
            raise TooLong(
                f"could not download object {self.sha256[:12]} from {self.where}: more "
                f"than the {self.cap:,} bytes it has arrived, and the download was stopped",
                hint="the store or a proxy before it sent more than the object; run again, "
                "and if it happens again, check the store",
            )
        return self.out.write(data)

    def __enter__(self) -> _Capped:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.out.close()


def capped(path: Path, cap: int | None, sha256: str, where: str) -> _Capped:
    """`path` open for writing, taking at most `cap` bytes (None: no bound)."""
    return _Capped(path.open("wb"), cap, sha256, where)


_Concrete: Any = type(Path())


class CappedPath(_Concrete):  # type: ignore[misc]
    """A path whose `open` for writing takes at most `cap` bytes: for a client that is
    handed a path to download into (github.http's), so it stops past the listed size."""

    cap: int | None = None
    sha256: str = ""
    where: str = ""

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = super().open(mode, *args, **kwargs)
        return _Capped(handle, self.cap, self.sha256, self.where) if "w" in mode else handle


def capped_path(path: Path, cap: int | None, sha256: str, where: str) -> Path:
    made = CappedPath(path)
    made.cap, made.sha256, made.where = cap, sha256, where
    return made


def cached(
    cache: Path, sha256: str, where: str, fetch: Callable[[Path], int | None], *, at: str
) -> Path:
    """A remote store's object from the local cache, or fetched into it first: to a
    temporary file beside it, checked by its sha256, then renamed, so the cache never
    holds half an object or a wrong one. `fetch` writes the object, stopping past the
    size the store lists (TooLong), and returns that size (None: not listed): a download
    that ends short of it is the network's, tried again, never "corrupt".
    `at`: the object in the store, for the error."""
    local = cache / sha256
    if local.is_file() and sha256_of(local) == sha256:
        return local
    local.parent.mkdir(parents=True, exist_ok=True)
    _sweep(local.parent)
    for attempt in range(DOWNLOAD_TRIES):
        handle, name = tempfile.mkstemp(dir=local.parent, prefix=".partial-")
        os.close(handle)
        temporary = Path(name)
        try:
            cut: Short | None = None
            try:
                listed = fetch(temporary)
            except Short as exc:
                listed, cut = exc.listed, exc
            except s3_stream.Garbled as exc:  # changed on the way, not in the store
                if attempt + 1 < DOWNLOAD_TRIES:
                    time.sleep(RETRY_PAUSE_S * (attempt + 1))
                    continue
                raise OutsideError(
                    f"could not download object {sha256[:12]} from {where}: each of "
                    f"{DOWNLOAD_TRIES} downloads arrived changed on the way ({exc})",
                    hint="the bytes did not match the checksum the store sent with them, "
                    "so the network or a proxy changed them; the object in the store was "
                    "not found changed; run again",
                ) from None
            got = temporary.stat().st_size
            if listed is not None and got < listed:
                if attempt + 1 < DOWNLOAD_TRIES:
                    time.sleep(RETRY_PAUSE_S * (attempt + 1))
                    continue
                raise OutsideError(
                    f"could not download object {sha256[:12]} from {where}: each of "
                    f"{DOWNLOAD_TRIES} downloads ended after {got:,} of its {listed:,} bytes"
                    + (f" (the last: {cut.why})" if cut is not None else ""),
                    hint=(cut.hint if cut is not None and cut.hint else None)
                    or "the network or a proxy cut it short; run again (the object in the "
                    "store is whole as far as its size says)",
                )
            if sha256_of(temporary) != sha256:
                raise OutsideError(
                    f"object {sha256[:12]} in {where} is corrupt (its content changed)",
                    hint=f"it is {at}; {CORRUPT}",
                )
            os.replace(temporary, local)
            return local
        finally:
            temporary.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


def _sweep(folder: Path) -> None:
    """Temporary files of downloads killed on the way (SIGKILL skips every `finally`):
    one not written to for STALE_PARTIAL_S is no download still going on."""
    now = time.time()
    for left in folder.glob(".partial-*"):
        with contextlib.suppress(OSError):
            if now - left.stat().st_mtime > STALE_PARTIAL_S:
                left.unlink()


def _linked(path: Path) -> Path | None:
    """The object's path or its fan-out folder, whichever is a symlink (None: neither)."""
    return next((p for p in (path, path.parent) if p.is_symlink()), None)


def _stored(target: Path, sha256: str) -> bool:
    """A regular file of the store's own (no link on the way from its fan-out folder)
    holding the bytes named `sha256`: the object. Read only when it is one (a FIFO would
    block the read)."""
    if _linked(target):
        return False
    try:
        return stat.S_ISREG(os.lstat(target).st_mode) and sha256_of(target) == sha256
    except OSError:
        return False


def _copy_in(source: Path, target: Path) -> None:
    """To a temporary name beside the target, synced, then renamed: never half a file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as f:
            shutil.copyfileobj(f, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_empty(folder: Path) -> None:
    """A fan-out folder made for an object that never arrived."""
    with contextlib.suppress(OSError):
        folder.rmdir()


def _store_hint(exc: OSError) -> str | None:
    """What to do about a store that cannot be written: the disk's way, or the folder's."""
    import errno

    disk = of_the_disk(exc)
    if disk is not None:
        return disk.hint
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "let this user write that folder, or name another store in registry.artifacts"
    return None
