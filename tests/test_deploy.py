"""deploy/: the compose file (Debian's docker-compose, no daemon), HAProxy's config and the Kubernetes manifests
(kubernetes-validate's bundled schemas, offline) are checked here; Docker itself cannot run on this machine."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
SECRETS = {"ATLAS_DB_PASSWORD": "test-only", "ATLAS_COOKIE_SECRET": "test-only", "ATLAS_LB_COOKIE_KEY": "test-only"}


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if not path:
        pytest.fail(f"{name} is missing: ./test.sh installs it from Debian")
    return path


def _compose(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([_tool("docker-compose"), "-f", str(DEPLOY / "docker-compose.yml"), *args],
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_compose_file_is_valid_and_wants_its_secrets():
    ok = _compose("config", "-q", env=SECRETS)
    assert ok.returncode == 0, ok.stderr
    missing = _compose("config", "-q", env={k: v for k, v in SECRETS.items() if k != "ATLAS_DB_PASSWORD"})
    assert missing.returncode != 0 and "ATLAS_DB_PASSWORD" in missing.stderr


def test_compose_workers_keep_nothing_on_disk_and_postgres_has_its_volume():
    config = yaml.safe_load(_compose("config", env=SECRETS).stdout)
    services = config["services"]
    assert set(services) == {"db", "worker", "lb"}
    worker = services["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert worker["read_only"] is True and not worker.get("volumes")
    assert worker["environment"]["ATLAS_DATABASE_URL"].startswith("postgresql://atlas:test-only@db:5432/")
    assert any(v.startswith("pgdata:/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert "pgdata" in config["volumes"]
    assert any(str(p.get("target")) == "8501" for p in services["lb"]["ports"])


def test_haproxy_config_is_valid_and_sticky():
    env = {**os.environ, "ATLAS_LB_COOKIE_KEY": "test-only"}
    check = subprocess.run([_tool("haproxy"), "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "cookie ATLAS_WORKER insert" in text and "option httpchk GET /_stcore/health" in text


def _validate(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_kubernetes_manifests_pass_the_schema_check(tmp_path):
    files = sorted((DEPLOY / "k8s").glob("*.yaml"))
    ok = _validate(*files)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The check is real: a misspelt field fails it.
    broken = tmp_path / "broken.yaml"
    broken.write_text((DEPLOY / "k8s" / "workers.yaml").read_text().replace("readinessProbe:", "readynessProbe:"))
    assert _validate(broken).returncode != 0


def test_kubernetes_workers_are_stateless_with_affinity_and_postgres_has_a_volume():
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    workers = by_kind[("Deployment", "atlas-worker")]["spec"]
    assert workers["replicas"] >= 2
    assert all("emptyDir" in v for v in workers["template"]["spec"]["volumes"])
    assert by_kind[("Service", "atlas")]["spec"]["sessionAffinity"] == "ClientIP"
    assert by_kind[("Ingress", "atlas")]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    db = by_kind[("StatefulSet", "atlas-db")]["spec"]
    assert db["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
