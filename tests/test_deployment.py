"""Settings, deployment checks, gunicorn without DEBUG, and the compose file's shape."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "q8Zr!v2Lp#x7Wm4Tn9Bc6Hd1Jf5Gs0Ye" * 2,
    "ALLOWED_HOSTS": "example.org",
}


def run_manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_check_deploy_passes_with_production_values_and_https_at_its_default():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_database_passes_the_checks_without_a_warning(tmp_path):
    # `make run` migrates and imports into SQLite: every command it runs checks the models
    # against that database, and a warning there would greet every newcomer.
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"}
    result = run_manage("check", "--database", "default", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_is_off():
    # The check is not vacuous: plain HTTP in production is reported.
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "HTTPS": "0"}
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_a_malformed_boolean_is_refused_with_its_name():
    result = run_manage("check", env={**PRODUCTION_ENV, "HTTPS": "maybe"})
    assert result.returncode != 0
    assert "HTTPS must be a boolean" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read(), dict(response.headers)


def test_gunicorn_serves_plain_http_with_static_files_when_debug_is_off(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    for args in (("migrate", "--no-input"), ("collectstatic", "--no-input")):
        result = run_manage(*args, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY"}}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "archive.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],  # fmt: skip
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                status, body, _headers = fetch(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + server.stderr.read1().decode())
        assert status == 200
        page = body.decode()
        stylesheet = re.search(r'href="(/static/catalogue\.[0-9a-f]+\.css)"', page)
        assert stylesheet, "the page links a hashed (manifest) stylesheet"
        status, css, headers = fetch(f"http://127.0.0.1:{port}{stylesheet.group(1)}")
        assert status == 200
        assert b"font" in css
        assert "max-age" in headers.get("Cache-Control", "")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(request, timeout=10)
            pytest.fail("the admin should redirect to its login page")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302
            assert redirect.headers["Location"].startswith("/admin/login/")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_with_cache_dir_every_process_shares_one_cache(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    code = "from django.core.cache import cache; cache.set('facet-counts:x', [1, 2], 60)"
    assert run_manage("shell", "-c", code, env=env).returncode == 0
    code = "from django.core.cache import cache; print(cache.get('facet-counts:x'))"
    other = run_manage("shell", "-c", code, env=env)
    assert other.stdout.strip().splitlines()[-1] == "[1, 2]", other.stderr
    # Without it each process has its own, in memory: another one finds nothing.
    del env["CACHE_DIR"]
    alone = run_manage("shell", "-c", code, env=env)
    assert alone.stdout.strip().splitlines()[-1] == "None", alone.stderr


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def env_example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "archive" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:bool|list|int)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source))
    assert read == env_example_names()


def test_compose_file_has_a_healthy_database_and_the_web_service():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "web"}
    db, web = services["db"], services["web"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert db["volumes"][0].split(":")[0] in compose["volumes"]
    assert web["build"] == "."
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "migrate" in web["command"] and "gunicorn" in web["command"]
    assert set(web["environment"]) == env_example_names()
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert (ROOT / "Dockerfile").read_text().startswith("FROM python:3.11")


def test_pg_prepare_turns_the_prepared_statement_off():
    code = (
        "from django.conf import settings; options = settings.DATABASES['default']['OPTIONS'];"
        " print(options.get('prepare_threshold'), 'generic' in options.get('options', ''))"
    )
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    on = run_manage("shell", "-c", code, env=env)
    off = run_manage("shell", "-c", code, env={**env, "PG_PREPARE": "0"})
    assert on.stdout.split()[-2:] == [str(2**31 - 1), "True"], on.stderr
    assert off.stdout.split()[-2:] == ["None", "False"], off.stderr
    bad = run_manage("shell", "-c", code, env={**env, "PG_PREPARE": "maybe"})
    assert bad.returncode != 0 and "PG_PREPARE" in bad.stderr


def test_the_shared_cache_stays_open_between_requests(tmp_path):
    # Django closes every cache after each request (close_caches, on request_finished);
    # DiskCache would reopen its SQLite files (and rerun their pragmas) on the next one:
    # the connection must survive.
    from archive.disk_cache import KeptOpenDiskCache

    cache = KeptOpenDiskCache(str(tmp_path / "cache"), {"OPTIONS": {"size_limit": 2**20}})
    cache.set("page", b"<html>", 60)
    shard = cache._cache._shards[0]
    connection = shard._con
    cache.close()
    assert shard._con is connection
    assert cache.get("page") == b"<html>"


def test_makemigrations_check_runs_without_a_secret_key():
    # Every model change has its migration; the check needs no production settings.
    result = run_manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    # Other commands still refuse to start without one.
    assert run_manage("check", env={}).returncode != 0


def test_database_connections_are_kept_ten_minutes_by_default():
    # Opening a PostgreSQL connection costs more than a document page (settings): a
    # worker keeps its own, replicas' included, unless CONN_MAX_AGE says otherwise.
    code = (
        "from django.conf import settings;"
        " print(*(db['CONN_MAX_AGE'] for db in settings.DATABASES.values()),"
        " *(db['CONN_HEALTH_CHECKS'] for db in settings.DATABASES.values()))"
    )
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "DATABASE_REPLICA_URLS": "postgres://postgres@127.0.0.1:5432/unused_replica",
    }
    default = run_manage("shell", "-c", code, env=env)
    assert default.stdout.split()[-4:] == ["600", "600", "True", "True"], default.stderr
    zero = run_manage("shell", "-c", code, env={**env, "CONN_MAX_AGE": "0"})
    assert zero.stdout.split()[-4:] == ["0", "0", "True", "True"], zero.stderr


def test_the_wsgi_application_freezes_what_it_loaded_out_of_the_collectors_way():
    # Full collections then skip Django's and the apps' objects (archive/wsgi.py).
    code = (
        "import gc; assert gc.get_freeze_count() == 0;"
        " from archive.wsgi import application;"
        " print(gc.get_freeze_count())"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Django alone is tens of thousands of objects.
    assert int(result.stdout.split()[-1]) > 10_000


@pytest.mark.parametrize(("level", "logged"), [("WARNING", True), ("ERROR", False)])
def test_log_level_applies_to_djangos_404_warnings(level, logged):
    # bench.run times the catalogue's 404 with LOG_LEVEL=ERROR, and a line per request
    # on gunicorn's stderr would be noise there (and time in the figure). Django logs a
    # 404 as this warning on django.request (django.utils.log.log_response); logged
    # here directly, as a 404 page needs the collected static files' manifest.
    says = "import logging; logging.getLogger('django.request').warning('Not Found: /gone/')"
    env = {**PRODUCTION_ENV, "LOG_LEVEL": level}
    result = run_manage("shell", "--no-imports", "-c", says, env=env)
    assert result.returncode == 0, result.stderr
    assert ("Not Found: /gone/" in result.stderr) is logged
