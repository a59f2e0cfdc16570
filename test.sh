#!/usr/bin/env bash
# Set up (first time) and run the whole test suite: unit tests and browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
# Debian's packages the tests drive for real: the browser and its CJK fonts; PostgreSQL, nginx and HAProxy
# for the team set-up's integration tests (started by the tests on loopback and stopped after).
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
   || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/haproxy ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk postgresql nginx haproxy >/dev/null
fi
# Debian's docker-compose checks deploy/docker-compose.yml without a Docker daemon (no Docker needed or installed).
if ! command -v docker-compose >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
# The linter first (settings in pyproject.toml): a lint error fails the run before any test starts.
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest "$@"
