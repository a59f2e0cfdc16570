"""A real nginx (Debian's package) in front of the app, as an intranet SSO proxy would be: HTTP basic auth,
the signed-in name passed on in X-Forwarded-User (overwriting whatever the browser sent), websockets upgraded."""
from __future__ import annotations

import base64
import hashlib
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.pgcluster import free_port

CONF = """
user root;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  client_max_body_size 60m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port};
    auth_basic "Atlas";
    auth_basic_user_file {dir}/htpasswd;
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-User $remote_user;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 86400;
    }}
  }}
}}
"""


def start_nginx(tmp_dir: Path, upstream_url: str, users: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """nginx on a free loopback port proxying to `upstream_url`; `users` name -> password. Returns (process, url)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{u}:{{SHA}}{base64.b64encode(hashlib.sha1(p.encode()).digest()).decode()}" for u, p in users.items()]
    (tmp_dir / "htpasswd").write_text("\n".join(lines) + "\n")
    port = free_port()
    conf = tmp_dir / "nginx.conf"
    conf.write_text(CONF.format(dir=tmp_dir, port=port, upstream=upstream_url.rsplit(":", 1)[1]))
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(tmp_dir), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=(tmp_dir / "stderr.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:     # up, and asking who you are
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(tmp_dir / 'stderr.log').read_text()}")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("nginx did not start within 20 s")
