"""Build the HTML book from notebooks that are already executed (no execution here).

    python scripts/build_checked_html.py _checked

``make test`` copies the book to ``_checked``, lets nbmake execute every chapter there
(``--overwrite`` keeps the outputs), and builds that copy's HTML with this script, so that the
browser checks (tests/browser_check.py) look at the very outputs the notebook tests produced.
"""
import re
import subprocess
import sys
from pathlib import Path


def main(folder):
    folder = Path(folder)
    config = folder / "_config.yml"
    text = config.read_text(encoding="utf-8")
    off, n = re.subn(r"(?m)^(\s*execute_notebooks:\s*).*$", r'\1"off"', text)
    if n != 1:
        sys.exit(f"{config}: no execute_notebooks setting to turn off")
    config.write_text(off, encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(folder), "--builder", "html", "-q"], check=True)
    print(f"HTML of the executed notebooks: {folder / '_build' / 'html'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "_checked")
