"""Figures in English or Chinese.

``setup("zh")`` switches figure labels (and derivation captions) to Chinese and registers a
CJK font; chapters write bilingual labels as ``tr("English", "中文")`` so that their code
cells are the same in both languages.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import unicodedata
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from . import _lang

__all__ = ["setup", "tr", "txt", "table", "find_cjk_font", "discriminator_vs_optimal", "snapshots_1d",
           "snapshots_2d", "training_curves", "glue", "image_grid", "snapshots_images", "knob", "Knob", "training_animation"]

_CJK_HINTS = ("notosanscjk", "notoserifcjk", "noto sans cjk", "noto serif cjk", "sourcehan",
              "source han", "notosanssc", "noto sans sc", "wqy", "wenquanyi", "droidsansfallback",
              "simhei", "msyh", "microsoft yahei", "pingfang", "heiti", "arphic", "ukai", "uming")
_figure_lang = "en"
_font_name = None

COLORS = {"data": "#1f77b4", "model": "#d62728", "learned": "#2ca02c", "truth": "#222222",
          "accent": "#ff7f0e", "muted": "#7f7f7f"}


def find_cjk_font():
    """Path of a font file with Chinese glyphs on this machine, or None."""
    env = os.environ.get("GANLIB_CJK_FONT")
    if env and os.path.exists(env):
        return env
    files = sorted(font_manager.findSystemFonts())
    for hint in _CJK_HINTS:  # in order of preference
        for f in files:
            name = os.path.basename(f).lower()
            if hint.replace(" ", "") in name.replace(" ", "").replace("-", ""):
                if "bold" in name or "black" in name or "light" in name or "thin" in name:
                    continue
                return f
    return None


class _NoMissingGlyphs(logging.Filter):
    """Raise instead of logging when mathtext has to draw a box for a missing glyph."""

    def filter(self, record):
        msg = record.getMessage()
        if "does not have a glyph" in msg:
            raise ValueError(f"matplotlib would draw a box: {msg.strip()} (a label mixes "
                             "Chinese with $math$? write the math in Unicode)")
        return True


def _forbid_missing_glyphs():
    logger = logging.getLogger("matplotlib.mathtext")
    if not any(isinstance(f, _NoMissingGlyphs) for f in logger.filters):
        logger.addFilter(_NoMissingGlyphs())
    warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")


def figure_texts(fig):
    """Every visible text of a figure (titles, axis and tick labels, legends, annotations)."""
    from matplotlib.text import Text
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _label_pngs():
    """PNGs of figures carry their texts (a PNG ``Description`` chunk), so that the built
    book's figures can be checked for their language without reading pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if getattr(FigureCanvasAgg.print_png, "_ganlib", False):
        return
    plain = FigureCanvasAgg.print_png

    @functools.wraps(plain)          # the same signature: matplotlib filters savefig's arguments by it
    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None):
        texts = "\n".join(figure_texts(self.figure))[:8000]
        return plain(self, filename_or_obj, metadata={"Description": texts, **(metadata or {})},
                     pil_kwargs=pil_kwargs)
    print_png._ganlib = True
    FigureCanvasAgg.print_png = print_png


def setup(lang="en"):
    """Choose the language of figure labels and captions: ``"en"`` or ``"zh"``.

    For Chinese a CJK font is registered with matplotlib and put after DejaVu Sans in an
    explicit font-family list (matplotlib falls back glyph by glyph only within such a list).
    If no CJK font is found, one warning is given and figure labels stay in English.
    From then on a missing glyph (a box in the figure) is an error, not a silent warning.
    """
    global _figure_lang, _font_name
    if lang not in _lang.LANGUAGES:
        raise ValueError(f"lang must be one of {_lang.LANGUAGES}, got {lang!r}")
    _lang.set(lang)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "axes.grid": True,
                         "grid.alpha": 0.3, "axes.spines.top": False,
                         "axes.spines.right": False, "legend.frameon": False,
                         "figure.figsize": (6.4, 3.6), "axes.unicode_minus": False})
    families = ["DejaVu Sans"]
    _figure_lang = lang
    if lang == "zh":
        path = find_cjk_font()
        if path is None:
            warnings.warn("no CJK font found (install fonts-noto-cjk, or set GANLIB_CJK_FONT "
                          "to a font file): figure labels stay in English", stacklevel=2)
            _figure_lang = "en"
        else:
            font_manager.fontManager.addfont(path)
            _font_name = font_manager.FontProperties(fname=path).get_name()
            families.append(_font_name)
    plt.rcParams["font.family"] = families
    _forbid_missing_glyphs()
    _label_pngs()
    return _figure_lang


def language():
    """The language that figure labels are drawn in now."""
    return _figure_lang


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def tr(en, zh):
    """The label in the current figure language.

    matplotlib lays out a label that contains ``$...$`` with its math fonts alone, which have
    no Chinese glyphs, so a Chinese label must write its math in Unicode (D*, log(1−D)).
    """
    if "$" in zh and _CJK.search(zh):
        raise ValueError(f"zh label {zh!r} mixes Chinese characters and $math$: matplotlib "
                         "would draw boxes; write the math in Unicode instead")
    return zh if _figure_lang == "zh" else en


def txt(en, zh):
    """Printed text in the book's language (``setup``'s ``lang``).  Unlike ``tr`` it needs no
    font, so a Chinese chapter prints Chinese even where figure labels fall back to English."""
    return zh if _lang.get() == "zh" else en


def _width(s):
    """Columns that ``s`` takes in a terminal or a notebook's monospace output: wide (CJK)
    characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table(header, rows, floatfmt=".3f"):
    """A plain-text table whose columns line up also when cells hold Chinese characters
    (``f"{s:12s}"`` pads by characters, and a CJK character is two columns wide).  Text is
    left-aligned, numbers right-aligned and formatted with ``floatfmt``.  Returns the string."""
    def cell(v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
            return str(v), False
        if isinstance(v, (int, np.integer)):
            return str(v), True
        return format(float(v), floatfmt), True

    header = [str(h) for h in header]
    cells = [[cell(v) for v in row] for row in rows]
    for i, row in enumerate(cells):
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] has {len(row)} cells, the header has {len(header)}")
    widths = [max([_width(h)] + [_width(row[j][0]) for row in cells]) for j, h in enumerate(header)]

    def line(items):
        out = []
        for (text, right), w in zip(items, widths):
            pad = " " * (w - _width(text))
            out.append(pad + text if right else text + pad)
        return "  ".join(out).rstrip()
    return "\n".join([line([(h, False) for h in header]),
                      "  ".join("-" * w for w in widths)] + [line(row) for row in cells])


def glue(name, value):
    """``myst_nb.glue(name, value, display=False)`` where myst-nb is installed (the book
    build), so that prose can quote computed numbers; elsewhere (Colab) nothing happens."""
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()          # numpy/torch scalars -> int/float, so formats apply
    _glue(name, value, display=False)


def _ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def discriminator_vs_optimal(x, d_learned, d_star, p_pdf=None, q_pdf=None, ax=None):
    """The learned D beside D* (and, shaded, the two densities on a second axis)."""
    ax = _ax(ax)
    if p_pdf is not None and q_pdf is not None:
        ax2 = ax.twinx()
        ax2.fill_between(x, p_pdf, color=COLORS["data"], alpha=0.15, label="$p_{data}$")
        ax2.fill_between(x, q_pdf, color=COLORS["model"], alpha=0.15, label="$p_g$")
        ax2.set_ylabel(tr("density", "概率密度"))
        ax2.set_ylim(bottom=0)
        ax2.grid(False)
        ax2.legend(loc="upper right")
    ax.plot(x, d_star, color=COLORS["truth"], lw=2, label=tr("optimal $D^*$", "最优判别器 D*"))
    ax.plot(x, d_learned, color=COLORS["learned"], lw=2, ls="--", label=tr("learned $D$", "学到的 D"))
    ax.set_xlabel("$x$")
    ax.set_ylabel("$D(x)$")
    lo = min(0.0, float(np.nanmin(d_star)))
    hi = max(1.0, float(np.nanmax(d_star)))
    ax.set_ylim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
    ax.legend(loc="center left")
    return ax


def _pick(snapshots, n_panels):
    if len(snapshots) <= n_panels:
        return snapshots
    idx = np.unique(np.linspace(0, len(snapshots) - 1, n_panels).round().astype(int))
    return [snapshots[i] for i in idx]


def snapshots_1d(run, target, n_panels=4, bins=80, xlim=None):
    """Histograms of generated samples over training, each beside the target density."""
    snaps = _pick(run.snapshots, n_panels)
    fig, axes = plt.subplots(1, len(snaps), figsize=(3.0 * len(snaps), 2.6), sharey=True)
    axes = np.atleast_1d(axes)
    lo, hi = xlim or target.bulk(0.999)
    pad = 0.15 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, 400)
    top = 1.8 * float(target.pdf(grid).max())       # a collapsed early generator may spike above
    for ax, (step, x) in zip(axes, snaps):
        ax.hist(x.numpy().ravel(), bins=bins, range=(lo - pad, hi + pad), density=True,
                color=COLORS["model"], alpha=0.5, label=tr("generated", "生成样本"))
        ax.plot(grid, target.pdf(grid), color=COLORS["data"], lw=2, label="$p_{data}$")
        ax.set_ylim(0, top)
        ax.set_title(tr(f"step {step}", f"第 {step} 步"))
        ax.set_xlabel("$x$")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def snapshots_2d(run, target, n_panels=4, lim=None):
    """Scatter plots of generated samples over training, with the target's mode centres."""
    snaps = _pick(run.snapshots, n_panels)
    fig, axes = plt.subplots(1, len(snaps), figsize=(2.8 * len(snaps), 2.9), sharex=True, sharey=True)
    axes = np.atleast_1d(axes)
    c = target.centers.numpy()
    lim = lim or 1.35 * float(np.abs(c).max())
    for ax, (step, x) in zip(axes, snaps):
        _scatter_step(ax, x, c, lim, step)
    fig.tight_layout()
    return fig


def _scatter_step(ax, x, centers, lim, step):
    """One panel of 2-D samples at a training step, over the target's mode centres."""
    x = x.numpy()
    ax.scatter(centers[:, 0], centers[:, 1], s=30, marker="x", color=COLORS["data"], zorder=1)
    ax.scatter(x[:, 0], x[:, 1], s=3, alpha=0.4, color=COLORS["model"], lw=0, zorder=2)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_title(tr(f"step {step}", f"第 {step} 步"))


def _tile(images, nrow):
    """A batch [n, C, H, W] in [−1, 1] as one (rows·H + gaps) × (nrow·W + gaps) array in [0, 1]."""
    x = images.detach().cpu().float() if hasattr(images, "detach") else np.asarray(images, np.float32)
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape [n, 1 or 3, H, W], got {tuple(x.shape)}")
    if not np.isfinite(x).all():
        raise ValueError("images contain NaN or inf (did training diverge?)")
    n, c, h, w = x.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    # gaps drawn white: 0 under the reversed grey map of one-channel images, 1 in colour
    out = np.full((rows * (h + 1) + 1, ncol * (w + 1) + 1, c), 0.0 if c == 1 else 1.0, np.float32)
    for i in range(n):
        r, k = divmod(i, ncol)
        out[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + k * (w + 1):1 + k * (w + 1) + w] = \
            np.clip((x[i].transpose(1, 2, 0) + 1) / 2, 0, 1)
    return out[..., 0] if c == 1 else out


def image_grid(images, nrow=8, ax=None, title=None):
    """Show a batch of images (tensor or array [n, C, H, W] with values in [−1, 1]) as a grid."""
    nrow = int(nrow)
    if nrow <= 0:
        raise ValueError(f"nrow must be a positive integer, got {nrow}")
    grid = _tile(images, nrow)
    ax = _ax(ax, figsize=(0.4 * nrow + 0.6, 0.4 * nrow + 0.6))
    ax.imshow(grid, cmap="gray_r" if grid.ndim == 2 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def snapshots_images(run, n_panels=4, n_images=36, nrow=6, title=None):
    """Image grids of the generator's output on its fixed latent batch over training."""
    snaps = _pick(run.snapshots, n_panels)
    fig, axes = plt.subplots(1, len(snaps), figsize=(2.4 * len(snaps), 2.7))
    axes = np.atleast_1d(axes)
    for ax, (step, x) in zip(axes, snaps):
        image_grid(x[:n_images], nrow=nrow, ax=ax, title=tr(f"step {step}", f"第 {step} 步"))
    if title is not None:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def results_images(result, seed=0):
    """One image grid per loss from a shipped MNIST result (``ganlib.results.load``, written by
    ``scripts/mnist_long.py``): the samples of seed ``seed`` for each loss, side by side, in a
    square grid (36 samples; a conditional result's 100, one requested digit per row)."""
    seeds = [int(s) for s in result["seeds"]]
    if seed not in seeds:
        raise ValueError(f"seed must be one of {seeds}, got {seed!r}")
    names, k = [str(n) for n in result["losses"]], seeds.index(seed)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4))
    steps = int(result["steps"])
    for ax, name, images in zip(np.atleast_1d(axes), names, result["images"][:, k]):
        image_grid(images[:, None] / 127.5 - 1, nrow=int(round(len(images) ** 0.5)), ax=ax,
                   title=tr(f"{name}, {steps} steps", f"{name}，{steps} 步"))
    fig.tight_layout()
    return fig


def _smooth(y, window):
    y = np.asarray(y, dtype=float)
    if window <= 1 or len(y) < window:
        return y
    kernel = np.ones(window) / window
    return np.convolve(y, kernel, mode="valid")


def training_curves(run, window=50, reference=None, axes=None):
    """Discriminator and generator losses and the objective's divergence estimate.

    Curves are moving averages over ``window`` steps; ``reference`` is an optional dict
    ``{label: value}`` of horizontal lines on the estimate's panel.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.0))
    else:
        fig = axes[0].figure
    h = run.history
    steps = np.arange(1, len(h["g_loss"]) + 1)
    for key, label, color in (("d_loss", tr("discriminator loss", "判别器损失"), COLORS["data"]),
                              ("g_loss", tr("generator loss", "生成器损失"), COLORS["model"])):
        y = _smooth(h[key], window)
        axes[0].plot(steps[len(steps) - len(y):], y, color=color, label=label)
    axes[0].set_xlabel(tr("generator step", "生成器更新步数"))
    axes[0].legend()
    name = run.config.get("divergence", "estimate")
    est = _smooth(h[name], window)
    axes[1].plot(steps[len(steps) - len(est):], est, color=COLORS["learned"],
                 label=tr(f"{name} estimated by D", f"由 D 估计的 {name}"))
    for label, value in (reference or {}).items():
        axes[1].axhline(value, color=COLORS["muted"], ls="--", lw=1)
        axes[1].annotate(label, (steps[-1], value), ha="right", va="bottom", fontsize=8,
                         color=COLORS["muted"])
    axes[1].set_xlabel(tr("generator step", "生成器更新步数"))
    axes[1].legend()
    fig.tight_layout()
    return fig


matplotlib.rcParams["axes.unicode_minus"] = False


# --------------------------------------------------------------------------- knobs
class Knob:
    """A figure with one slider per parameter, from :func:`knob`.  Its frames (one PNG per
    combination of values) are drawn once, when it is made.  Displayed in a notebook it offers
    two forms of the same frames, and the front end picks one: an ``ipywidgets`` control
    (JupyterLab, Colab, Binder, VS Code, where a kernel answers the slider) and a self-contained
    HTML/JavaScript player (the static HTML book, where no kernel runs; it needs nothing from
    the internet).  A PDF or a plain-text front end gets the first frame.  ``frames`` maps each
    combination (a tuple of indices into ``values``) to its PNG bytes."""

    def __init__(self, draw, values, labels, initial, dpi, play=False, names=None):
        import base64
        import io
        import itertools
        self.names = list(values)
        self.titles = {k: (names or {}).get(k, k) for k in self.names}     # what a slider is called
        self.values = {k: list(v) for k, v in values.items()}
        self.labels = {k: [labels(k, v) for v in self.values[k]] for k in self.names}
        self.initial = tuple(initial[k] for k in self.names)
        self.play = bool(play)             # a play button that steps the first parameter
        self.frames = {}
        for combo in itertools.product(*(range(len(self.values[k])) for k in self.names)):
            fig = draw(**{k: self.values[k][i] for k, i in zip(self.names, combo)})
            if not isinstance(fig, matplotlib.figure.Figure):
                raise TypeError(f"draw must return a matplotlib Figure, got {type(fig).__name__}")
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            plt.close(fig)
            self.frames[combo] = buf.getvalue()
        self._b64 = {c: base64.b64encode(png).decode("ascii") for c, png in self.frames.items()}

    def _strides(self):
        sizes = [len(self.values[k]) for k in self.names]
        return [int(np.prod(sizes[i + 1:])) for i in range(len(sizes))]

    def html(self):
        """The player for the static HTML book: an image and one range input per parameter."""
        import html as _html
        import itertools
        import json
        import uuid
        uid = "knob" + uuid.uuid4().hex[:10]
        order = list(itertools.product(*(range(len(self.values[k])) for k in self.names)))
        frames = json.dumps([self._b64[c] for c in order])
        sliders = "".join(
            f'<label style="display:block;margin:0.2em 0;font-size:0.9em">'
            f'<span style="display:inline-block;min-width:4em">{_html.escape(self.titles[k])}</span> '
            f'<input type="range" min="0" max="{len(self.values[k]) - 1}" step="1" value="{i0}" '
            f'data-k="{j}" style="vertical-align:middle;width:16em"> '
            f'<span>{_html.escape(self.labels[k][i0])}</span></label>'
            for j, (k, i0) in enumerate(zip(self.names, self.initial)))
        labels = json.dumps([self.labels[k] for k in self.names], ensure_ascii=False)
        first = self._b64[self.initial]
        button = ('<button type="button" style="margin:0.2em 0;padding:0 0.8em" aria-label="play">▶</button>'
                  if self.play else "")
        player = ('var b=r.querySelector("button"),t=null;b.addEventListener("click",function(){'
                  'if(t){clearInterval(t);t=null;b.textContent="▶";return;}b.textContent="❚❚";'
                  't=setInterval(function(){var e=n[0];e.value=(+e.value+1)%(+e.max+1);u();'
                  'if(+e.value==+e.max){clearInterval(t);t=null;b.textContent="▶";}},400);});'
                  if self.play else "")
        return (f'<div class="ganlib-knob" id="{uid}">{button}{sliders}'
                f'<img alt="knob" style="max-width:100%" src="data:image/png;base64,{first}"></div>'
                f'<script>(function(){{var r=document.getElementById("{uid}"),f={frames},l={labels},'
                f's={json.dumps(self._strides())},n=r.querySelectorAll("input"),im=r.querySelector("img");'
                f'function u(){{var i=0;n.forEach(function(e,j){{i+=s[j]*(+e.value);'
                f'e.nextElementSibling.textContent=l[j][+e.value];}});'
                f'im.src="data:image/png;base64,"+f[i];}}'
                f'n.forEach(function(e){{e.addEventListener("input",u);}});{player}}})();</script>')

    def widget(self):
        """The same frames as an ``ipywidgets`` control, for a live kernel."""
        import ipywidgets as w
        image = w.Image(value=self.frames[self.initial], format="png")
        sliders = [w.SelectionSlider(options=list(zip(self.labels[k], range(len(self.values[k])))),
                                     value=i0, description=self.titles[k], continuous_update=True)
                   for k, i0 in zip(self.names, self.initial)]

        def update(_=None):
            image.value = self.frames[tuple(s.value for s in sliders)]

        for s in sliders:
            s.observe(update, names="value")
        if not self.play:
            return w.VBox([*sliders, image])
        play = w.Play(value=self.initial[0], min=0, max=len(self.values[self.names[0]]) - 1, interval=400)
        w.jslink((play, "value"), (sliders[0], "index"))
        return w.VBox([play, *sliders, image])

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/plain": f"<Knob over {', '.join(self.names)}: {len(self.frames)} frames>",
                "text/html": self.html(), "image/png": self._b64[self.initial]}
        try:
            bundle = self.widget()._repr_mimebundle_()
        except Exception:                  # no ipywidgets, or no kernel to talk to
            bundle = None
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        view = (bundle or {}).get("application/vnd.jupyter.widget-view+json")
        if view is not None:
            data["application/vnd.jupyter.widget-view+json"] = view
        return data


def knob(draw, *, labels=None, initial=None, names=None, dpi=80, play=False, **values):
    """A figure to explore with sliders: ``draw(**params) -> Figure`` is called once for every
    combination of the values given as keyword lists, e.g.
    ``knob(draw, c=[0.01, 0.05, 0.2])``; the result displays as an ``ipywidgets`` control in a
    live notebook and as a player that needs no kernel in the static HTML book (see
    :class:`Knob`).  ``labels(name, value) -> str`` shows a value (default ``f"{value:g}"`` for
    numbers); ``initial`` maps a name to the value shown first (default: each list's first);
    ``names`` maps a name to what its slider is called (default: the name itself, e.g.
    ``names={"lam": "λ", "seed": tr("seed", "随机种子")}``);
    ``play=True`` adds a play button that steps through the first parameter's values (an
    animation, e.g. over training steps)."""
    if not callable(draw):
        raise TypeError(f"draw must be a callable returning a Figure, got {type(draw).__name__}")
    if not values:
        raise ValueError("knob needs at least one parameter, e.g. knob(draw, c=[0.01, 0.1])")
    for k, v in values.items():
        if isinstance(v, (str, bytes)) or not hasattr(v, "__len__") or len(v) == 0:
            raise ValueError(f"{k} must be a non-empty list of values, got {v!r}")
    total = int(np.prod([len(v) for v in values.values()]))
    if total > 200:
        raise ValueError(f"knob would draw {total} frames (over 200): give fewer values")
    if labels is None:
        def labels(_, v):
            return f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)
    initial = dict(initial or {})
    unknown = set(initial) - set(values)
    if unknown:
        raise ValueError(f"initial names parameters that knob was not given: {sorted(unknown)}")
    start = {}
    for k, v in values.items():
        if k in initial:
            matches = [i for i, x in enumerate(v) if x == initial[k]]
            if not matches:
                raise ValueError(f"initial {k}={initial[k]!r} is not one of its values {list(v)!r}")
            start[k] = matches[0]
        else:
            start[k] = 0
    unknown = set(names or {}) - set(values)
    if unknown:
        raise ValueError(f"names names parameters that knob was not given: {sorted(unknown)}")
    return Knob(draw, values, labels, start, dpi, play, names)


def training_animation(run, target=None, n_frames=12, n_images=36, nrow=6, lim=None):
    """The generator's samples over training as an animation that also plays in the static HTML
    book: a :func:`knob` over the run's snapshot steps with a play button.  2-D samples are
    drawn as a scatter over ``target``'s mode centres (a ring or grid), images as a grid of the
    first ``n_images``.  ``n_frames`` snapshots are kept, evenly spread, the first and last
    included (train with ``snapshot_every`` small enough to have them)."""
    snaps = run.snapshots
    if not snaps:
        raise ValueError("run has no snapshots: train with snapshot_every=...")
    n_frames = int(n_frames)
    if n_frames < 2:
        raise ValueError(f"n_frames must be at least 2, got {n_frames}")
    keep = sorted({int(round(i)) for i in np.linspace(0, len(snaps) - 1, min(n_frames, len(snaps)))})
    by_step = {snaps[i][0]: snaps[i][1] for i in keep}
    images = by_step[snaps[0][0]].dim() == 4
    if not images:
        if target is None or not hasattr(target, "centers"):
            raise ValueError("2-D samples need target, the ring or grid they were trained on")
        c = target.centers.numpy()
        lim = lim or 1.35 * float(np.abs(c).max())

    def draw(step):
        x = by_step[step]
        if images:
            fig, ax = plt.subplots(figsize=(0.45 * nrow + 0.6, 0.45 * nrow + 0.9))
            image_grid(x[:n_images], nrow=nrow, ax=ax, title=tr(f"step {step}", f"第 {step} 步"))
        else:
            fig, ax = plt.subplots(figsize=(3.6, 3.6))
            _scatter_step(ax, x, c, lim, step)
        fig.tight_layout()
        return fig

    return knob(draw, step=list(by_step), play=True, names={"step": tr("step", "步数")})
