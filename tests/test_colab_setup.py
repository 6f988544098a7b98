"""The Colab setup cell: the same in every notebook, and it makes `import filmlite` work in the running kernel.

In Colab the cell clones the repository, installs only the dependencies the runtime lacks, puts the clone on
`sys.path` and changes into its `notebooks/` folder; anywhere else it does nothing. Here it runs in a fresh Python
process with a stand-in `google.colab` module and a clone of this repository (FILMLITE_REPO, no network).
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def setup_cell(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "code")


SETUP = setup_cell(NOTEBOOKS[0])


def needed_modules() -> dict[str, str]:
    """The cell's table of pip name -> import name."""
    namespace = {}
    exec(re.search(r"needed = \{.*?\}", SETUP, re.S).group(0), namespace)
    return namespace["needed"]


def test_every_notebook_starts_with_the_same_setup_cell():
    assert len(NOTEBOOKS) == 11
    for notebook in NOTEBOOKS:
        assert setup_cell(notebook) == SETUP, f"{notebook.name}: its first code cell differs from {NOTEBOOKS[0].name}'s"
    for line in SETUP.splitlines():
        assert not line.lstrip().startswith(("!", "%")), f"the setup cell must be plain Python, not {line.strip()!r}"
    assert "pip\", \"install\", \"--quiet\", *missing" in SETUP and "-e" not in SETUP.split(), "never pip install -e"


def test_setup_cell_installs_every_dependency_the_notebooks_need():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["notebooks"]
    names = {re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower() for requirement in wanted}
    names -= {"jupyterlab"}  # Colab is the notebook front end
    assert names <= set(needed_modules()), f"the setup cell does not install {sorted(names - set(needed_modules()))}"


def test_setup_cell_does_nothing_outside_colab(tmp_path):
    script = f"import os, sys\nbefore = (os.getcwd(), list(sys.path))\n{SETUP}\nassert (os.getcwd(), sys.path) == before\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_setup_cell_in_a_colab_kernel_makes_filmlite_importable_without_a_restart(tmp_path):
    missing = [module for module in needed_modules().values() if importlib.util.find_spec(module) is None]
    if missing:
        pytest.skip(f"this environment lacks {missing}: the cell would pip install them from the network")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("the repository has no commit to clone")
    stand_in = tmp_path / "stand_in"
    (stand_in / "google" / "colab").mkdir(parents=True)
    (stand_in / "google" / "colab" / "__init__.py").write_text('"""A stand-in for Colab\'s module."""\n')
    clone = tmp_path / "content" / "filmlite"
    # A Colab kernel: google.colab imported, filmlite not importable from the clone yet; run the cell twice, as a
    # learner who runs it again would, then import filmlite in the same process.
    script = textwrap.dedent("""
        import json, os, sys
        import google.colab
        cell = open(sys.argv[1]).read()
        exec(cell)
        exec(cell)
        import filmlite
        from filmlite.course import viz
        print(json.dumps({"file": filmlite.__file__, "cwd": os.getcwd(), "entries": sys.path.count(CLONE),
                          "smoke": filmlite.smoke_mode()}))
    """)
    (tmp_path / "cell.py").write_text(SETUP)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stand_in), os.environ.get("PYTHONPATH", "")]),
           "FILMLITE_REPO": (ROOT.as_uri()), "FILMLITE_CLONE": str(clone)}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cell.py")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["file"]).resolve() == (clone / "filmlite" / "__init__.py").resolve(), "filmlite not from the clone"
    assert Path(seen["cwd"]).resolve() == (clone / "notebooks").resolve()
    assert seen["entries"] == 1
    assert (clone / "data").is_dir() and list((clone / "notebooks").glob("*.ipynb"))
