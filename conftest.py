"""pytest settings for the whole repository, read before any test or notebook is collected.

Under pytest the course notebooks run at smoke sizes (tiny crops, a few training steps), so the README's test command
takes minutes on any machine. The notebooks read `filmlite.smoke_mode()`; the kernels that nbval starts inherit this
process's environment. Ask for the real course with FILMLITE_FULL_COURSE=1, for example

    FILMLITE_FULL_COURSE=1 python3 -m pytest --nbval-lax notebooks/07_training.ipynb

It also makes nbval's run of every notebook cell check that the cell's figures display as pictures (below).
"""
import functools
import os

import pytest

if os.environ.get("FILMLITE_FULL_COURSE", "").strip().lower() in ("", "0", "false", "no"):
    os.environ.setdefault("FILMLITE_SMOKE", "1")


@functools.lru_cache(maxsize=1)
def _render():
    """notebooks/render.py as a module (the figure checks shared with tests/test_notebooks.py)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("render", Path(__file__).parent / "notebooks" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_nbval_cell(item) -> bool:
    """Whether `item` is a notebook cell that nbval runs (it records the outputs it saw in `test_outputs`)."""
    return hasattr(item, "test_outputs") and hasattr(item, "cell")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On nbval's own run of a notebook cell, fail the cell if a figure shows as `<Figure size ...>` text instead of a
    picture, or if it calls a drawing function and shows nothing: `--nbval-lax` compares no outputs, so without this
    the suite stays green while the course shows no pictures. No second execution is needed."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed or not is_nbval_cell(item) or item.test_outputs is None:
        return
    import nbformat

    render = _render()
    cell = nbformat.v4.new_code_cell(item.cell.source)
    cell.outputs = [nbformat.from_dict(dict(output)) for output in item.test_outputs]
    nb = nbformat.v4.new_notebook(cells=[cell])
    problems = render.figures_as_text(nb) + render.silent_drawings(nb)
    if problems:
        report.outcome = "failed"
        report.longrepr = "; ".join(p.replace("code cell 1", item.name) for p in problems) + \
            " (see CONTRIBUTING.md, how figures display)"
