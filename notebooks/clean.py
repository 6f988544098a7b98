#!/usr/bin/env python3
"""Make notebooks ready to commit: no outputs, no execution counts, no widget state, kernel `python3`.

    python notebooks/clean.py                 # clean every notebook in this folder, in place
    python notebooks/clean.py a.ipynb b.ipynb # clean these
    python notebooks/clean.py --check         # change nothing; exit 1 if any notebook needs cleaning

Outputs make diffs unreadable and repositories heavy, and saved widget state shows stale pictures on GitHub;
the course notebooks are run fresh (by a learner, or by CI with `pytest --nbval-lax`). Cell ids are kept, so
cleaning a clean notebook changes nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
LANGUAGE_INFO = {"name": "python"}
# Per-cell metadata that editors add while running a notebook and that says nothing about its content.
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "executionInfo", "outputId", "colab")
# Notebook metadata added by Colab, Jupyter widgets and editors.
NOTEBOOK_METADATA = ("widgets", "colab", "accelerator", "gpuClass", "vscode", "toc", "varInspector")


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clean `nb` in place and return it."""
    for cell in nb.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    for key in NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    return nb


def needs_cleaning(nb) -> bool:
    """Whether `clean_notebook` would change `nb` (a NotebookNode or the plain dict of its JSON)."""
    nb = nbformat.from_dict(nb)
    before = nbformat.writes(nb)
    return nbformat.writes(clean_notebook(nbformat.from_dict(nbformat.reads(before, as_version=4)))) != before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every *.ipynb next to this script)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs cleaning")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(Path(__file__).resolve().parent.glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if not needs_cleaning(nb):
            continue
        dirty.append(path)
        if not args.check:
            nbformat.validate(clean_notebook(nb))
            nbformat.write(nb, path)
    verb = "need cleaning" if args.check else "cleaned"
    for path in dirty:
        print(f"{verb}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
