"""Build one PDF per language of the book with Jupyter Book's LaTeX builder and XeLaTeX.

    python scripts/build_pdf.py [BOOK_DIR]        (what `make pdf` runs; BOOK_DIR defaults to .)

Writes ``_build/pdf/<name>-en.pdf`` and ``_build/pdf/<name>-zh.pdf`` under BOOK_DIR, where
<name> is the repository's name from ``repository: url:`` in ``_config.yml``.

Each language is built as its own small book from the one ``_config.yml`` and ``_toc.yml``:
the chapters under ``book/<lang>/`` in the order of ``_toc.yml`` (the first, the preface,
unnumbered), below the toc's root page, whose own text (the language chooser) is left out.
The generated config (``_build/pdf/<lang>/_config.yml``) adds only what LaTeX
needs: XeLaTeX, xeCJK with the Noto CJK SC fonts (Chinese prose, and the Chinese strings in
the code cells both languages share), the MathJax macros of ``_config.yml`` as LaTeX macros,
the language's half of the title, and the execution cache of ``make book``
(``_build/.jupyter_cache``): a chapter whose code did not change since the HTML build is not
executed again.
"""
import copy
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

LANGS = {"en": "en", "zh": "zh_CN"}           # book/<dir> -> Sphinx language
# Noto has no italic Chinese: *emphasis* is slanted
CJK_FONTS = (r"\setCJKmainfont[AutoFakeSlant]{Noto Serif CJK SC}" "\n"
             r"\setCJKsansfont[AutoFakeSlant]{Noto Sans CJK SC}" "\n"
             r"\setCJKmonofont[AutoFakeSlant]{Noto Sans Mono CJK SC}" "\n")
# In the English book xeCJK only serves the Chinese strings in code; these marks stay Western
# (by default xeCJK sets quotes, dashes, the ellipsis and the middle dot in the CJK font).
WESTERN_PUNCTUATION = (r'\xeCJKDeclareCharClass{Default}{"2013, "2014, "2018, "2019, "201C, "201D,'
                       r' "2026, "00B7}' "\n")
# Chinese headings: 目录, and 第 N 章 above a chapter's title and before it in the page header
# (Sphinx's header is \@chapapp\space\thechapter\space\@chappos\space title, as for Japanese);
# nothing before the unnumbered preface's title
CHINESE_HEADINGS = r"""\makeatletter
\AtBeginDocument{\renewcommand{\contentsname}{目录}}
\def\@chapapp{\ifnum\c@secnumdepth>\m@ne\expandafter\@firstofone\else\expandafter\pdf@nonumber\fi{第}}
\def\pdf@nonumber#1#2\@chappos{}
\def\@chappos{章\quad}
\def\@makechapterhead#1{{\parindent\z@\raggedright\normalfont
  \ifnum\c@secnumdepth>\m@ne\huge\bfseries\@chapapp\,\thechapter\,\@chappos\par\nobreak\vskip 20\p@\fi
  \interlinepenalty\@M\Huge\bfseries #1\par\nobreak\vskip 40\p@}}
\makeatother
"""
# characters of the prose that LaTeX's math fonts lack ($D = ½$); in text the font has them
UNICODE_IN_MATH = (r"\usepackage{newunicodechar}" "\n"
                   r'\newunicodechar{½}{\ifmmode\tfrac{1}{2}\else\char"00BD\fi}' "\n")


def language_parts(toc):
    """{lang: [file, ...]} from the toc's parts, in order: files under book/<lang>/."""
    files = {}
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            match = re.match(r"book/(\w+)/", chapter.get("file", ""))
            if match and match.group(1) in LANGS:
                files.setdefault(match.group(1), []).append(chapter["file"])
    return files


def latex_macros(config):
    """MathJax's macros from _config.yml as LaTeX definitions (one source for both)."""
    macros = (config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
              .get("tex", {}).get("macros", {}))
    lines = []
    for name, body in macros.items():
        nargs = 0
        if isinstance(body, list):
            body, nargs = body[0], int(body[1])
        args = f"[{nargs}]" if nargs else ""
        lines.append(rf"\providecommand{{\{name}}}{{}}\renewcommand{{\{name}}}{args}{{{body}}}")
    return "\n".join(lines) + "\n"


def language_config(config, lang, root, name, root_doc):
    """The book's config for one language's PDF."""
    cfg = copy.deepcopy(config)
    titles = [t.strip() for t in str(config.get("title", name)).split("·")]
    cfg["title"] = titles[0] if lang == "en" or len(titles) == 1 else titles[1]
    # Sphinx's own LaTeX: sphinx-jupyterbook-latex's document class needs bbm.sty, which
    # Debian ships only in the 0.5 GB texlive-fonts-extra
    cfg["latex"] = {"latex_engine": "xelatex", "use_jupyterbook_latex": False}
    execute = cfg.setdefault("execute", {})
    execute["cache"] = str(root / "_build" / ".jupyter_cache")   # the HTML build's cache
    sphinx = cfg.setdefault("sphinx", {})
    sphinx["local_extensions"] = {ext: str((root / path).resolve())
                                  for ext, path in sphinx.get("local_extensions", {}).items()}
    sconf = sphinx.setdefault("config", {})
    sconf["language"] = LANGS[lang]
    sconf["latex_engine"] = "xelatex"
    sconf["latex_use_xindy"] = False                             # makeindex: no xindy needed
    # the root page's toctree only: its text is the HTML book's language chooser
    sconf["latex_documents"] = [[root_doc, f"{name}-{lang}.tex", cfg["title"],
                                 str(config.get("author", "")), "manual", True]]
    sconf["latex_domain_indices"] = False                        # no "Proof Index" page
    # a knob (ganlib.plot.knob) prints its first frame (image/png), not its widget, which LaTeX
    # cannot show
    sconf["nb_mime_priority_overrides"] = [["latex", "application/vnd.jupyter.widget-view+json", None]]
    elements = sconf.setdefault("latex_elements", {})
    preamble = UNICODE_IN_MATH + latex_macros(config) + CJK_FONTS
    if lang == "en":
        elements["fontenc"] = (r"\usepackage{fontspec}" "\n"
                               r"\defaultfontfeatures[\rmfamily,\sffamily,\ttfamily]{}" "\n"
                               r"\usepackage{xeCJK}")
        # as Sphinx does for Chinese: a CJK character in code is two columns wide, no glue
        elements["fvset"] = r"\fvset{fontsize=\small,formatcom=\xeCJKVerbAddon}"
        preamble += WESTERN_PUNCTUATION
    else:
        elements["fncychap"] = ""                                # its "CHAPTER ONE" is English
        preamble += CHINESE_HEADINGS
    elements["preamble"] = elements.get("preamble", "") + preamble
    elements["printindex"] = ""                                  # the book has no index entries
    return cfg


def unnumbered_preface(tex):
    """The first chapter (the preface) without a number: chapter 1 is the first real one."""
    first = tex.find("\\chapter{")
    second = tex.find("\\chapter{", first + 1)
    if first < 0 or second < 0:
        return tex
    return (tex[:first] + "\\edef\\numberedsecnumdepth{\\the\\value{secnumdepth}}"
            "\\setcounter{secnumdepth}{-1}\n" + tex[first:second]
            + "\\setcounter{secnumdepth}{\\numberedsecnumdepth}\n" + tex[second:])


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL, **kw).returncode


def main(root="."):
    root = pathlib.Path(root).resolve()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    url = config.get("repository", {}).get("url", "book")
    name = url.rstrip("/").rsplit("/", 1)[-1]
    jupyter_book = pathlib.Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        jupyter_book = shutil.which("jupyter-book") or "jupyter-book"
    parts = language_parts(toc)
    missing = [lang for lang in LANGS if lang not in parts]
    if missing:
        sys.exit(f"build_pdf: _toc.yml has no chapters under book/{missing[0]}/")
    out = root / "_build" / "pdf"
    built = []
    for lang, files in parts.items():
        work = out / lang
        work.mkdir(parents=True, exist_ok=True)
        lang_toc = {"format": "jb-book", "root": toc["root"], "chapters": [{"file": f} for f in files]}
        (work / "_toc.yml").write_text(yaml.safe_dump(lang_toc, allow_unicode=True), encoding="utf-8")
        (work / "_config.yml").write_text(
            yaml.safe_dump(language_config(config, lang, root, name, toc["root"]), allow_unicode=True,
                           sort_keys=False), encoding="utf-8")
        if run([jupyter_book, "build", root, "--builder", "latex", "--config", work / "_config.yml",
                "--toc", work / "_toc.yml", "--path-output", work], cwd=root):
            sys.exit(f"build_pdf: the LaTeX build of the {lang} book failed (see above)")
        latex_dir = work / "_build" / "latex"
        tex = latex_dir / f"{name}-{lang}.tex"
        tex.write_text(unnumbered_preface(tex.read_text(encoding="utf-8")), encoding="utf-8")
        # Sphinx's Makefile runs latexmk with XeLaTeX (its latexmkrc) until references settle
        if run(["make", "-C", latex_dir, "all-pdf",
                "LATEXOPTS=-interaction=nonstopmode -halt-on-error -file-line-error"]):
            sys.exit(f"build_pdf: XeLaTeX failed on {tex}: see {tex.with_suffix('.log')}")
        pdf = out / f"{name}-{lang}.pdf"
        shutil.copyfile(latex_dir / f"{name}-{lang}.pdf", pdf)
        built.append(pdf)
    for pdf in built:
        print(f"PDF: {pdf.relative_to(root)} ({pdf.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
