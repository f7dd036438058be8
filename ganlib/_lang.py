"""The book's current language ("en" or "zh"), set by ``ganlib.plot.setup``."""
LANGUAGES = ("en", "zh")
_current = "en"


def get():
    return _current


def set(lang):
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    _current = lang
