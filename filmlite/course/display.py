"""Figures show as pictures in every notebook front end, with no `%matplotlib inline`.

The package draws `matplotlib.figure.Figure` objects without pyplot (no global state, nothing to close). IPython
only knows how to show such a figure as a picture once matplotlib's inline backend has been activated, which
happens when pyplot is imported or `%matplotlib inline` runs; until then a cell that returns a figure prints
`<Figure size 1280x210 with 4 Axes>`. `import filmlite` therefore registers a PNG formatter for `Figure` in the
running IPython kernel (JupyterLab, classic Jupyter, nbconvert, VS Code, Colab). A formatter that is already
registered (the inline backend's, or the reader's own) is left alone, so `%matplotlib inline` still works as before.

Animated GIFs (`filmlite.course.lessons.gif_image`, an `IPython.display.Image`) carry only `image/gif`, which JupyterLab
shows but nbconvert's HTML (and so a rendered or exported page) does not; they also get an HTML `<img>` with the
GIF inline, which every front end shows.
"""
from __future__ import annotations

import base64
import io
import sys


def figure_png(figure) -> bytes:
    """`figure` (a matplotlib Figure) as PNG bytes, cropped to what is drawn, as the inline backend shows it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def gif_html(image) -> str | None:
    """An `IPython.display.Image` holding a GIF as an HTML `<img>` with the GIF inline; None for other images."""
    if getattr(image, "format", None) != "gif" or not isinstance(getattr(image, "data", None), bytes):
        return None
    size = "".join(f' {name}="{int(value)}"' for name in ("width", "height")
                   if (value := getattr(image, name, None)) is not None)
    return f'<img src="data:image/gif;base64,{base64.b64encode(image.data).decode("ascii")}"{size} alt="animation">'


def register_figure_display(shell=None) -> bool:
    """Show matplotlib Figures as PNG pictures, and GIF images also as HTML, in the IPython `shell` (the running
    one by default).

    Returns True when a formatter was registered now, False outside IPython or when they are already registered.
    Cheap and silent outside IPython: it imports neither IPython nor matplotlib.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return False
    registered = False
    for mime, module, name, function in [("image/png", "matplotlib.figure", "Figure", figure_png),
                                         ("text/html", "IPython.core.display", "Image", gif_html)]:
        formatter = shell.display_formatter.formatters.get(mime)
        if formatter is not None and not _has_printer(formatter, module, name):
            formatter.for_type_by_name(module, name, function)
            registered = True
    return registered


def _has_printer(formatter, module: str, name: str) -> bool:
    """Whether the IPython `formatter` already has a printer for the class `module.name`."""
    if (module, name) in formatter.deferred_printers:
        return True
    cls = getattr(sys.modules.get(module), name, None)
    return cls is not None and cls in formatter.type_printers
