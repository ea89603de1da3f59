"""The HTTP face of a Service: `/predict`, `/health`, `/metadata`, as a Starlette app.

Bodies over the limit are refused before they are read whole, and a body must arrive
within the read timeout (a client that sends half a body and stalls holds nothing for
long). The server's protocol (protocol.py, which run.py serves with) holds every
request's headers and then its body to that deadline, whatever the route, and answers the
same 408 first; the deadline here is for the app served without it. A body that is not
JSON, or nested past what the parser can follow, gets a 400; a record that does not fit
the training columns a 422 that names the field; records the model itself refuses a 422
with its words. A client that hangs up mid-body is simply forgotten. The model's answer is plain
JSON (predictions, and probabilities with their classes when the model has them: its
`classes_`, or the labels an ONNX classifier's probabilities name).
Concurrent requests are scored in one model call (serve/batch.py) unless `exact`, each
with requests whose records make a frame of the same dtypes (batch.alike).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from mlgate.result.arrays import plain
from mlgate.serve.batch import EXACT, Batcher, ModelError, Pacing, alike, scorer
from mlgate.serve.schema import InputError, TooMany, validate
from mlgate.serve.service import Service

if TYPE_CHECKING:
    from starlette.applications import Starlette

MAX_BODY = 1 << 20  # bytes
READ_TIMEOUT_S = 10.0  # for the headers, then again for the body
DRAINED = 16 << 20  # bytes of a body too big read and let go, so its client hears the 413
# bytes of bodies held at once, over every connection: 1,500 clients each halfway through
# a 1 MiB body took the server from 211 MB to 1.9 GB; past this a new body gets a 503
IN_FLIGHT = 128 << 20


def create_app(
    service: Service,
    *,
    max_body: int = MAX_BODY,
    read_timeout_s: float = READ_TIMEOUT_S,
    exact: bool = False,
) -> Starlette:
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    pacing: Pacing = EXACT if exact else {}
    batcher = Batcher(scorer(service.model, service.schema), alike=alike(service.schema), **pacing)
    classes = [plain(c) for c in getattr(service.model, "classes_", [])]

    held = [0]  # bytes of bodies being read, over every request

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    def unread(status: int, message: str) -> JSONResponse:
        """An answer before the body was read whole: the connection cannot carry another
        request after it."""
        return JSONResponse({"error": message}, status_code=status, headers={"connection": "close"})

    async def body_of(request: Request) -> bytes | JSONResponse:
        too_big = f"the body is over {max_body:,} bytes"
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            if declared.isdigit() and int(declared) <= DRAINED:
                await drained(request)
            return unread(413, too_big)
        body = bytearray()
        try:
            async with asyncio.timeout(read_timeout_s):
                async for chunk in request.stream():
                    if held[0] + len(chunk) > IN_FLIGHT:
                        return unread(503, "too many bodies arriving at once: send it again")
                    body += chunk
                    held[0] += len(chunk)
                    if len(body) > max_body:
                        await drained(request, len(body))
                        return unread(413, too_big)
        except TimeoutError:
            return unread(408, f"the body did not arrive within {read_timeout_s:g} s")
        finally:
            held[0] -= len(body)
        return bytes(body)

    async def drained(request: Request, read: int = 0) -> None:
        """The rest of a body too big to take, read and let go (up to DRAINED bytes, within
        the read deadline): closed with its upload unread, the connection was reset, and
        most clients saw a broken pipe instead of the 413."""
        with contextlib.suppress(TimeoutError, ClientDisconnect, RuntimeError):  # (consumed)
            async with asyncio.timeout(read_timeout_s):
                async for chunk in request.stream():
                    read += len(chunk)
                    if read > DRAINED:
                        return

    async def records_of(request: Request) -> list[dict[str, Any]] | JSONResponse:
        body = await body_of(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            payload = json.loads(body)
        except ValueError as exc:
            if "integer string conversion" in str(exc):  # valid JSON, past Python's 4,300 digits
                return error(422, "a number in the body has more than 4,300 digits: too large")
            return error(400, f"the body is not JSON: {exc}")
        except RecursionError:
            return error(
                400,
                "the body is not JSON this server reads: it is nested deeper "
                "than Python's parser follows (a record is one object of values)",
            )
        try:
            return validate(service.schema, payload)
        except TooMany as exc:
            return error(413, str(exc))
        except InputError as exc:
            return error(422, str(exc))

    async def predict(request: Request) -> Response:
        try:
            with batcher.arriving():
                records = await records_of(request)
        except ClientDisconnect:  # it hung up mid-body: nobody is left to answer
            return Response(status_code=499)
        if isinstance(records, JSONResponse):
            return records
        try:
            scored = await batcher.submit(records)
        except ModelError as exc:
            return error(422, str(exc))
        answer: dict[str, Any] = {"predictions": scored.predictions}
        if scored.probabilities is not None:
            answer["probabilities"] = scored.probabilities
            answer["classes"] = classes if scored.classes is None else scored.classes
        return JSONResponse(answer)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "model": service.metadata.get("model"),
                "version": service.metadata.get("version"),
            }
        )

    async def metadata(request: Request) -> JSONResponse:
        schema = service.schema
        return JSONResponse(
            {**service.metadata, "inputs": schema.to_dict(), "input_schema": schema.json_schema()}
        )

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's own 404 and 405, as JSON as every other error (a 405 keeps the
        Allow header that names the methods there are)."""
        said = f"{request.method} {request.url.path}: {getattr(exc, 'detail', '')}"
        return JSONResponse(
            {"error": said},
            status_code=getattr(exc, "status_code", 500),
            headers=getattr(exc, "headers", None),
        )

    async def failed(request: Request, exc: Exception) -> JSONResponse:
        """Whatever else went wrong (a model that raised something other than a refusal,
        an answer JSON cannot carry) is a 500 in JSON too, not Starlette's plain text;
        the log keeps the traceback."""
        return JSONResponse(
            {"error": f"the server failed on this request ({type(exc).__name__}); see its log"},
            status_code=500,
        )

    app = Starlette(
        routes=[
            Route("/predict", predict, methods=["POST"]),
            Route("/health", health),
            Route("/metadata", metadata),
        ],
        exception_handlers={HTTPException: refused, Exception: failed},
    )
    # `/health/` was redirected to a Location built from the client's Host header
    app.router.redirect_slashes = False
    return app
