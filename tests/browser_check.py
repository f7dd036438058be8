"""The built HTML book opened in headless Chromium, page by page, as a reader sees it.

Run by ``make test`` on the HTML built from the notebooks that nbmake executed
(``_checked/_build/html``, or ``GANLIB_HTML``); not collected with the unit tests (its name
does not start with ``test_``).  It needs Chromium and its driver (Debian: ``chromium``,
``chromium-driver``; ``scripts/install_browser.sh``): without them it fails and says so.
"""
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("GANLIB_HTML", ROOT / "_checked" / "_build" / "html"))
CHAPTERS = sorted(p.stem for p in (ROOT / "book" / "en").iterdir() if p.suffix in (".ipynb", ".md"))
LANGS = {"en": "en", "zh": "zh-CN"}


def _find(*names):
    for name in names:
        path = shutil.which(name) or (name if os.path.exists(name) else None)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def site():
    """The built HTML served on 127.0.0.1 (as a reader's web server would), its base URL."""
    if not (HTML / "book" / "en" / "gan.html").exists():
        pytest.fail(f"no built book at {HTML}: make test builds it from the executed notebooks "
                    f"(or set GANLIB_HTML to a build)")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver", "/usr/lib/chromium/chromedriver",      # GitHub's runners:
                        os.path.join(os.environ.get("CHROMEWEBDRIVER", "/nonexistent"), "chromedriver"))
    if not (chromium and driver_path):
        pytest.fail("NO BROWSER: the HTML checks need Chromium and chromedriver (Debian: apt-get "
                    "install chromium chromium-driver; scripts/install_browser.sh does it where "
                    "the machine allows). They are not skipped.")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def open_page(browser, url):
    browser.get_log("performance")                        # forget the last page's requests
    browser.get(url)
    # MathJax typesets after load: wait for it (pages without math have no MathJax to wait for)
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
            ? MathJax.startup.promise.then(() => done(true)) : done(false);
        if (document.readyState === "complete") wait(); else window.addEventListener("load", wait);
    """)


def requested_urls(browser):
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# names and symbols that stay in Latin letters in a Chinese figure
LATIN_OK = {"GAN", "GANs", "DCGAN", "LSGAN", "WGAN", "EBGAN", "BEGAN", "InfoGAN", "CGAN", "MNIST",
            "MLP", "Adam", "RMSProp", "RMSprop", "ReLU", "PT", "KL", "JS", "TV", "W1", "JSD", "Pearson",
            "sigmoid", "softplus", "logit", "log", "exp", "max", "min", "std", "var", "mean", "argmax",
            "tanh", "scipy", "sympy", "numpy", "torch", "PyTorch", "ganlib", "FID", "VAE"}


def figure_description(src):
    """The texts that ganlib.plot wrote into a figure's PNG ("" for other images)."""
    import base64
    import io

    from PIL import Image
    if src.startswith("data:"):
        if ";base64," not in src[:40]:
            return ""
        raw = base64.b64decode(src.split(",", 1)[1])
    else:
        raw = urllib.request.urlopen(src).read()
    try:
        image = Image.open(io.BytesIO(raw))
        return getattr(image, "text", {}).get("Description", "")
    except Exception:
        return ""


def english_words(text):
    """Latin words of three letters or more outside $math$, symbols (p_data) and LATIN_OK."""
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"\w*_\w*", " ", text)
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z]{2,}", text) if w not in LATIN_OK})


PROSE = """
    const article = document.querySelector("article") || document.body;
    const copy = article.cloneNode(true);
    copy.querySelectorAll("pre, code, .cell_input, mjx-container, script, style").forEach(e => e.remove());
    return copy.innerText;
"""


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page(browser, site, lang, chapter):
    url = f"{site}/book/{lang}/{chapter}.html"
    open_page(browser, url)
    where = f"book/{lang}/{chapter}.html"
    # the language, and the switch to the same chapter in the other language
    assert browser.execute_script("return document.documentElement.lang") == LANGS[lang], where
    other = "zh" if lang == "en" else "en"
    links = browser.execute_script(
        "return [...document.querySelectorAll('nav.lang-switch a')].map(a => a.href)")
    assert links == [f"{site}/book/{other}/{chapter}.html"], (where, links)
    assert urllib.request.urlopen(links[0]).status == 200
    # math typeset, no TeX or MyST left raw in the prose
    source = (ROOT / "book" / lang / (chapter + (".md" if chapter == "preface" else ".ipynb"))).read_text()
    if re.search(r"\$[^$]+\$", source.replace("\\$", "")):
        assert browser.execute_script("return document.querySelectorAll('mjx-container').length") > 0, where
    prose = browser.execute_script(PROSE)
    for raw in ("\\frac", "$$", "\\mathbb", "{glue:text}", "{glue:", "{footcite", "{cite"):
        assert raw not in prose, f"{where}: {raw!r} left raw in the text"
    assert not re.search(r"\$[^$\n]{1,80}\$", prose), f"{where}: inline math left untypeset"
    # every figure loaded
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    assert not broken, f"{where}: images that did not load: {broken}"
    # Chinese pages: no English words in the figures (their PNGs carry their texts, written by
    # ganlib.plot; missing glyphs cannot occur, ganlib.plot makes them an error when drawing)
    if lang == "zh":
        srcs = browser.execute_script("return [...document.images].map(i => i.src)")
        english = {}
        for src in srcs:
            words = english_words(figure_description(src))
            if words:
                english[src[-40:]] = words
        assert not english, f"{where}: English in Chinese figures: {english}"
        words = english_words(" ".join(browser.execute_script(      # \\text{} in MathJax's MathML
            "return [...document.querySelectorAll('mjx-container mtext')].map(e => e.textContent)")))
        assert not words, f"{where}: English words in formulas: {words}"
    # the knob and animation players work without a kernel: moving a slider or pressing play
    # shows another frame
    for index in range(browser.execute_script("return document.querySelectorAll('.ganlib-knob').length")):
        changed = browser.execute_async_script("""
            const [k, done] = [document.querySelectorAll('.ganlib-knob')[arguments[0]], arguments[1]];
            const img = k.querySelector('img'), before = img.src;
            const button = k.querySelector('button');
            if (button) { button.click(); setTimeout(() => { button.click(); done(img.src !== before); }, 1500); return; }
            const slider = k.querySelector('input[type=range]');
            slider.value = slider.value === slider.max ? slider.min : slider.max;
            slider.dispatchEvent(new Event('input', {bubbles: true}));
            done(img.src !== before);
        """, index)
        assert changed, f"{where}: player {index} did not change its frame"
    # nothing from the internet: every request goes to this server, or is inline
    outside = [u for u in requested_urls(browser)
               if not u.startswith((site, "data:", "blob:", "about:", "chrome"))]
    assert not outside, f"{where}: loaded from outside: {outside[:5]}"


@pytest.mark.parametrize("word,lang", [("判别器", "zh"), ("discriminator", "en")])
def test_search_finds_the_word_in_its_language(browser, site, word, lang):
    open_page(browser, f"{site}/search.html?q={urllib.request.quote(word)}")
    deadline, hits = time.time() + 30, []
    while time.time() < deadline and not hits:
        time.sleep(0.5)
        hits = browser.execute_script(
            "return [...document.querySelectorAll('#search-results li a')].map(a => a.href)")
    assert hits, f"searching {word!r} found nothing"
    assert any(f"/book/{lang}/" in h for h in hits), (word, hits[:5])


def test_the_landing_page_offers_both_languages(browser, site):
    open_page(browser, f"{site}/index.html")
    hrefs = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)")
    assert any("/book/en/" in h for h in hrefs) and any("/book/zh/" in h for h in hrefs)
