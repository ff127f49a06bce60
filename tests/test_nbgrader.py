"""Every assignment works with real nbgrader: generate_assignment accepts it and releases what
`mlcourse release` does, cell for cell; autograde gives the solution full automatic marks and the
release zero. The assignments are split in two classes so that pytest-xdist runs the halves at once.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from mlcourse.grading.format import load_assignment
from tests.conftest import REPO

SOURCES = sorted((REPO / "solutions").glob("*.ipynb"))
HALF = (len(SOURCES) + 1) // 2
# nbgrader 0.9.6 itself trips SQLAlchemy 2 warnings while it autogrades; they are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:Warning")


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


@pytest.fixture(scope="class")
def course(tmp_path_factory, request):
    """An nbgrader course folder with the class's assignments in source/, and nbgrader's API on it."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    root = tmp_path_factory.mktemp("course")
    for source in request.cls.sources:
        (root / "source" / source.stem).mkdir(parents=True)
        shutil.copy(source, root / "source" / source.stem / source.name)
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = "mlcourse"
    config.Exchange.root = str(root / "exchange")
    # nbgrader migrates its gradebook with the `alembic` command: it must be on PATH.
    bin_dir = str(Path(sys.executable).parent)
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{old_path}"
    try:
        yield root, NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    finally:
        os.environ["PATH"] = old_path


def _check(course, source: Path) -> None:
    from nbgrader.api import Gradebook

    root, api = course
    name = source.stem
    generated = api.generate_assignment(name)
    assert generated["success"], generated["log"] + generated.get("error", "")
    release = root / "release" / name / source.name
    assert _cells(release) == _cells(REPO / "exercises" / source.name)
    for student, notebook in (("solution", source), ("release", release)):
        (root / "submitted" / student / name).mkdir(parents=True)
        shutil.copy(notebook, root / "submitted" / student / name / source.name)
        graded = api.autograde(name, student)
        assert graded["success"], graded["log"] + graded.get("error", "")
    automatic = load_assignment(source).max_score
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        solution = gradebook.find_submission(name, "solution")
        release_sub = gradebook.find_submission(name, "release")
        assert solution.max_code_score == automatic > 0
        assert solution.code_score == automatic, [(g.name, g.score, g.max_score) for g in solution.grades]
        assert release_sub.code_score == 0


class TestFirstHalf:
    sources = SOURCES[:HALF]

    @pytest.mark.parametrize("source", SOURCES[:HALF], ids=[p.stem for p in SOURCES[:HALF]])
    def test_nbgrader_generates_and_autogrades(self, course, source):
        _check(course, source)


class TestSecondHalf:
    sources = SOURCES[HALF:]

    @pytest.mark.parametrize("source", SOURCES[HALF:], ids=[p.stem for p in SOURCES[HALF:]])
    def test_nbgrader_generates_and_autogrades(self, course, source):
        _check(course, source)
