"""Figures: languages, the CJK font, and the chapter plots on real runs."""
import warnings

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ganlib  # noqa: E402
from ganlib import data, nets, objectives, plot  # noqa: E402


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    plot.setup("en")
    plt.close("all")


def render(fig):
    """PNG bytes of ``fig``; any missing-glyph report fails the test.

    matplotlib reports missing glyphs through ``warnings`` (text) and through its logger
    (mathtext, "Font 'default' does not have a glyph"): both are turned into errors here.
    """
    import io
    import logging
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig.savefig(buf, format="png")
    finally:
        logger.removeHandler(handler)
    glyphs = [r.getMessage() for r in records if "glyph" in r.getMessage().lower()]
    assert not glyphs, glyphs
    return buf.getvalue()


def test_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        plot.setup("fr")


@pytest.mark.skipif(plot.find_cjk_font() is None, reason="no CJK font on this machine")
def test_chinese_labels_render_without_missing_glyphs():
    assert plot.setup("zh") == "zh"
    assert plot.tr("step", "步数") == "步数"
    fig, ax = plt.subplots()
    ax.set_title("判别器与最优判别器 D*，生成器 G")
    ax.set_xlabel(plot.tr("generator step", "生成器更新步数"))
    ax.plot([0, 1], [0, -1], label="生成样本 −1，最优判别器 D*")
    ax.plot([0, 1], [1, 0], label="$p_{data}$")
    ax.legend()
    png = render(fig)
    assert png[:4] == b"\x89PNG"


def test_render_catches_boxes_in_mixed_math_labels():
    if plot.find_cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    plot.setup("zh")
    fig, ax = plt.subplots()
    ax.set_title("最优判别器 $D^*$")              # mathtext has no Chinese glyphs
    with pytest.raises(ValueError, match="draw a box"):
        render(fig)


def test_missing_glyph_in_plain_text_is_an_error():
    plot.setup("en")                              # no CJK font in the family list
    fig, ax = plt.subplots()
    ax.set_title("判别器")
    with pytest.raises(UserWarning, match="missing from font"):
        fig.savefig(__import__("io").BytesIO(), format="png")


def test_tr_refuses_chinese_mixed_with_math():
    with pytest.raises(ValueError, match="Unicode"):
        plot.tr("optimal $D^*$", "最优判别器 $D^*$")
    assert plot.tr("$p_g$", "$p_g$") == "$p_g$"


def test_no_cjk_font_warns_once_and_uses_english(monkeypatch):
    monkeypatch.setattr(plot, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="no CJK font") as record:
        lang = plot.setup("zh")
    assert len(record) == 1
    assert lang == "en" and plot.tr("step", "步数") == "step"
    from ganlib import _lang
    assert _lang.get() == "zh"            # text captions can still be Chinese


def test_english_has_no_glyph_warnings():
    plot.setup("en")
    fig, ax = plt.subplots()
    ax.set_title(plot.tr("step", "步数"))
    render(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chapter_plots_on_a_short_run(lang):
    if lang == "zh" and plot.find_cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    plot.setup(lang)
    p, q = data.gaussian(0, 1), data.gaussian(1, 1)
    fit = ganlib.fit_discriminator(p, q, steps=20, n_eval=1000, progress=False)
    x = np.linspace(-3, 4, 50)
    plot.discriminator_vs_optimal(x, fit.d(x), ganlib.theory.optimal_discriminator(p, q)(x),
                                  p.pdf(x), q.pdf(x))
    render(plt.gcf())
    mix = data.mixture([data.gaussian(-2, 0.5), data.gaussian(2, 0.5)])
    run1 = ganlib.train(nets.mlp(2, 1, hidden=(8,)), nets.mlp(1, 1, hidden=(8,)), mix,
                        objectives.NonSaturating(), steps=12, snapshot_every=4, progress=False)
    render(plot.snapshots_1d(run1, mix))
    render(plot.training_curves(run1, window=3, reference={"JS = 0": 0.0}))
    ring = data.ring()
    run2 = ganlib.train(nets.mlp(2, 2, hidden=(8,)), nets.mlp(2, 1, hidden=(8,)), ring,
                        objectives.NonSaturating(), steps=12, snapshot_every=4, progress=False)
    fig = plot.snapshots_2d(run2, ring)
    assert len(fig.axes) == 4
    render(fig)


def test_table_lines_up_chinese_and_english_cells():
    from ganlib.plot import table, _width
    out = table(["方法", "modes"], [["WGAN-GP", 8], ["非饱和 GAN", 6.25]], floatfmt=".2f")
    lines = out.splitlines()
    assert len(lines) == 4
    # every line is as wide as the ruler under the header, counting a CJK character as two
    ruler = _width(lines[1])
    assert all(_width(line) == ruler for line in lines[2:])
    assert lines[3].endswith("6.25") and lines[2].endswith("8")
    with pytest.raises(ValueError, match=r"rows\[0\] has 1 cells"):
        table(["a", "b"], [[1]])


def test_printed_text_follows_the_book_language_not_the_font():
    from ganlib import _lang, metrics
    from ganlib.plot import txt
    cov = metrics.ModeCoverage(8, 7, 0.5, np.zeros(8))
    try:
        _lang.set("zh")
        assert txt("modes", "模式") == "模式" and "模式" in str(cov)
        _lang.set("en")
        assert txt("modes", "模式") == "modes" and "modes covered" in str(cov)
    finally:
        _lang.set("en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_results_images_draws_each_loss_of_a_shipped_result(lang):
    plot.setup(lang)
    result = ganlib.results.load("lsgan_mnist")
    fig = plot.results_images(result, seed=int(result["seeds"][1]))
    assert len(fig.axes) == len(result["losses"])
    assert [ax.get_title() for ax in fig.axes][-1].startswith(str(result["losses"][-1]))
    render(fig)
    with pytest.raises(ValueError, match="seed"):
        plot.results_images(result, seed=99)


def test_knob_draws_every_combination_once_and_offers_a_widget_and_a_static_player():
    import base64
    import matplotlib.pyplot as plt
    from ganlib.plot import knob
    calls = []

    def draw(c, s):
        calls.append((c, s))
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, c * s])
        return fig

    k = knob(draw, c=[0.5, 1.0, 2.0], s=[1, 3], initial={"c": 1.0})
    assert sorted(calls) == sorted((c, s) for c in (0.5, 1.0, 2.0) for s in (1, 3))
    assert len(k.frames) == 6 and k.initial == (1, 0)
    assert all(png.startswith(b"\x89PNG") for png in k.frames.values())
    bundle = k._repr_mimebundle_()
    assert {"text/html", "image/png", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    assert base64.b64decode(bundle["image/png"]) == k.frames[(1, 0)]      # a PDF shows the first frame
    html = bundle["text/html"]
    assert html.count('type="range"') == 2 and "http" not in html       # self-contained, offline
    assert all(base64.b64encode(png).decode() in html for png in k.frames.values())
    widget = k.widget()                                                 # the live form: same frames
    sliders, image = widget.children[:2], widget.children[2]
    assert image.value == k.frames[(1, 0)]
    sliders[0].value, sliders[1].value = 2, 1
    assert image.value == k.frames[(2, 1)]


def test_knob_arguments_are_named():
    import matplotlib.pyplot as plt
    from ganlib.plot import knob
    with pytest.raises(ValueError, match="at least one parameter"):
        knob(lambda: plt.figure())
    with pytest.raises(ValueError, match="c must be a non-empty list"):
        knob(lambda c: plt.figure(), c=[])
    with pytest.raises(ValueError, match="initial c=3 is not one of its values"):
        knob(lambda c: plt.figure(), c=[1, 2], initial={"c": 3})
    with pytest.raises(ValueError, match="over 200"):
        knob(lambda a, b: plt.figure(), a=list(range(20)), b=list(range(20)))
    with pytest.raises(TypeError, match="must return a matplotlib Figure"):
        knob(lambda c: None, c=[1])


def test_training_animation_plays_the_snapshots_of_a_run():
    from ganlib.plot import training_animation
    ring = data.ring()
    run = ganlib.train(nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1), ring,
                       objectives.NonSaturating(), steps=20, batch_size=32, snapshot_every=5, n_snapshot=50,
                       progress=False, device="cpu")
    anim = training_animation(run, ring, n_frames=3)
    steps = [s for s, _ in run.snapshots]
    assert anim.values["step"] == [steps[0], steps[len(steps) // 2], steps[-1]]
    assert anim.play and "▶" in anim.html() and anim.widget().children[0].__class__.__name__ == "Play"
    with pytest.raises(ValueError, match="need target"):
        training_animation(run)
    images = ganlib.train(*nets.dcgan(latent_dim=4, image_size=8, width=4, seed=0), data.digits(),
                          objectives.NonSaturating(), steps=2, batch_size=8, snapshot_every=1,
                          n_snapshot=9, progress=False, device="cpu")
    assert len(training_animation(images, nrow=3, n_images=9).frames) == 3


def test_figures_carry_their_texts_in_the_png():
    # what the browser check reads to find English words in Chinese figures
    import io

    from PIL import Image
    plot.setup("zh")
    try:
        fig, ax = plt.subplots()
        ax.set_title(plot.tr("the critic", "评论器"))
        ax.set_xlabel("λ")
        ax.plot([0, 1], label=plot.tr("data", "数据"))
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", facecolor="white")     # savefig's own arguments still pass
        plt.close(fig)
        texts = Image.open(io.BytesIO(buf.getvalue())).text["Description"].split("\n")
        expected = ["评论器", "数据", "λ"] if plot.language() == "zh" else ["the critic", "data", "λ"]
        assert set(expected) <= set(texts)
    finally:
        plot.setup("en")


def test_knob_sliders_carry_their_names():
    def draw(lam, side):
        fig, ax = plt.subplots()
        ax.plot([0, lam])
        return fig
    k = plot.knob(draw, lam=[1.0, 2.0], side=["a", "b"], names={"lam": "λ", "side": "惩罚"})
    page = k.html()
    assert ">λ</span>" in page and ">惩罚</span>" in page and ">lam<" not in page
    with pytest.raises(ValueError, match="names names parameters"):
        plot.knob(draw, lam=[1.0], side=["a"], names={"gamma": "γ"})
