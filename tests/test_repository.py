"""The README's promises and the notebook house rules, checked on the files themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlcourse.catalog import LESSONS
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "solutions").glob("*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_readme_starts_with_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:bash)?\n(.*?)```", text, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make lab", "make test"]


def test_ci_runs_make_test_and_nothing_else():
    lines = [ln for ln in (REPO / ".ci/run").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == "make test"


def test_readme_lesson_table_matches_the_catalog_and_the_notebooks_on_disk():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        row = re.search(rf"^\| {lesson.number:02d} \|(.*)$", text, re.M)
        assert row, f"README lesson table has no row for lesson {lesson.number:02d}"
        ready = (REPO / lesson.notebook).exists()
        assert row.group(1).rstrip(" |").endswith("ready" if ready else "planned"), row.group(0)
        assert lesson.title in row.group(1)
        if ready:
            assert f"]({lesson.notebook})" in row.group(1)


def test_every_lesson_notebook_is_in_the_catalog():
    names = {Path(lesson.notebook).name for lesson in LESSONS}
    for path in (REPO / "notebooks").glob("*.ipynb"):
        assert path.name in names, f"{path.name} is not in mlcourse/catalog.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_house_rules(path):
    cells = code_cells(path)
    if path.parent.name == "notebooks":
        assert "mlc.setup_notebook(" in source(cells[0]), "first code cell must call mlc.setup_notebook()"
    counts = [c["execution_count"] for c in cells if source(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "re-execute top to bottom in one run (make notebooks)"
    for cell in cells:
        text = source(cell)
        assert "NBVAL_SKIP" not in text
        assert not re.search(r"\bfetch_\w+\(|urlopen\(|requests\.get\(|download=True", text), "the course runs offline"
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", f"stderr in output of cell:\n{text}\n{out.get('text')}"


def test_no_more_than_a_few_ignored_outputs():
    ignored = sum("NBVAL_IGNORE_OUTPUT" in source(c) for p in NOTEBOOKS for c in code_cells(p))
    assert ignored <= 12


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_nbval_markers_are_alone_on_their_line(path):
    """nbval only honours a marker comment that is the whole line; a reason goes on the next line."""
    for cell in code_cells(path):
        for line in source(cell).splitlines():
            if "NBVAL_" in line and line.lstrip().startswith("#"):
                assert line.lstrip("# ").strip() in {"NBVAL_IGNORE_OUTPUT", "NBVAL_CHECK_OUTPUT"}, line
