#!/usr/bin/env bash
# Set up (first time) and start the dashboard on the bundled data: http://127.0.0.1:${PORT:-8501}
# WORKERS=N: N Streamlit processes behind HAProxy on that port, for a team (deploy/workers.sh).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
[ -z "${WORKERS:-}" ] || exec deploy/workers.sh
exec .venv/bin/python serve.py run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-127.0.0.1}"
