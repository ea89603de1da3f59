"""uvicorn's HTTP protocol, with deadlines for a request's headers and for its body.

uvicorn waits for a request's headers as long as a client cares to take: a connection
that says nothing, or half a request line, is kept open for good, and enough of them
(slowloris) hold a worker's sockets and memory. Here a request's headers must be whole
within `timeout_s` of its first byte (or of the connection, for the first request), and
then its body within `timeout_s` of the headers' end, whatever the route; otherwise the
client gets a 408 (or, when it was already answered, the connection is closed). The
body's deadline is here, not in a route's handler, because uvicorn reads on, and
discards, the body of a request the app answered without reading it (`/health`, a 404, a
405): each byte cancelled its keep-alive timer, and 1,100 clients each trickling a byte
every 3 s into the body of a `GET /health` held the server's sockets for good. What is
not HTTP at all gets uvicorn's 400, in the same JSON as every other error.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mlgate.serve.app import READ_TIMEOUT_S

MAX_HEADER_BYTES = 64 * 1024  # a request's line and headers: 300 MB of them were read whole
MAX_PIPELINED = 64  # requests sent ahead of their answers: 15 MB of them held 1 GB
_TOO_LARGE = f"the request's line and headers are over {MAX_HEADER_BYTES:,} bytes"


class ReadDeadline(HttpToolsProtocol):
    timeout_s: float = READ_TIMEOUT_S  # each process sets it before serving (run.py)

    _deadline: asyncio.TimerHandle | None = None
    _body_deadline: asyncio.TimerHandle | None = None
    _header_bytes = 0  # received while a request's headers had no end yet
    _parsed_bytes = 0  # of the request's line and headers parsed so far
    _too_large = False

    def data_received(self, data: bytes) -> None:
        """uvicorn parses whatever arrives: headers without end, and requests pipelined
        without end, each kept until answered. Both are bounded here (asyncio hands at most
        256 KiB a call, so what one call adds is bounded too)."""
        waiting = self._deadline is not None
        super().data_received(data)
        if self.transport.is_closing():
            return
        if waiting and self._deadline is not None:  # still no end to the headers
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._disarm()
                self._refuse(b"431 Request Header Fields Too Large", _TOO_LARGE)
                return
        if len(self.pipeline) > MAX_PIPELINED:  # answers it does not read: no more
            self.transport.close()

    # uvicorn's own signature, narrower than asyncio's BaseTransport: the override follows it
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_bytes = 0
        self._arm()  # a further request on a kept-alive connection: its own deadline

    def on_url(self, url: bytes) -> None:
        self._parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def _parsed(self, size: int) -> None:
        """Headers that arrive whole in one read never reach the count in data_received
        (70 KB of them were answered 200): the parser's own count stops them too."""
        self._parsed_bytes += size
        if self._parsed_bytes > MAX_HEADER_BYTES:
            self._too_large = True
            raise ValueError("headers too large")  # httptools stops; uvicorn calls send_400

    def on_headers_complete(self) -> None:
        self._disarm()
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is before:  # no request for the app: an upgrade, handed elsewhere
            return
        # the body's deadline, for every request: one without a body ends at once
        # (on_message_complete, in this same read), and the timer with it
        self._disarm_body()
        self._body_deadline = self.loop.call_later(self.timeout_s, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm_body()
        super().on_message_complete()
        cycle = self.cycle
        if (
            cycle is not None
            and cycle.response_complete
            and not self.pipeline
            and self.timeout_keep_alive_task is None
            and not self.transport.is_closing()
        ):
            # answered before its body ended: the keep-alive timer uvicorn set at the answer
            # was cancelled by the body's bytes, and the connection idled on without one
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._disarm_body()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._header_bytes = 0
            self._deadline = self.loop.call_later(self.timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _disarm_body(self) -> None:
        if self._body_deadline is not None:
            self._body_deadline.cancel()
            self._body_deadline = None

    def _body_too_slow(self) -> None:
        """The body did not end within the deadline. Unanswered, the client gets the 408 the
        app would give, and the app hears that its client went away (nothing it sends goes
        out); answered already (a route that reads no body), or queued behind a request
        sent before it whose answer must come first, the connection is closed."""
        self._body_deadline = None
        cycle = self.cycle
        if self.transport.is_closing():
            return
        if (
            cycle is None
            or cycle.response_started
            or any(queued is cycle for queued, _ in self.pipeline)
        ):
            self.transport.close()
            return
        cycle.disconnected = True
        cycle.message_event.set()
        self._refuse(b"408 Request Timeout", f"the body did not arrive within {self.timeout_s:g} s")

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self._refuse(
                b"408 Request Timeout",
                f"the request's headers did not arrive within {self.timeout_s:g} s",
            )

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        if self._too_large:
            self._refuse(b"431 Request Header Fields Too Large", _TOO_LARGE)
            return
        self._refuse(b"400 Bad Request", f"not an HTTP request this server reads: {msg}")

    def _refuse(self, status: bytes, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.transport.write(
            b"HTTP/1.1 %s\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, len(body), body)
        )
        self.transport.close()
