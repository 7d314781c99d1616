"""``participe db upgrade|downgrade|current|history``, run as a real process."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from core.migrate import alembic_config
from tests.web.test_cli import run

LOCATIONS = [
    "plugins.questionnaire:migrations",
    "plugins.analysis:migrations",
    "plugins.projects:migrations",
]
#: The built-in plugins' own branches.
PLUGIN_BRANCHES = ("questionnaire", "analysis", "projects")


def _core_head() -> str:
    script = ScriptDirectory.from_config(alembic_config(LOCATIONS))
    return next(head for head in script.get_heads() if not head.startswith(PLUGIN_BRANCHES))


def test_upgrade_prints_each_revision_it_applied_then_that_nothing_was_left(
    tmp_path: Path,
) -> None:
    first = run(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "applied 0001: core tables"
    assert f"applied {_core_head()}:" in first.stdout
    assert "applied questionnaire_0001: questionnaire tables" in lines
    assert "applied analysis_0001: analysis tables" in lines
    assert "applied analysis_0002: analysis results stored per dialogue" in lines
    assert any(line.startswith("applied projects_0001: ") for line in lines)
    assert "up to date" not in first.stdout

    again = run(tmp_path, "db", "upgrade")
    assert (again.returncode, again.stdout) == (0, "already up to date\n")


def test_current_names_the_revision_of_each_branch(tmp_path: Path) -> None:
    empty = run(tmp_path, "db", "current")
    assert empty.returncode == 0 and "no migration applied" in empty.stdout
    run(tmp_path, "db", "upgrade")

    current = run(tmp_path, "db", "current")

    assert current.returncode == 0, current.stderr
    assert sorted(line.split(":")[0] for line in current.stdout.splitlines()) == [
        f"{_core_head()} (head)",
        "analysis_0002 (head)",
        "projects_0001 (head)",
        "questionnaire_0001 (head)",
    ]


def test_downgrade_reverts_to_the_named_revision_and_upgrade_comes_back(
    tmp_path: Path,
) -> None:
    run(tmp_path, "db", "upgrade")

    down = run(tmp_path, "db", "downgrade", "0013")

    assert down.returncode == 0, down.stderr
    assert "reverted 0014: one history: the core's branches meet" in down.stdout
    current = run(tmp_path, "db", "current").stdout
    assert "0013: what a vote is judged against" in current and "0014" not in current
    up = run(tmp_path, "db", "upgrade")
    assert "applied 0014: one history" in up.stdout
    assert f"{_core_head()} (head)" in run(tmp_path, "db", "current").stdout


def test_downgrade_without_a_revision_or_to_an_unknown_one_stops_with_one_line(
    tmp_path: Path,
) -> None:
    run(tmp_path, "db", "upgrade")

    missing = run(tmp_path, "db", "downgrade")
    unknown = run(tmp_path, "db", "downgrade", "nowhere")

    assert missing.returncode == 2
    assert "the following arguments are required: REVISION" in missing.stderr
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "participe: cannot downgrade to 'nowhere': Can't locate revision identified by 'nowhere'\n"
    )
    for result in (missing, unknown):
        assert "Traceback" not in result.stderr


def test_history_lists_every_revision_newest_first(tmp_path: Path) -> None:
    history = run(tmp_path, "db", "history")

    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert f"-> {_core_head()} (core) (head)" in lines[0]
    assert any("-> 0014 (core) (mergepoint)" in line for line in lines)
    assert any("-> questionnaire_0001 (questionnaire) (head)" in line for line in lines)
    assert any(line.startswith("<base> -> 0001 (core)") for line in lines)
