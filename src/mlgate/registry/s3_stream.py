"""An object of an S3 store (s3fs) read into a file in bounded chunks, with the ways such a
download breaks told apart: s3fs reads each answer's body whole into memory before it
hands it over (an answer that claims 10 GiB took 10 GiB of memory), and its errors and
botocore's are not OSErrors.

Redirects are not followed: botocore itself never follows one, but aiobotocore's aiohttp
session did, sending the request (and its `X-Amz-Security-Token`) to whatever host the
answer named.
"""

from __future__ import annotations

from typing import Any, Protocol

from mlgate.errors import OutsideError

CHUNK = 1 << 20


class Writer(Protocol):
    def write(self, data: bytes) -> int: ...


class Cut(Exception):
    """The download broke off (the connection closed, a read timed out, the answer was
    shorter than it said): the network's, tried again."""


class Garbled(Exception):
    """The bytes that arrived do not have the checksum S3 sent with them: changed on the
    way, tried again."""


class Redirected(OutsideError):
    """The endpoint answered with a redirect, which is not followed: not tried again."""


def options(url: str) -> dict[str, Any]:
    """fsspec's storage options for the store at `url`: for s3://, an aiohttp session
    that follows no redirect (its answer comes back as the 3xx it is)."""
    if not url.startswith(("s3://", "s3a://")):
        return {}
    return {"config_kwargs": {"http_session_cls": _session_class()}}


def is_s3(fs: Any) -> bool:
    return hasattr(fs, "_call_s3") and hasattr(fs, "split_path")


def copy(fs: Any, key: str, out: Writer, store: str, what: str = "") -> None:
    """`key`'s bytes written to `out` a chunk at a time. Raises FileNotFoundError, Cut,
    Garbled, Redirected or OSError; whatever `out.write` raises (a size cap) passes."""
    from fsspec.asyn import sync

    sync(fs.loop, _copy, fs, key, out, store, what or key)


async def _copy(fs: Any, key: str, out: Writer, store: str, what: str) -> None:
    import aiohttp
    from botocore import exceptions as boto  # type: ignore[import-untyped]

    bucket, path, _ = fs.split_path(key)
    await fs.set_session()
    client = await fs.get_s3(bucket)
    try:
        answer = await client.get_object(Bucket=bucket, Key=path)
    except boto.ClientError as exc:
        raise _refused(exc, what, store) from exc
    except (boto.BotoCoreError, aiohttp.ClientError, TimeoutError) as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    body = answer["Body"]
    try:
        while chunk := await body.read(CHUNK):
            out.write(chunk)
    except boto.FlexibleChecksumError as exc:
        raise Garbled(str(exc)) from exc
    except (boto.BotoCoreError, aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise Cut(f"{type(exc).__name__}: {exc}") from exc
    finally:
        body.close()


def _refused(exc: Any, what: str, store: str) -> Exception:
    from s3fs.errors import translate_boto_error

    answer = getattr(exc, "response", {}) or {}
    meta = answer.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    if isinstance(status, int) and 300 <= status < 400:
        to = (meta.get("HTTPHeaders") or {}).get("location", "")
        return Redirected(
            f"could not download {what} from the model store {store}: its endpoint answered "
            f"{status}, a redirect to {to or 'another place'}, and a redirect is not followed "
            "(the store's credentials go to its endpoint only)",
            hint="the object was not read, so nothing says it changed; check AWS_ENDPOINT_URL "
            "(it must be the S3 server itself) and any proxy before it",
        )
    return translate_boto_error(exc)  # type: ignore[no-any-return]


_CLASS: list[type] = []


def _session_class() -> type:
    """aiobotocore's aiohttp session, its requests made with `allow_redirects=False`."""
    if _CLASS:
        return _CLASS[0]
    from aiobotocore.httpsession import AIOHTTPSession  # type: ignore[import-untyped]

    class NoRedirects(AIOHTTPSession):  # type: ignore[misc]
        async def _get_session(self, proxy_url: Any) -> Any:
            return _Unredirected(await super()._get_session(proxy_url))

    _CLASS.append(NoRedirects)
    return NoRedirects


class _Unredirected:
    def __init__(self, session: Any) -> None:
        self.session = session

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        return self.session.request(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)
