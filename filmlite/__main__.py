"""`python -m filmlite <command> ...`: the command line, defined in `filmlite/cli.py`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
