"""serve.py: the app's server turns Nagle's algorithm off, so a rerun's messages never wait for a delayed ACK."""
import socket

import serve
from streamlit.web.server.starlette import starlette_server


def _accepted_no_delay(bind) -> int:
    """TCP_NODELAY of a connection accepted on a socket made by `bind` (Streamlit's signature)."""
    listener = bind("127.0.0.1", 0, 8)
    with listener, socket.create_connection(listener.getsockname()):
        listener.setblocking(True)
        conn, _ = listener.accept()
        with conn:
            return conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_streamlit_alone_leaves_nagle_on_and_serve_turns_it_off(monkeypatch):
    stock = starlette_server._bind_socket
    monkeypatch.setattr(starlette_server, "_bind_socket", stock)
    assert _accepted_no_delay(stock) == 0, "Streamlit sets TCP_NODELAY itself now: serve.py can go"
    serve.patch_streamlit()
    assert _accepted_no_delay(starlette_server._bind_socket) == 1
    serve.patch_streamlit()                                  # twice is harmless: wrapped once
    assert starlette_server._bind_socket.__closure__[0].cell_contents is stock


def test_every_way_of_serving_the_app_goes_through_serve_py():
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for path in ("run.sh", "deploy/workers.sh", "deploy/Dockerfile", "tests/conftest.py", "scripts/bench_map.py"):
        text = (root / path).read_text()
        assert "serve.py" in text and "-m streamlit run" not in text and '"-m", "streamlit"' not in text, path
    assert 'ROOT / "serve.py"' in (root / "scripts/loadkit.py").read_text()   # benchmarks: the bare page too
