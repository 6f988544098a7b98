"""Every course notebook, run as committed in a fresh kernel at smoke sizes, shows its figures as pictures.

`pytest --nbval-lax` runs the notebooks too but compares no outputs, so it stays green when every figure prints
`<Figure size 1280x210 with 4 Axes>` instead of showing (what ipykernel 7 does with a pyplot-free Figure until
something registers an image formatter; `filmlite.course.display` does). This test looks at the outputs: no figure may show
as text, and a notebook that draws must show pictures. It runs each notebook once, with the same code as
`notebooks/render.py`. Under the README's command (`pytest --nbval-lax`, which runs the notebooks anyway) the
root conftest.py makes the same checks on nbval's run, cell by cell, and the per-notebook runs here are skipped.
"""
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, load_script

render = load_script("notebooks/render.py")

NOTEBOOKS = render.course_notebooks()


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def _run(nb: nbformat.NotebookNode, tmp_path: Path) -> nbformat.NotebookNode:
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return render.execute(path)[0]


def test_detectors_on_outputs_written_by_hand():
    nb = _notebook("viz.show_images([x])", "print(1)")
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "<Figure size 1280x210 with 4 Axes>"},
                                                  execution_count=1)]
    assert render.draws(nb) and render.pictures(nb) == 0
    assert len(render.figures_as_text(nb)) == 1 and "code cell 1" in render.figures_as_text(nb)[0]
    nb.cells[0].outputs[0]["data"]["image/png"] = "iVBORw0KGgo="
    assert render.figures_as_text(nb) == [] and render.pictures(nb) == 1
    assert not render.draws(_notebook("x = 1", "print(viz)"))


def test_a_pyplot_free_figure_shows_as_a_picture_in_a_fresh_kernel(tmp_path):
    """The mechanism itself, in a real kernel: after `import filmlite`, with and without %matplotlib inline."""
    figure = "from matplotlib.figure import Figure\nfig = Figure(figsize=(2, 1))\nfig.subplots().plot([0, 1])\n"
    nb = _run(_notebook("from filmlite.course import viz", figure + "fig", "%matplotlib inline\n" + figure + "fig",
                        "import matplotlib.pyplot as plt\nviz.show_images([viz.color_wheel(32)])",
                        "import torch\nfrom filmlite.course import lessons as course\ncourse.gif_image([torch.rand(3, 8, 8)] * 2)"),
              tmp_path)
    assert render.figures_as_text(nb) == []
    for cell in nb.cells[1:4]:
        assert [o for o in cell.outputs if "image/png" in o.get("data", {})], cell.source
    gif = nb.cells[4].outputs[0]["data"]  # a GIF also as HTML, which nbconvert's pages (and every front end) show
    assert "image/gif" in gif and gif["text/html"].startswith('<img src="data:image/gif;base64,')


@pytest.fixture(scope="module")
def executed():
    """Each notebook executed once (smoke sizes), shared by the tests below."""
    cache = {}

    def run(path):
        if path not in cache:
            cache[path] = render.execute(path)[0]
        return cache[path]

    return run


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_shows_its_figures(path, executed, request):
    nbval_cells = [item for item in request.session.items  # nbval's cells record their outputs in test_outputs
                   if hasattr(item, "test_outputs") and hasattr(item, "cell") and Path(str(item.fspath)) == path]
    if nbval_cells:  # the README's command: conftest.py checks the same on nbval's run, no second execution
        pytest.skip(f"nbval runs {path.name} in this session and conftest.py checks its figures there")
    nb = executed(path)
    problems = render.figures_as_text(nb)
    assert not problems, f"{path.name}: figures shown as text:\n" + "\n".join(problems)
    if render.draws(nb):
        assert render.pictures(nb) > 0, f"{path.name} draws but shows no picture"
    silent = render.silent_drawings(nb)
    assert not silent, f"{path.name}: cells that call a plot function but show no picture:\n" + "\n".join(silent)


def test_nbval_run_fails_a_cell_whose_figure_shows_as_text(tmp_path):
    """The root conftest.py's check on nbval's run: a pyplot-free Figure with filmlite not imported shows as text."""
    import os
    import subprocess
    import sys

    good = "from filmlite.course import viz\nimport torch\nviz.show_images([torch.rand(3, 8, 8)])"
    bad = "from matplotlib.figure import Figure\nfig = Figure()\nfig.subplots()\nfig"
    silent = "from filmlite.course import viz\nimport torch\nfigure = viz.show_images([torch.rand(3, 8, 8)])\nx = 1"
    for name, source in [("good", good), ("bad", bad), ("silent", silent)]:
        nb = _notebook(source)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "conftest", "-q", "-p",
                             "no:cacheprovider", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert "2 failed, 1 passed" in result.stdout, result.stdout[-3000:]
    assert "Cell 0 ('fig') shows <Figure size 640x480 with 1 Axes>" in result.stdout
    assert "viz.show_images(...) shows no picture" in result.stdout


def test_a_drawing_under_a_top_level_if_may_rightly_not_run_but_one_in_a_loop_must_show():
    def cell(source, pictures=0):
        outputs = [nbformat.v4.new_output("display_data", data={"image/png": "x"})] * pictures
        return nbformat.v4.new_code_cell(source, outputs=outputs)

    nb = nbformat.v4.new_notebook(cells=[
        cell("if TRAINING:\n    viz.show_images(frames)\nelse:\n    print('not training')"),
        cell("for x in xs:\n    display(viz.show_images([x]))"),
        cell("def draw():\n    return viz.show_images([x])\nn = 1"),
        cell("viz.show_images([x])", pictures=1)])
    problems = render.silent_drawings(nb)
    assert len(problems) == 1 and problems[0].startswith("code cell 2:")
