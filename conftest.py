"""pytest settings for the whole repository, read before any test or notebook is collected.

Under pytest the course notebooks run at smoke sizes (tiny crops, a few training steps), so the README's test command
takes minutes on any machine. The notebooks read `filmlite.smoke_mode()`; the kernels that nbval starts inherit this
process's environment. Ask for the real course with FILMLITE_FULL_COURSE=1, for example

    FILMLITE_FULL_COURSE=1 python3 -m pytest --nbval-lax notebooks/07_training.ipynb
"""
import os

if os.environ.get("FILMLITE_FULL_COURSE", "").strip().lower() in ("", "0", "false", "no"):
    os.environ.setdefault("FILMLITE_SMOKE", "1")
