"""Results of runs too long for a chapter on a 2-core CPU, written by the scripts in
``scripts/`` (each file's docstring there gives the command that rewrites it) and shipped
with ganlib so that the chapters can plot them.  Rerun a script to check its file."""
import json
from importlib import resources


def available():
    """The names that :func:`load` accepts (file names without the extension)."""
    return sorted(p.name.rsplit(".", 1)[0] for p in resources.files(__name__).iterdir()
                  if p.name.endswith((".json", ".npz")))


def load(name):
    """The shipped result ``name``: a dict from its JSON file, or the arrays of its ``.npz``
    file as a dict of numpy arrays (0-d arrays as Python scalars)."""
    root = resources.files(__name__)
    if (root / f"{name}.json").is_file():
        return json.loads((root / f"{name}.json").read_text())
    if (root / f"{name}.npz").is_file():
        import numpy as np
        with resources.as_file(root / f"{name}.npz") as path, np.load(path) as f:
            return {k: (f[k].item() if f[k].ndim == 0 else f[k]) for k in f.files}
    raise ValueError(f"name must be one of {available()}, got {name!r}")
