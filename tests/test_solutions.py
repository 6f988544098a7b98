"""The instructors' solutions (solutions/*.py) solve the exercises the notebooks actually pose.

Convention (solutions/README.md): `solutions/NN_<name>.py` for `notebooks/NN_<name>.ipynb` defines each solution
under the exercise function's name and a list `CHECKS` of `(solution, reference, make_args)`.
"""
import importlib.util
import inspect
import json
import re
from pathlib import Path

import pytest

from filmlite.course.exercises import check_exercise

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = ROOT / "solutions"


def load_solutions(path: Path):
    spec = importlib.util.spec_from_file_location(f"solutions_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook_code(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def all_checks():
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.py")):
        for k, check in enumerate(load_solutions(path).CHECKS):
            yield pytest.param(path, *check, id=f"{path.stem}-{check[0].__name__}")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_notebook_has_solutions_for_its_exercises(notebook):
    path = SOLUTIONS / f"{notebook.stem}.py"
    assert path.exists(), f"{notebook.name} needs a checked exercise and its solution in solutions/{path.name}"
    checks = load_solutions(path).CHECKS
    assert checks, f"solutions/{path.name}: CHECKS is empty"
    code = notebook_code(notebook)
    assert "check_exercise(" in code, f"{notebook.name} has no check_exercise call"


@pytest.mark.parametrize("path, solution, reference, make_args", list(all_checks()))
def test_solution_passes_the_notebooks_check(path, solution, reference, make_args):
    notebook = ROOT / "notebooks" / f"{path.stem}.ipynb"
    assert notebook.exists(), f"solutions/{path.name} has no notebook {notebook.name}"
    name, ref_name = solution.__name__, reference.__name__
    code = notebook_code(notebook)
    exercise = re.search(rf"def {name}\(.*?(?=\ndef |\n\S|\Z)", code, re.S)
    assert exercise, f"{notebook.name} defines no exercise function {name}"
    assert "raise NotImplementedError" in exercise.group(0), f"{notebook.name} gives away {name}: it must start unsolved"
    assert re.search(rf"check_exercise\(\s*{name}\s*,\s*[\w.]*\b{ref_name}\b", code), \
        f"{notebook.name} does not check {name} against {ref_name}"
    assert not re.search(rf"\b{ref_name}\(", inspect.getsource(solution)), f"{name} only calls {ref_name}"

    result = check_exercise(solution, reference, *make_args(), verbose=False)
    assert result.passed, result.message


def test_a_wrong_solution_fails_the_same_check():
    """The check above can fail: the 01 solution with one level too few does not pass."""
    module = load_solutions(SOLUTIONS / "01_image_pyramid.py")
    solution, reference, make_args = module.CHECKS[0]

    def my_image_pyramid(image, levels):
        return solution(image, levels - 1)

    assert not check_exercise(my_image_pyramid, reference, *make_args(), verbose=False).passed
