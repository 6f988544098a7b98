#!/usr/bin/env python3
"""Run the course notebooks in a fresh kernel and write them as HTML pages, to look at what a learner sees.

    python notebooks/render.py                          # every notebook, smoke sizes, into outputs/notebooks/
    python notebooks/render.py notebooks/03_*.ipynb     # these notebooks
    python notebooks/render.py --full                   # the real course (as a learner runs it; slow on a CPU)
    python notebooks/render.py --out /tmp/pages         # somewhere else

Each notebook runs as committed, in its own fresh kernel started in `notebooks/`, exactly as a learner's "Run all"
(no `%matplotlib` magic, nothing injected). The script prints how long each notebook took and any figure that
shows as text (`<Figure size ...>`) instead of a picture. `outputs/` is ignored by git. `tests/test_notebooks.py`
uses the same functions to check that every figure displays.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "outputs" / "notebooks"
FIGURE_REPR = re.compile(r"<(?:matplotlib\.figure\.)?Figure size \d+(?:\.\d+)?x\d+(?:\.\d+)? with \d+ Axes>")
PICTURE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
# Calls that draw a picture: the package's plot functions, show_images, and GIFs / videos shown inline.
DRAWING_CALL = re.compile(r"\b(?:viz|course)\.(?:plot_\w+|show_images|gif_image)\(|\bshow_images\(|\bVideo\(")


def course_notebooks() -> list[Path]:
    """The course notebooks (00, 01, ...), in order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def kernel_environment(full: bool) -> dict[str, str]:
    """The environment of the notebook kernel: smoke sizes (FILMLITE_SMOKE=1) unless `full`, which asks for the
    real course (FILMLITE_FULL_COURSE=1, which wins over CI=true too; see `filmlite.smoke_mode`)."""
    env = dict(os.environ)
    env.pop("FILMLITE_SMOKE", None)
    env.pop("FILMLITE_FULL_COURSE", None)
    env["FILMLITE_FULL_COURSE" if full else "FILMLITE_SMOKE"] = "1"
    return env


def execute(path: Path, full: bool = False, timeout: int | None = None) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at `path` top to bottom in a fresh python3 kernel started in its folder.

    Returns the notebook with its outputs and the seconds it took (kernel start included). A cell that raises
    stops the run with nbclient's CellExecutionError, which names the cell and the error.
    `timeout` is per cell (default: 600 s at smoke sizes, none for the full course).
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout or (None if full else 600),
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env=kernel_environment(full))
    return nb, time.perf_counter() - start


def pictures(nb: nbformat.NotebookNode) -> int:
    """How many outputs of `nb` are pictures (PNG, JPEG, GIF, SVG) or inline videos."""
    return sum(_cell_pictures(cell) for cell in nb.cells)


def figures_as_text(nb: nbformat.NotebookNode) -> list[str]:
    """One line for every output that shows a figure as its text repr (`<Figure size ...>`) and no picture:
    what a learner sees when figures do not display."""
    problems = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = str(data.get("text/plain", "")) + str(output.get("text", ""))
            if FIGURE_REPR.search(text) and not any(kind in data for kind in PICTURE_TYPES):
                first = "".join(cell.source).strip().splitlines()[-1][:80] if cell.source.strip() else ""
                problems.append(f"code cell {number} ({first!r}) shows {FIGURE_REPR.search(text).group(0)}")
    return problems


def _cell_pictures(cell) -> int:
    """How many outputs of `cell` are pictures or inline videos."""
    count = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        html = str(data.get("text/html", ""))
        count += any(kind in data for kind in PICTURE_TYPES) or "<video" in html or "<img" in html
    return count


def silent_drawings(nb: nbformat.NotebookNode) -> list[str]:
    """One line for every code cell that calls a drawing function (outside a `def`, and not under a top-level
    `if` / `else` / `try`, which may rightly not run: notebook 07 trains only when asked) but shows no picture: a
    figure that was made and never displayed (not the cell's last value, and no `display(...)`)."""
    problems = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        call = DRAWING_CALL.search(_always_run(cell.source))
        if call and _cell_pictures(cell) == 0:
            problems.append(f"code cell {number}: {call.group(0)}...) shows no picture")
    return problems


def _always_run(source: str) -> str:
    """The lines of `source` that run whenever the cell runs: not inside a function or class it defines, nor in a
    block of a top-level `if`, `elif`, `else`, `try`, `except` or `finally`."""
    kept, skipped = [], False
    for line in source.splitlines():
        if line.strip() and not line.startswith((" ", "\t", ")", "]", "}")):
            skipped = line.startswith(("def ", "async def ", "class ", "@", "if ", "elif ", "else:", "try:",
                                       "except", "finally:"))
        if not skipped:
            kept.append(line)
    return "\n".join(kept)


def draws(nb: nbformat.NotebookNode) -> bool:
    """Whether the notebook's code calls something that draws (a viz / course plot, show_images, a GIF, a video)."""
    return any(DRAWING_CALL.search("".join(cell.source)) for cell in nb.cells if cell.cell_type == "code")


def slowest_cells(nb: nbformat.NotebookNode, count: int = 3) -> list[tuple[float, int, str]]:
    """The `count` code cells that took longest: (seconds, code cell number, first line), slowest first."""
    from datetime import datetime

    timings = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        timing = cell.metadata.get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timings.append((seconds, number, cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""))
    return sorted(timings, reverse=True)[:count]


def write_html(nb: nbformat.NotebookNode, target: Path) -> Path:
    """Write `nb` (with its outputs) as a standalone HTML page at `target`."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to render (default: all of them)")
    parser.add_argument("--full", action="store_true", help="the real course, not smoke sizes (slow on a CPU)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the pages (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    paths = args.notebooks or course_notebooks()
    for path in paths:
        if not path.exists():
            parser.error(f"no notebook at {path}")
    failed = False
    for path in paths:
        path = path.resolve()
        try:
            nb, seconds = execute(path, full=args.full)
        except Exception as error:  # report and go on with the next notebook
            print(f"{path.name}: FAILED: {str(error).strip().splitlines()[-1] if str(error).strip() else error!r}")
            failed = True
            continue
        page = write_html(nb, args.out / f"{path.stem}.html")
        problems = figures_as_text(nb)
        silent = silent_drawings(nb)
        nbformat.write(nb, args.out / f"{path.stem}.ipynb")  # with outputs, to open in Jupyter
        print(f"{path.name}: {seconds:6.1f} s, {pictures(nb)} pictures -> {page}")
        print("   slowest cells:", "; ".join(f"{s:.1f} s cell {n} ({line!r})" for s, n, line in slowest_cells(nb)))
        for problem in problems:
            print("   figure shown as text:", problem)
        for problem in silent:
            print("   drawn but not shown:", problem)
        problems += silent
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
