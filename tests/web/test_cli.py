"""The ``participe`` command, run as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from web.demo_content import TOWN


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PARTICIPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PARTICIPE_LOAD_ENTRY_POINTS": "off",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
    )


def test_set_up_an_organisation_and_a_token(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    created = run(tmp_path, "org", "create", "nantes", "--name", "Ville de Nantes")
    assert created.returncode == 0, created.stderr
    user = run(tmp_path, "user", "create", "--email", "Agent@Nantes.fr", "--role", "reviewer")
    assert "agent@nantes.fr (reviewer) in nantes" in user.stdout
    token = run(tmp_path, "token", "create", "--email", "maire@nantes.fr", "--admin")
    assert token.returncode == 0 and token.stdout.strip().startswith("pt_")
    again = run(tmp_path, "org", "create", "nantes", "--name", "Encore")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_plugins_list_shows_the_built_ins(tmp_path: Path) -> None:
    listing = run(tmp_path, "plugins", "list", PARTICIPE_DISABLED_PLUGINS="vote_ranked")
    assert listing.returncode == 0
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:]}
    for name in ("support", "vote_binary", "vote_points", "vote_ranked", "questionnaire"):
        assert name in rows
    assert rows["vote_ranked"][2] == "no" and rows["support"][2] == "yes"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ("db", "upgrade"),
            {"PARTICIPE_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x"},
            "cannot reach the database",
        ),
        (("plugins", "list"), {"PARTICIPE_DISABLED_PLUGINS": "vote_rankd"}, "unknown plugin"),
        (("serve",), {"PARTICIPE_PRODUCTION": "on"}, "PARTICIPE_SECRET_KEY is required"),
        (
            ("serve",),
            {
                "PARTICIPE_PRODUCTION": "on",
                "PARTICIPE_SECRET_KEY": "participe-development-secret-key-do-not-use-in-production",
            },
            "published example key",
        ),
        (
            ("serve",),
            {"PARTICIPE_PRODUCTION": "on", "PARTICIPE_SECRET_KEY": "a" * 32},
            "PARTICIPE_SECRET_KEY is too weak",
        ),
        (("org", "create", "x", "--name", "X"), {}, "run 'participe db upgrade' first"),
    ],
)
def test_bad_configuration_stops_with_one_line(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = run(tmp_path, *args, **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_demo_tells_how_to_read_sign_in_links_from_its_outbox(tmp_path: Path) -> None:
    demo = run(tmp_path, "demo", "--no-serve", "--database", "town.db")
    assert demo.returncode == 0, demo.stderr
    hint = demo.stdout.split("Sign in:", 1)[1]
    assert "http://localhost:8000/signin" in hint
    database_url = hint.split("PARTICIPE_DATABASE_URL=", 1)[1].split()[0]
    assert database_url == f"sqlite:///{tmp_path / 'town.db'}"
    outbox = run(tmp_path, "outbox", "--org", "nowhere", PARTICIPE_DATABASE_URL=database_url)
    assert outbox.returncode == 1 and "nowhere" in outbox.stderr
    town = run(tmp_path, "outbox", "--org", TOWN["slug"], PARTICIPE_DATABASE_URL=database_url)
    assert town.returncode == 0, town.stderr
    queue = run(tmp_path, "outbox", "queue", PARTICIPE_DATABASE_URL=database_url)
    assert queue.returncode == 0, queue.stderr
    assert re.search(r"emails due now:\s+\d+", queue.stdout)
    assert "emails given up:" in queue.stdout


def test_the_command_line_keeps_the_last_administrator(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "org", "create", "nantes", "--name", "Nantes").returncode == 0
    assert run(tmp_path, "token", "create", "--email", "maire@nantes.fr", "--admin").returncode == 0
    demoted = run(tmp_path, "user", "create", "--email", "maire@nantes.fr", "--role", "citizen")
    assert demoted.returncode == 1 and "administrat" in demoted.stderr
    other = run(tmp_path, "user", "create", "--email", "dgs@nantes.fr", "--role", "admin")
    assert "dgs@nantes.fr (admin) in nantes" in other.stdout
    again = run(tmp_path, "user", "create", "--email", "maire@nantes.fr", "--role", "citizen")
    assert again.returncode == 0 and "(citizen)" in again.stdout


def test_the_operator_chooses_the_modules_of_an_organisation(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "org", "create", "nantes", "--name", "Nantes").returncode == 0
    listing = run(tmp_path, "org", "modules", "nantes")
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"questionnaire\s+enabled \(default\)", listing.stdout)
    withdrawn = run(tmp_path, "org", "modules", "nantes", "--disable", "questionnaire")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert re.search(r"questionnaire\s+disabled  ", withdrawn.stdout)
    assert "disabled" in run(tmp_path, "org", "modules", "nantes").stdout
    unknown = run(tmp_path, "org", "modules", "nantes", "--enable", "nothing_like_it")
    assert unknown.returncode == 1 and "nothing_like_it" in unknown.stderr
    both = run(tmp_path, "org", "modules", "nantes", "--enable", "x", "--disable", "x")
    assert both.returncode == 1 and "both" in both.stderr
    granted = run(tmp_path, "org", "modules", "nantes", "--enable", "questionnaire")
    assert re.search(r"questionnaire\s+enabled \(default\)", granted.stdout)


def test_the_host_names_and_removes_operators(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "org", "create", "nantes", "--name", "Nantes").returncode == 0
    assert run(tmp_path, "org", "create", "reze", "--name", "Rezé").returncode == 0
    assert "no operator yet" in run(tmp_path, "operator", "list").stdout
    added = run(tmp_path, "operator", "add", "Ops@Hebergeur.example", "--org", "reze")
    assert added.returncode == 0, added.stderr
    assert "ops@hebergeur.example (reze) is an operator" in added.stdout
    # An operator, not an administrator: the account keeps the citizen's role.
    listing = run(tmp_path, "operator", "list")
    assert listing.stdout.split() == ["ops@hebergeur.example", "reze", "citizen"]
    unknown = run(tmp_path, "operator", "remove", "personne@example.org", "--org", "reze")
    assert unknown.returncode == 1 and "personne@example.org" in unknown.stderr
    removed = run(tmp_path, "operator", "remove", "ops@hebergeur.example", "--org", "reze")
    assert removed.returncode == 0 and "no longer an operator" in removed.stdout
    assert "no operator yet" in run(tmp_path, "operator", "list").stdout
