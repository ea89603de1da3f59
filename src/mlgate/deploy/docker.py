"""The Docker engine, through the Docker SDK (`mlgate[docker]`): a build context built
into IMAGE:VERSION, then pushed.

The SDK speaks HTTP to the engine DOCKER_HOST names (the local socket by default) and
streams its answers as JSON lines; an error line, a refused request or no engine at all
becomes an OutsideError that says which, with the engine's last words. Registry
credentials are the engine client's own (`docker login`, docker/login-action).
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.errors import OutsideError, UserError

DEFAULT_ENGINE = "unix:///var/run/docker.sock"
TIMEOUT_S = 900  # one read from the engine: a pip install step can be quiet a long time
TAIL = 8  # the engine's lines an error quotes


@dataclass(frozen=True, kw_only=True)
class Built:
    image: str  # repository:tag
    image_id: str
    engine: str  # where it was built
    digest: str | None = None  # the registry's, once pushed

    @property
    def pushed(self) -> bool:
        return self.digest is not None


def engine(environ: Mapping[str, str]) -> str:
    """Where the SDK looks for the engine, as a user would set it."""
    return environ.get("DOCKER_HOST") or DEFAULT_ENGINE


def build_and_push(
    context: Path,
    repository: str,
    tag: str,
    *,
    push: bool,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Built:
    """Build `context` as repository:tag on the engine, and push it when `push`."""
    try:
        import docker
        from docker.errors import DockerException
        from requests.exceptions import RequestException
    except ImportError as exc:
        raise UserError(
            "building an image needs the Docker SDK", hint="pip install 'mlgate[docker]'"
        ) from exc
    environ = dict(os.environ if environ is None else environ)
    where = engine(environ)
    unreachable = (DockerException, RequestException)
    client = None
    try:
        client = docker.from_env(environment=environ, timeout=TIMEOUT_S)
        reachable = client.ping()
    except unreachable as exc:
        if client is not None:
            client.close()
        raise OutsideError(
            f"no Docker engine reachable at {where}: {_reason(exc)}",
            hint="start one, or set DOCKER_HOST to one",
        ) from exc
    image = f"{repository}:{tag}"
    try:
        if not reachable:
            raise OutsideError(f"the Docker engine at {where} does not answer its ping")
        built = _build(
            client.api.build(
                path=str(context),
                tag=image,
                rm=True,
                forcerm=True,
                pull=True,
                decode=True,
                platform=platform,
            ),
            image,
        )
        digest = (
            _push(client.api.push(repository, tag=tag, stream=True, decode=True), image)
            if push
            else None
        )
    except unreachable as exc:
        raise OutsideError(
            f"the Docker engine at {where} failed on {image}: {_reason(exc)}"
        ) from exc
    finally:
        client.close()
    return Built(image=image, image_id=built, engine=where, digest=digest)


def _build(answers: Iterable[dict[str, Any]], image: str) -> str:
    """The image's ID, from the build's JSON lines; an error line raises."""
    tail: collections.deque[str] = collections.deque(maxlen=TAIL)
    image_id = None
    for answer in answers:
        _raise_on_error(answer, f"building {image} failed", tail)
        said = str(answer.get("stream", "")).rstrip()
        if said:
            tail.append(said)
            if said.startswith("Successfully built "):  # engines before aux IDs
                image_id = image_id or said.removeprefix("Successfully built ").strip()
        aux = answer.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            image_id = str(aux["ID"])
    if not image_id:
        raise OutsideError(
            f"the engine's answer to building {image} ended without an image" + _quoted(tail)
        )
    return image_id


def _push(answers: Iterable[dict[str, Any]], image: str) -> str:
    """The registry's digest, from the push's JSON lines; an error line raises, and so
    does an answer that ends before the registry confirmed the push."""
    tail: collections.deque[str] = collections.deque(maxlen=TAIL)
    digest = None
    for answer in answers:
        _raise_on_error(
            answer,
            f"pushing {image} failed",
            tail,
            hint="log in to the registry first (docker login, or "
            "docker/login-action in the workflow)",
        )
        status = " ".join(str(answer[k]) for k in ("id", "status") if answer.get(k))
        if status:
            tail.append(status)
        aux = answer.get("aux")
        if isinstance(aux, dict) and aux.get("Digest"):
            digest = str(aux["Digest"])
    if digest is None:
        raise OutsideError(
            f"the push of {image} ended without the registry's digest; it "
            "may not have completed" + _quoted(tail)
        )
    return digest


def _raise_on_error(
    answer: dict[str, Any], doing: str, tail: Iterable[str], *, hint: str | None = None
) -> None:
    if "error" not in answer and "errorDetail" not in answer:
        return
    detail = answer.get("errorDetail") or {}
    message = (
        (detail.get("message") if isinstance(detail, dict) else None)
        or answer.get("error")
        or "an error without a message"
    )
    raise OutsideError(
        f"{doing}: {str(message).strip()}" + _quoted(tail),
        hint=hint if "denied" in str(message) or "unauthorized" in str(message) else None,
    )


def _quoted(tail: Iterable[str]) -> str:
    lines = list(tail)
    return "\n" + "\n".join(f"  | {line}" for line in lines) if lines else ""


def _reason(exc: Exception) -> str:
    """The SDK wraps a refused connection in a sentence or two; its last line says it."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[-1][:300]
