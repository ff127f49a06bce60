"""What ``mlcourse serve`` adds to uvicorn: Nagle's algorithm off on every connection, whoever made the socket.

A response leaves uvicorn in two writes, the head and then the body. With Nagle's algorithm on, the
kernel holds the second small write until the client has acknowledged the first, and the client
delays that acknowledgement (40 ms on Linux) hoping to piggyback it on data: every request on a
keep-alive connection then waits about 40 ms, whatever the model costs.

asyncio turns Nagle off only for sockets whose ``proto`` attribute is ``IPPROTO_TCP``. The sockets
asyncio opens itself have it (a single uvicorn worker listening on host and port), but the listening
socket uvicorn binds for ``--workers N`` is made with ``socket.socket(family)``, whose ``proto`` is 0,
and so is every connection it accepts: with several workers, no connection had ``TCP_NODELAY``.
Setting it here, on each accepted connection, holds for every way the server can be started.

This module imports uvicorn: it is loaded by the server only, never by ``import mlcourse.serving``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


def set_nodelay(sock: socket.socket | None) -> None:
    """Turn Nagle's algorithm off on a TCP socket (any other socket, or ``None``, is left alone)."""
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    with contextlib.suppress(OSError):  # a connection already reset by the peer
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP/1.1 protocol (httptools when installed, else h11), with ``TCP_NODELAY`` set first."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport.get_extra_info("socket"))
        super().connection_made(transport)


#: What ``uvicorn.Config(http=...)`` is given: an import string, so spawned workers import it themselves.
HTTP_PROTOCOL = f"{__name__}:{NoDelayHTTPProtocol.__name__}"
