"""Sphinx extension: link every chapter to its counterpart in the other language.

Pages under ``book/en/`` and ``book/zh/`` with the same file name are counterparts.  Each gets
a visible "English / 中文" switch at the top of its body, ``<link rel="alternate" hreflang>``
tags for both languages, and Chinese pages declare ``<html lang="zh-CN">``.
"""
import html
import re
from pathlib import Path

LANGS = {"en": ("English", "en"), "zh": ("中文", "zh-CN")}
PREFIX = "book/"
HTML_TAG = re.compile(r"<html([^>]*)>")
LANG_ATTR = re.compile(r'\s(?:xml:)?lang="[^"]*"')


def _split(pagename):
    parts = pagename.split("/")
    if len(parts) >= 3 and parts[0] + "/" == PREFIX and parts[1] in LANGS:
        return parts[1], "/".join(parts[2:])
    return None, None


def on_page_context(app, pagename, templatename, context, doctree):
    lang, rest = _split(pagename)
    if lang is None:
        return
    links, tags = [], []
    for code, (label, hreflang) in LANGS.items():
        target = f"{PREFIX}{code}/{rest}"
        if target not in app.env.all_docs:
            continue
        if target == pagename:   # a relative link to the page itself is empty: use its file name
            uri = html.escape(app.builder.get_target_uri(pagename).rsplit("/", 1)[-1])
        else:
            uri = html.escape(app.builder.get_relative_uri(pagename, target))
        tags.append(f'<link rel="alternate" hreflang="{hreflang}" href="{uri}" />')
        if code == lang:
            links.append(f'<strong aria-current="page">{label}</strong>')
        else:
            links.append(f'<a href="{uri}" hreflang="{hreflang}" lang="{hreflang}">{label}</a>')
    if len(links) > 1:
        switch = ('<nav class="lang-switch" aria-label="language / 语言" '
                  'style="float:right;font-size:0.9em;margin:0 0 0.5em 1em;">'
                  + " / ".join(links) + "</nav>")
        context["body"] = switch + context.get("body", "")
    context["metatags"] = context.get("metatags", "") + "\n".join(tags)


def on_build_finished(app, exception):
    """Make sure Chinese pages declare lang="zh-CN" whatever the theme's template does."""
    if exception or app.builder.format != "html":
        return
    for page in (Path(app.outdir) / "book" / "zh").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = HTML_TAG.sub(lambda m: "<html" + LANG_ATTR.sub("", m.group(1)) + ' lang="zh-CN">',
                             text, count=1)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", on_page_context)
    app.connect("build-finished", on_build_finished)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
