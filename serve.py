"""`python serve.py run app.py …` is `streamlit run app.py …` with Nagle's algorithm off on the server's connections.

Streamlit 1.67 binds its listening socket itself as `socket.socket(family)`, whose `proto` is 0, and asyncio sets
TCP_NODELAY only on connections whose `proto` is IPPROTO_TCP. So after the first message of a rerun, the rest waited
in the kernel for the browser's delayed acknowledgement: 40 ms on Linux, up to 200 ms on Windows, on every click.
Measured with ws_load.py, one visitor: a bare page 0.045 s → 0.008 s a visit, the city map 0.070 s → 0.030 s
(scripts/bench_load.py prints both). Connections accepted on Linux inherit the option from the listening socket.
"""
from __future__ import annotations

import socket
import sys


def no_delay(sock: socket.socket) -> socket.socket:
    """Turn Nagle's algorithm off on `sock` (a listening socket passes this to every connection it accepts)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def patch_streamlit() -> None:
    """Wrap Streamlit's socket binding so its listening socket has TCP_NODELAY (tests/test_serve.py checks it)."""
    from streamlit.web.server.starlette import starlette_server

    bind = starlette_server._bind_socket
    if getattr(bind, "no_delay", False):
        return

    def bind_no_delay(*args, **kwargs) -> socket.socket:
        return no_delay(bind(*args, **kwargs))
    bind_no_delay.no_delay = True
    starlette_server._bind_socket = bind_no_delay


if __name__ == "__main__":
    patch_streamlit()
    from streamlit.web import cli
    sys.exit(cli.main())
