"""Figures show as pictures in every notebook front end, with no `%matplotlib inline`.

The package draws `matplotlib.figure.Figure` objects without pyplot (no global state, nothing to close). IPython
only knows how to show such a figure as a picture once matplotlib's inline backend has been activated, which
happens when pyplot is imported or `%matplotlib inline` runs; until then a cell that returns a figure prints
`<Figure size 1280x210 with 4 Axes>`. `import filmlite` therefore registers a PNG formatter for `Figure` in the
running IPython kernel (JupyterLab, classic Jupyter, nbconvert, VS Code, Colab). A formatter that is already
registered (the inline backend's, or the reader's own) is left alone, so `%matplotlib inline` still works as before.
"""
from __future__ import annotations

import io
import sys


def figure_png(figure) -> bytes:
    """`figure` (a matplotlib Figure) as PNG bytes, cropped to what is drawn, as the inline backend shows it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def register_figure_display(shell=None) -> bool:
    """Show matplotlib Figures as PNG pictures in the IPython `shell` (the running one by default).

    Returns True when a formatter was registered now, False outside IPython or when one is already registered.
    Cheap and silent outside IPython: it imports neither IPython nor matplotlib.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return False
    png = shell.display_formatter.formatters.get("image/png")
    if png is None:
        return False
    matplotlib_figure = sys.modules.get("matplotlib.figure")
    if matplotlib_figure is not None and matplotlib_figure.Figure in png.type_printers:
        return False
    if ("matplotlib.figure", "Figure") in png.deferred_printers:
        return False
    png.for_type_by_name("matplotlib.figure", "Figure", figure_png)
    return True
