"""Data named by a URL (s3://, gs://, https://, any fsspec protocol): copied to a local file
first, so that every reader of data (polars, the profiles) reads a plain file."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from mlgate.errors import OutsideError, UserError

SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")  # RFC 3986's


def is_url(name: str) -> bool:
    """`s3://bucket/key` or `https://host/file`: a protocol before `://` (not file://)."""
    scheme, sep, _ = name.partition("://")
    return bool(sep) and SCHEME.fullmatch(scheme) is not None and scheme != "file"


def fetched(url: str, folder: Path) -> Path:
    """`url`'s bytes in `folder`, under its own file name (whose suffix says its format)."""
    try:
        import fsspec
    except ImportError as exc:
        raise UserError(
            f"reading {url} needs fsspec", hint="pip install 'mlgate[s3]' (fsspec and s3fs)"
        ) from exc
    name = PurePosixPath(url.partition("://")[2].split("?")[0]).name or "data"
    target = folder / name
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UserError(
            f"cannot open {url}: {exc}",
            hint="its protocol needs its fsspec package: s3fs for s3://, gcsfs for gs://, "
            "adlfs for az://",
        ) from exc
    try:
        fs.get_file(path, str(target))
    except FileNotFoundError as exc:
        raise UserError(f"{url} does not exist") from exc
    except OSError as exc:
        raise OutsideError(f"{url} could not be read: {exc}") from exc
    return target
