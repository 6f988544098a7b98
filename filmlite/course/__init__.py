"""What the notebooks show and nothing else: figures (`viz`), interactive explorers (`widgets`), the measurements
notebooks 07-09 make (`lessons`), evidence drawn from the bundled clips (`evidence`), exercise checks
(`exercises`) and inline display of figures (`display`). The model and its tools never import from here.
"""
