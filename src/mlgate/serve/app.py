"""The HTTP face of a Service: `/predict`, `/health`, `/metadata`, as a Starlette app.

Bodies over the limit are refused before they are read whole; a record that does not fit
the training columns gets a 422 that names the field; records the model itself refuses
get a 422 with its words; the model's answer is plain JSON (predictions, and
probabilities with their classes when the model has them). Concurrent requests are
scored in one model call (serve/batch.py).
"""

from __future__ import annotations

import json
from typing import Any

from mlgate.serve.batch import Batcher, ModelError, plain, scorer
from mlgate.serve.schema import InputError, validate
from mlgate.serve.service import Service

MAX_BODY = 1 << 20  # bytes


def create_app(service: Service, *, max_body: int = MAX_BODY):  # -> Starlette
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    batcher = Batcher(scorer(service.model, service.schema))
    classes = [plain(c) for c in getattr(service.model, "classes_", [])]

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def records_of(request: Request) -> list[dict[str, Any]] | JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            return error(413, f"the body is over {max_body} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                return error(413, f"the body is over {max_body} bytes")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            return error(400, f"the body is not JSON: {exc}")
        try:
            return validate(service.schema, payload)
        except InputError as exc:
            return error(422, str(exc))

    async def predict(request: Request) -> JSONResponse:
        with batcher.arriving():
            records = await records_of(request)
        if isinstance(records, JSONResponse):
            return records
        try:
            scored = await batcher.submit(records)
        except ModelError as exc:
            return error(422, str(exc))
        answer: dict[str, Any] = {"predictions": scored.predictions}
        if scored.probabilities is not None:
            answer["probabilities"] = scored.probabilities
            answer["classes"] = classes
        return JSONResponse(answer)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "model": service.metadata.get("model"),
                             "version": service.metadata.get("version")})

    async def metadata(request: Request) -> JSONResponse:
        return JSONResponse({**service.metadata, "inputs": service.schema.to_dict()})

    return Starlette(routes=[Route("/predict", predict, methods=["POST"]),
                             Route("/health", health), Route("/metadata", metadata)])

