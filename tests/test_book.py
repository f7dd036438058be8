"""Book checks: both languages, the table of contents, code parity, no committed outputs."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def chapters(lang):
    return sorted(p.name for p in (BOOK / lang).iterdir() if p.suffix in (".ipynb", ".md"))


def toc_files():
    return re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


NOTEBOOKS = sorted((BOOK / "en").glob("*.ipynb"))


def test_same_chapters_in_both_languages():
    assert chapters("en") == chapters("zh")
    assert "gan.ipynb" in chapters("en")


def test_every_chapter_is_in_the_toc_in_both_parts():
    files = toc_files()
    for lang in ("en", "zh"):
        for name in chapters(lang):
            assert f"book/{lang}/{pathlib.Path(name).stem}" in files, f"{lang}/{name} not in _toc.yml"
    en = [f.split("/", 2)[2] for f in files if f.startswith("book/en/")]
    zh = [f.split("/", 2)[2] for f in files if f.startswith("book/zh/")]
    assert en == zh, "the two parts of _toc.yml list different chapters or orders"
    for f in files:
        assert any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb")), f


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_identical_except_lang_cell(nb):
    en, zh = load(nb), load(BOOK / "zh" / nb.name)
    code_en = [c for c in en["cells"] if c["cell_type"] == "code"]
    code_zh = [c for c in zh["cells"] if c["cell_type"] == "code"]
    assert len(code_en) == len(code_zh)
    lang_cells = 0
    for a, b in zip(code_en, code_zh):
        tags_a, tags_b = a.get("metadata", {}).get("tags", []), b.get("metadata", {}).get("tags", [])
        assert tags_a == tags_b
        if "lang" in tags_a:
            lang_cells += 1
            assert 'setup("en")' in "".join(a["source"])
            assert 'setup("zh")' in "".join(b["source"])
        else:
            assert a["source"] == b["source"]
    assert lang_cells == 1, "each chapter has exactly one cell tagged 'lang'"


@pytest.mark.parametrize("nb", NOTEBOOKS + sorted((BOOK / "zh").glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_committed_outputs(nb):
    for cell in load(nb)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{nb.name} has outputs: strip them"
            assert cell.get("execution_count") is None


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_structure_matches(nb):
    """Both languages have the same headings depth pattern, glued numbers and citations."""
    def skeleton(path):
        cells = [c for c in load(path)["cells"] if c["cell_type"] == "markdown"]
        text = ["".join(c["source"]) for c in cells]
        heads = [[len(m) for m in re.findall(r"^(#+) ", t, re.M)] for t in text]
        glued = [sorted(set(re.findall(r"\{glue:text\}`(\w+)", t))) for t in text]
        cites = sorted(set(re.findall(r"\{(?:foot)?cite:[pt]\}`([^`]+)`", "".join(text))))
        return heads, glued, cites
    assert skeleton(nb) == skeleton(BOOK / "zh" / nb.name)


def test_glued_names_exist_in_code():
    for nb in NOTEBOOKS:
        cells = load(nb)["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        for name in set(re.findall(r"\{glue:text\}`(\w+)", prose)):
            assert f'glue("{name}"' in code, f"{nb.name}: {name} is quoted but never glued"


def test_glue_roles_are_well_formed():
    """`{glue:text}`name:fmt`` with nothing else between the backticks: a stray brace or a
    missing closing backtick swallows the following prose into the key, and the page shows a
    warning instead of the number."""
    for nb in NOTEBOOKS:
        prose = "".join("".join(c["source"]) for c in load(nb)["cells"] if c["cell_type"] == "markdown")
        for role in re.findall(r"\{glue:\w+\}`([^`]*)`", prose):
            assert re.fullmatch(r"\w+(:[^{}\s]*)?", role), f"{nb.name}: malformed glue role `{role[:60]}`"


def test_cited_keys_are_in_the_bibliography():
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    for nb in sorted(BOOK.glob("*/*.ipynb")) + sorted(BOOK.glob("*/*.md")):
        text = nb.read_text(encoding="utf-8")
        for group in re.findall(r"\{(?:foot)?cite:[pt]\}`([^`]+)`", text):
            for key in group.split(","):
                assert key.strip() in keys, f"{nb}: unknown citation {key}"


def test_chinese_prose_uses_glossary_terms():
    banned = {"鉴别器": "判别器", "生成模型器": "生成器", "模式坍塌": "模式崩溃", "对抗生成网络": "生成对抗网络",
              "生成函数": "f-散度的凸函数 f",     # 生成函数 is a generating function
              "模式寻优": "模式寻找", "逆 KL": "反向 KL", "逆KL": "反向 KL"}
    for path in sorted((BOOK / "zh").iterdir()):
        text = path.read_text(encoding="utf-8")
        for wrong, right in banned.items():
            assert wrong not in text, f"{path.name}: use {right}, not {wrong} (GLOSSARY.md)"


def _config_repository():
    return re.search(r"^repository:\s*\n\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(encoding="utf-8"),
                     re.M).group(1)


@pytest.mark.parametrize("nb", NOTEBOOKS + sorted((BOOK / "zh").glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_colab_cell_installs_the_repository_that_config_names(nb):
    """The launch buttons take the repository from _config.yml; the hidden first cell that
    installs ganlib on Colab must install that same repository."""
    first = load(nb)["cells"][0]
    source = "".join(first["source"])
    assert "remove-cell" in first["metadata"].get("tags", []) and "google.colab" in source
    assert f'"git+{_config_repository()}"' in source, f"{nb.name}: the Colab cell installs another repository"


def test_binder_installs_the_pinned_torch_as_a_cpu_build_and_ganlib():
    pinned = re.search(r"^torch==(\S+)", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M).group(1)
    binder = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in binder
    assert re.search(rf"^torch=={re.escape(pinned)}\+cpu$", binder, re.M), "binder/ must pin the same torch, CPU build"
    assert re.search(r"^-r \.\./requirements\.txt$", binder, re.M)
    post = ROOT / "binder" / "postBuild"
    assert "pip install --no-deps -e ." in post.read_text(encoding="utf-8") and post.stat().st_mode & 0o111
