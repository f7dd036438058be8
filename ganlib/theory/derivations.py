"""Symbolic derivations (sympy) that the chapters display step by step; every step carries the
value that sympy computed."""
from __future__ import annotations


import sympy as sp

from .. import _lang
from .conjugates import conjugate_domain, fenchel_conjugate

__all__ = ["Derivation", "latex", "proposition1", "virtual_training_criterion", "criterion_on_pieces", "conjugate_derivation", "parallel_lines_derivation", "lsgan_derivation", "nonsaturating_derivation", "gp_linear_critic_derivation", "cgan_derivation", "infogan_derivation"]


# --------------------------------------------------------------------------- symbolic
# words that formulas write in \text{}: sympy's (Piecewise) and the derivations' own
_TEXT_ZH = {"for": "当", "otherwise": "其他情况", "integrand": "被积函数", "difference": "差"}


def _localize(tex):
    """``tex`` with its \\text{} words in the book's current language."""
    if _lang.get() != "zh":
        return tex
    for en, zh in _TEXT_ZH.items():
        tex = tex.replace(r"\text{%s}" % en, r"\text{%s}" % zh)
    return tex


def latex(expr):
    """``sympy.latex(expr)`` with its words (a Piecewise's "for", "otherwise") in the book's
    current language."""
    return _localize(sp.latex(expr))


class Derivation:
    """Named steps of a sympy derivation; ``show()`` typesets them with captions."""

    def __init__(self, title):
        self.title = title
        self.steps = []  # (key, caption dict, latex string)
        self.values = {}

    def add(self, key, en, zh, latex, value=None):
        self.steps.append((key, {"en": en, "zh": zh}, latex))
        self.values[key] = value
        return value

    def __getitem__(self, key):
        return self.values[key]

    def _repr_markdown_(self):
        lang = _lang.get()
        return "\n\n".join(f"**{i}.** {cap[lang]}\n\n$$\n{_localize(tex)}\n$$"
                           for i, (_, cap, tex) in enumerate(self.steps, 1))

    def show(self):
        from IPython.display import Markdown, display
        display(Markdown(self._repr_markdown_()))


def proposition1():
    """Goodfellow et al. (2014), Proposition 1: the pointwise maximiser of a·log y + b·log(1−y)."""
    a, b = sp.symbols("a b", positive=True)
    y = sp.Symbol("y", positive=True)
    d = Derivation("proposition1")
    f = d.add("objective", "For a fixed $x$, with $a = p_{data}(x)$ and $b = p_g(x)$, the value $y = D(x)$ maximises",
              "固定 $x$，记 $a = p_{data}(x)$，$b = p_g(x)$，$y = D(x)$ 要使下式最大",
              r"f(y) = " + sp.latex(a * sp.log(y) + b * sp.log(1 - y)),
              a * sp.log(y) + b * sp.log(1 - y))
    df = sp.together(sp.diff(f, y))
    d.add("derivative", "Its derivative", "求导",
          r"f'(y) = " + sp.latex(sp.diff(f, y)) + " = " + sp.latex(df), df)
    (y_star,) = sp.solve(sp.Eq(sp.diff(f, y), 0), y)
    d.add("critical_point", "The only critical point in $(0, 1)$", "$(0, 1)$ 内唯一的驻点",
          r"y^* = " + sp.latex(y_star), y_star)
    d2 = sp.diff(f, y, 2)
    d2_at = sp.factor(sp.simplify(d2.subs(y, y_star)))
    d.add("second_derivative", "The second derivative is negative on all of $(0, 1)$, so $y^*$ is the maximum",
          "二阶导数在整个 $(0, 1)$ 上为负，所以 $y^*$ 是最大值点",
          r"f''(y) = " + sp.latex(d2) + r" < 0, \qquad f''(y^*) = " + sp.latex(d2_at), d2_at)
    p, q = sp.symbols("p_{data} p_g", positive=True)
    d.add("optimal_d", "Substituting $a = p_{data}(x)$, $b = p_g(x)$", "代回 $a = p_{data}(x)$，$b = p_g(x)$",
          r"D^*_G(x) = " + sp.latex(y_star.subs({a: p, b: q})), y_star.subs({a: p, b: q}))
    return d


def virtual_training_criterion():
    """C(G) = max_D V(D, G) = −log 4 + 2·JS(p_data‖p_g), derived pointwise in sympy."""
    p, q = sp.symbols("p_{data} p_g", positive=True)
    m = (p + q) / 2
    d = Derivation("virtual_training_criterion")
    dstar = p / (p + q)
    integrand = p * sp.log(dstar) + q * sp.log(1 - dstar)
    d.add("substitute", "Put $D^*$ into the integrand of $V(D, G)$", "把 $D^*$ 代入 $V(D, G)$ 的被积函数",
          r"p_{data}\log D^* + p_g \log(1-D^*) = " + sp.latex(sp.simplify(integrand)),
          integrand)
    rewritten = (-(p + q) * sp.log(2) + p * sp.log(p / m) + q * sp.log(q / m))
    diff = sp.simplify(sp.expand_log(integrand - rewritten, force=True))
    d.add("rewrite", "Multiply and divide by 2 inside each log: the difference simplifies to",
          "在每个对数里乘以 2 再除以 2：两种写法之差化简为",
          r"\Big[\text{integrand}\Big] - \Big[-(p_{data}+p_g)\log 2 + p_{data}\log\frac{p_{data}}{m}"
          r" + p_g\log\frac{p_g}{m}\Big] = " + sp.latex(diff) + r",\quad m = \tfrac{p_{data}+p_g}{2}",
          diff)
    d.add("integrate", "Integrate over $x$: $\\int (p_{data} + p_g)\\,dx = 2$, and each remaining term is a KL divergence",
          "对 $x$ 积分：$\\int (p_{data} + p_g)\\,dx = 2$，其余两项各是一个 KL 散度",
          r"C(G) = -2\log 2 + \mathrm{KL}(p_{data}\,\|\,m) + \mathrm{KL}(p_g\,\|\,m)"
          r" = -\log 4 + 2\,\mathrm{JS}(p_{data}\,\|\,p_g)",
          -sp.log(4))
    d.add("minimum", "$\\mathrm{JS} \\ge 0$, with equality if and only if $p_g = p_{data}$, so the global minimum is",
          "$\\mathrm{JS} \\ge 0$，当且仅当 $p_g = p_{data}$ 时取等号，所以全局最小值为",
          r"C^* = -\log 4 \approx " + f"{float(-sp.log(4)):.4f}", -sp.log(4))
    return d


def criterion_on_pieces(pieces, x=None):
    """Exact C(G) and JS for piecewise densities, by sympy.

    ``pieces`` is a list of ``(lo, hi, p_expr, q_expr)``: on [lo, hi] the densities are the
    given sympy expressions in ``x`` (a symbol; default ``sympy.Symbol('x')``).  Returns
    ``(C, JS)``, both exact, with C = ∫ p log D* + q log(1 − D*).
    """
    x = x or sp.Symbol("x")
    C = JS = sp.Integer(0)
    for lo, hi, pe, qe in pieces:
        pe, qe = sp.sympify(pe), sp.sympify(qe)
        me = (pe + qe) / 2
        c_int = (0 if pe == 0 else pe * sp.log(pe / (pe + qe))) + (0 if qe == 0 else qe * sp.log(qe / (pe + qe)))
        j_int = ((0 if pe == 0 else pe * sp.log(pe / me)) + (0 if qe == 0 else qe * sp.log(qe / me))) / 2
        C += sp.integrate(c_int, (x, lo, hi))
        JS += sp.integrate(j_int, (x, lo, hi))
    return sp.expand_log(sp.simplify(C), force=True), sp.expand_log(sp.simplify(JS), force=True)


def conjugate_derivation(f, u, t):
    """The steps of f*(t) = sup_{u>0} [t·u − f(u)] for a differentiable strictly convex f."""
    up = sp.Symbol("u", positive=True)
    fu = f.subs(u, up)
    d = Derivation("conjugate")
    d.add("objective", "The conjugate is a supremum over $u > 0$",
          "共轭函数是对 $u > 0$ 取上确界", r"f^*(t) = \sup_{u > 0}\; " + sp.latex(t * up - fu), t * up - fu)
    grad = sp.simplify(t - sp.diff(fu, up))
    d.add("stationary", "Set the derivative in $u$ to zero", "令对 $u$ 的导数为零",
          sp.latex(grad) + " = 0", grad)
    fstar = fenchel_conjugate(f, u, t)
    inside = fstar.args[0][0] if isinstance(fstar, sp.Piecewise) else fstar
    dom = conjugate_domain(f, u)
    d.add("result", "Substitute the maximiser back; the supremum is attained for $t$ in the range of $f'$",
          "把最大值点代回；当 $t$ 位于 $f'$ 的值域内时上确界可以取到",
          r"f^*(t) = " + sp.latex(inside) + r", \qquad t \in " + sp.latex(dom), fstar)
    return d


def parallel_lines_derivation():
    """The WGAN paper's Example 1, P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0, 1], in sympy."""
    th = sp.Symbol("theta", real=True)
    z = sp.Symbol("z")
    d = Derivation("parallel_lines")
    w = sp.Abs(th) * sp.integrate(1, (z, 0, 1))
    d.add("w1", "Move every point $(0, z)$ straight across to $(\\theta, z)$; no plan can do better, "
          "since $W_1 \\ge |\\mathbb{E}_{P_0}[x_1] - \\mathbb{E}_{P_\\theta}[x_1]| = |\\theta|$",
          "把每个点 $(0, z)$ 水平移到 $(\\theta, z)$；没有哪个方案能更好，因为 "
          "$W_1 \\ge |\\mathbb{E}_{P_0}[x_1] - \\mathbb{E}_{P_\\theta}[x_1]| = |\\theta|$",
          r"W(P_0, P_\theta) = \int_0^1 |\theta|\, dz = " + sp.latex(w), w)
    # for θ ≠ 0 the two lines are disjoint: on line 0, p0 = 1, pθ = 0, m = 1/2 (densities in z)
    kl_pm = sp.integrate(1 * sp.log(1 / sp.Rational(1, 2)), (z, 0, 1))
    js = sp.simplify((kl_pm + kl_pm) / 2)
    d.add("js", "For $\\theta \\neq 0$ the lines are disjoint; on each line $M$ has half the "
          "density, so each KL term is $\\log 2$",
          "当 $\\theta \\neq 0$ 时两条线不相交；在每条线上 $M$ 的密度只有一半，所以每个 KL 项都是 $\\log 2$",
          r"\mathrm{JS}(P_0 \,\|\, P_\theta) = \tfrac12 \int_0^1 1\cdot\log\frac{1}{1/2}\,dz"
          r" + \tfrac12 \int_0^1 1\cdot\log\frac{1}{1/2}\,dz = " + sp.latex(js), js)
    # KL: on line 0, p0 = 1 against a density eps of P_theta that tends to 0
    eps = sp.Symbol("epsilon", positive=True)
    kl = sp.limit(sp.integrate(1 * sp.log(1 / eps), (z, 0, 1)), eps, 0, "+")
    d.add("kl", "$P_0$ puts all its mass where $P_\\theta$ has none",
          "$P_0$ 的全部质量都落在 $P_\\theta$ 没有质量的地方",
          r"\mathrm{KL}(P_0 \,\|\, P_\theta) = \lim_{\epsilon \to 0^+} \int_0^1 1\cdot\log\frac{1}{\epsilon}\,dz = "
          + sp.latex(kl), kl)
    # TV = ½ ∫ |p0 − pθ| over both lines: |1 − 0| on line 0 and |0 − 1| on line θ
    tv = sp.Rational(1, 2) * (sp.integrate(1, (z, 0, 1)) + sp.integrate(1, (z, 0, 1)))
    d.add("tv", "The set $A = \\{0\\} \\times [0, 1]$ has $P_0(A) = 1$, $P_\\theta(A) = 0$",
          "集合 $A = \\{0\\} \\times [0, 1]$ 满足 $P_0(A) = 1$，$P_\\theta(A) = 0$",
          r"\delta(P_0, P_\theta) = \sup_A |P_0(A) - P_\theta(A)| = \tfrac12\int |p_0 - p_\theta| = "
          + sp.latex(tv), tv)
    d.add("zero", "At $\\theta = 0$ the distributions coincide and all four are $0$: only $W$ is "
          "continuous in $\\theta$",
          "当 $\\theta = 0$ 时两个分布重合，四个量都为 $0$：只有 $W$ 关于 $\\theta$ 连续",
          r"W = \mathrm{JS} = \mathrm{KL} = \delta = 0 \quad (\theta = 0)", w.subs(th, 0))
    return d


def lsgan_derivation():
    """Mao et al. (2017), Section 3.2: the optimal D of LSGAN and 2C(G) as a χ² divergence."""
    a, b, c = sp.symbols("a b c", real=True)
    p, q = sp.symbols("p_d p_g", positive=True)
    y = sp.Symbol("y", real=True)
    d = Derivation("lsgan")
    f = sp.Rational(1, 2) * p * (y - b) ** 2 + sp.Rational(1, 2) * q * (y - a) ** 2
    d.add("objective", "For a fixed $x$, write $p_d = p_{data}(x)$, $p_g = p_g(x)$, $y = D(x)$: D minimises the integrand",
          "固定 $x$，记 $p_d = p_{data}(x)$，$p_g = p_g(x)$，$y = D(x)$：判别器要最小化被积函数",
          r"f(y) = " + sp.latex(f), f)
    df = sp.diff(f, y)
    d.add("derivative", "Its derivative", "求导", r"f'(y) = " + sp.latex(sp.collect(sp.expand(df), y)), df)
    (y_star,) = sp.solve(sp.Eq(df, 0), y)
    d.add("optimal_d", "Setting it to zero; $f''(y) = p_d + p_g > 0$, so this is the minimum",
          "令其为零；$f''(y) = p_d + p_g > 0$，所以这是最小值点",
          r"D^*(x) = " + sp.latex(y_star) + r", \qquad f''(y) = " + sp.latex(sp.diff(f, y, 2)), y_star)
    integrand = p * (y_star - c) ** 2 + q * (y_star - c) ** 2
    combined = sp.factor(sp.simplify(integrand))
    d.add("criterion", r"Add to G's loss the term $\tfrac12\mathbb{E}_{data}[(D(x) - c)^2]$, which does not depend on G, and put $D^*$ in: the integrand of $2C(G)$ is",
          r"给生成器的损失加上与 G 无关的一项 $\tfrac12\mathbb{E}_{data}[(D(x) - c)^2]$，再代入 $D^*$：$2C(G)$ 的被积函数为",
          r"p_d\,(D^* - c)^2 + p_g\,(D^* - c)^2 = " + sp.latex(combined), combined)
    rewritten = ((b - c) * (p + q) - (b - a) * q) ** 2 / (p + q)
    diff = sp.simplify(combined - rewritten)
    d.add("rewrite", "Write the numerator around $p_d + p_g$ (the difference of the two forms simplifies to)",
          "把分子改写成以 $p_d + p_g$ 为中心的形式（两种写法之差化简为）",
          r"2C(G) = \int_{\mathcal X} " + sp.latex(rewritten) + r"\,dx, \qquad \text{difference} = " + sp.latex(diff),
          rewritten)
    chi = sp.factor(sp.simplify(rewritten.subs({c: b - 1, a: b - 2})))
    d.add("chi2", "With $b - c = 1$ and $b - a = 2$ (e.g. $a, b, c = -1, 1, 0$) the labels drop out",
          "取 $b - c = 1$、$b - a = 2$（例如 $a, b, c = -1, 1, 0$），标签全部消去",
          r"2C(G) = \int_{\mathcal X} \frac{\big(2p_g - (p_d + p_g)\big)^2}{p_d + p_g}\,dx = \int_{\mathcal X} "
          + sp.latex(chi) + r"\,dx", chi)
    m = (p + q) / 2
    gap = sp.simplify(chi - 2 * (q - m) ** 2 / m)
    d.add("pearson", r"With $m = (p_d + p_g)/2$ and this book's $\chi^2_{P}(P\,\|\,Q) = \int (p - q)^2/q$, the integrand is $2(p_g - m)^2/m$ (their difference is "
          + f"${sp.latex(gap)}$)",
          r"记 $m = (p_d + p_g)/2$，按本书的约定 $\chi^2_{P}(P\,\|\,Q) = \int (p - q)^2/q$，被积函数等于 $2(p_g - m)^2/m$（两者之差为 "
          + f"${sp.latex(gap)}$）",
          r"2C(G) = \chi^2_{P}\big(2p_g \,\|\, p_d + p_g\big) = 2\,\chi^2_{P}\big(p_g \,\|\, m\big)", gap)
    zero_one = sp.factor(sp.simplify(rewritten.subs({a: 0, b: 1, c: 1})))
    d.add("zero_one", "The 0-1 coding $a, b, c = 0, 1, 1$ has $b - c = 0$ instead: not a divergence, but still smallest at $p_g = p_d$ (value ½)",
          "0-1 编码 $a, b, c = 0, 1, 1$ 的 $b - c = 0$：它不是散度，但仍在 $p_g = p_d$ 时最小（值为 ½）",
          r"2C(G) = \int_{\mathcal X} " + sp.latex(zero_one) + r"\,dx", zero_one)
    return d


# --------------------------------------------------------------------------- WGAN
def nonsaturating_derivation():
    """Arjovsky & Bottou (2017), Theorem 2.5: against the optimal D, the non-saturating loss
    E_{p_g}[−log D*] equals KL(p_g‖p_r) − 2·JS(p_r‖p_g) plus terms whose gradient in the
    generator's parameters vanishes (D* held fixed, as backpropagation does)."""
    p, q = sp.symbols("p_r p_g", positive=True)
    d = Derivation("nonsaturating")
    dstar = p / (p + q)
    ratio = sp.simplify((1 - dstar) / dstar)
    d.add("ratio", r"With $D^* = p_r/(p_r + p_g)$ the density ratio is a function of $D^*$",
          r"由 $D^* = p_r/(p_r + p_g)$，密度比可以用 $D^*$ 表示",
          r"\frac{1 - D^*}{D^*} = " + sp.latex(ratio), ratio)
    kl_gap = sp.simplify(sp.expand_log(q * sp.log(q / p) - q * (sp.log(1 - dstar) - sp.log(dstar)),
                                       force=True))
    d.add("kl", r"So the KL divergence of the generator from the data is an expectation of $D^*$ terms (sympy: the integrands differ by "
          + f"${sp.latex(kl_gap)}$)",
          r"因此生成分布相对数据分布的 KL 散度可以写成关于 $D^*$ 的期望（sympy：两边被积函数之差为 "
          + f"${sp.latex(kl_gap)}$）",
          r"\mathrm{KL}(p_g\,\|\,p_r) = \mathbb{E}_{p_g}\Big[\log\frac{p_g}{p_r}\Big]"
          r" = \mathbb{E}_{p_g}[\log(1 - D^*)] - \mathbb{E}_{p_g}[\log D^*]", kl_gap)
    js_integrand = (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q)))   # 2·JS
    js_gap = sp.simplify(sp.expand_log(p * sp.log(dstar) + q * sp.log(1 - dstar)
                                       - (js_integrand - (p + q) * sp.log(2)), force=True))
    d.add("js", r"and Chapter 1 gave the value of the game at $D^*$ (sympy: the integrands differ by "
          + f"${sp.latex(js_gap)}$)",
          r"而第 1 章给出了博弈在 $D^*$ 处的值（sympy：两边被积函数之差为 " + f"${sp.latex(js_gap)}$）",
          r"\mathbb{E}_{p_r}[\log D^*] + \mathbb{E}_{p_g}[\log(1 - D^*)] = 2\,\mathrm{JS}(p_r\,\|\,p_g) - \log 4", js_gap)
    rhs = (q * sp.log(q / p)                                            # KL integrand
           - (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q)))  # 2·JS integrand
           + (p + q) * sp.log(2)                                         # log 4 = ∫ (p + q) log 2
           + p * sp.log(dstar))                                          # E_{p_r}[log D*]
    lhs = -q * sp.log(dstar)
    gap = sp.simplify(sp.expand_log(lhs - rhs, force=True))
    d.add("identity", r"Eliminating $\mathbb{E}_{p_g}[\log(1 - D^*)]$; sympy checks the integrands agree (difference shown)",
          r"消去 $\mathbb{E}_{p_g}[\log(1 - D^*)]$；sympy 验证两边被积函数一致（下式右端为其差）",
          r"\mathbb{E}_{p_g}[-\log D^*] = \mathrm{KL}(p_g\,\|\,p_r) - 2\,\mathrm{JS}(p_r\,\|\,p_g) + \log 4"
          r" + \mathbb{E}_{p_r}[\log D^*], \qquad \text{difference} = " + sp.latex(gap), gap)
    d_fixed = sp.Symbol("D^*", positive=True)             # D* held fixed, as backpropagation does
    frozen = sp.diff(p * sp.log(d_fixed), q)
    d.add("gradient", r"$\log 4$ is constant and $\mathbb{E}_{p_r}[\log D^*]$ does not involve the generator once $D^*$ is fixed (sympy: $\partial\,(p_r \log D^*)/\partial p_g = "
          + sp.latex(frozen) + r"$), so",
          r"$\log 4$ 是常数；$D^*$ 固定后 $\mathbb{E}_{p_r}[\log D^*]$ 与生成器无关（sympy：$\partial\,(p_r \log D^*)/\partial p_g = "
          + sp.latex(frozen) + r"$），所以",
          r"\nabla_\theta\, \mathbb{E}_{z}\big[-\log D^*(g_\theta(z))\big]"
          r" = \nabla_\theta \Big[\mathrm{KL}(p_{g_\theta}\,\|\,p_r) - 2\,\mathrm{JS}(p_r\,\|\,p_{g_\theta})\Big]", frozen)
    return d


def gp_linear_critic_derivation():
    """The gradient penalty's two wells for a linear critic f(x) = a·x between P and Q with
    Δ = μ_Q − μ_P > 0 (the issue of a critic of the wrong sign; cf. Gulrajani et al. 2017,
    Section 4, and the one-sided penalty of Petzka et al. 2018).

    The critic minimises L(a) = E_Q f − E_P f + λ·pen(|a|): ∇f = a everywhere, so the penalty is
    the same at every x̂.  Every stationary point and value below is solved by sympy."""
    a = sp.Symbol("a", real=True)
    s = sp.Symbol("s", positive=True)                     # s = |a|
    delta, lam = sp.symbols("Delta lambda", positive=True)
    d = Derivation("gp_linear_critic")
    loss = a * delta + lam * (sp.Abs(a) - 1) ** 2
    d.add("loss", r"For $f(x) = a\,x$ the data term is $\mathbb{E}_Q f - \mathbb{E}_P f = a\Delta$ and $\|\nabla f\| = |a|$ at every $\hat x$, so the two-sided critic loss is",
          r"对线性评论器 $f(x) = a\,x$，数据项为 $\mathbb{E}_Q f - \mathbb{E}_P f = a\Delta$，且在每个 $\hat x$ 处 $\|\nabla f\| = |a|$，所以双边惩罚下评论器的损失为",
          r"L(a) = " + sp.latex(loss), loss)
    right = -s * delta + lam * (s - 1) ** 2               # a = −s < 0: E_P f − E_Q f = sΔ > 0
    (s_right,) = sp.solve(sp.diff(right, s), s)
    d.add("right_well", r"With the right sign, $a = -s < 0$ (then $\mathbb{E}_P f - \mathbb{E}_Q f = s\Delta > 0$): $dL/ds = 0$ at",
          r"符号正确时 $a = -s < 0$（此时 $\mathbb{E}_P f - \mathbb{E}_Q f = s\Delta > 0$）：$dL/ds = 0$ 的解为",
          r"\frac{dL}{ds} = " + sp.latex(sp.expand(sp.diff(right, s))) + r" = 0 \;\Rightarrow\; s^* = "
          + sp.latex(sp.expand(s_right)) + r", \qquad \frac{d^2L}{ds^2} = " + sp.latex(sp.diff(right, s, 2)), s_right)
    over = sp.expand(s_right * delta)
    d.add("overshoot", r"The critic's estimate there overshoots $\Delta$ by $\Delta^2/(2\lambda)$",
          r"此处评论器的估计值比 $\Delta$ 多出 $\Delta^2/(2\lambda)$",
          r"\mathbb{E}_P f - \mathbb{E}_Q f = s^*\Delta = " + sp.latex(over), over)
    wrong = s * delta + lam * (s - 1) ** 2                # a = +s > 0: the wrong sign
    (s_wrong,) = sp.solve(sp.diff(wrong, s), s)
    d.add("wrong_well", r"With the wrong sign, $a = s > 0$, there is a second stationary point, again a minimum, which lies in $s > 0$ while $\Delta < 2\lambda$",
          r"符号错误时 $a = s > 0$，还有第二个驻点，同样是极小值点；只要 $\Delta < 2\lambda$，它就落在 $s > 0$ 内",
          r"\frac{dL}{ds} = " + sp.latex(sp.expand(sp.diff(wrong, s))) + r" = 0 \;\Rightarrow\; s^\dagger = "
          + sp.latex(sp.expand(s_wrong)) + r", \qquad \frac{d^2L}{ds^2} = " + sp.latex(sp.diff(wrong, s, 2)), s_wrong)
    wrong_est = sp.expand(-s_wrong * delta)
    d.add("wrong_estimate", r"There the estimate is negative: $-\Delta$, offset by the same $\Delta^2/(2\lambda)$",
          r"此处估计值为负：约为 $-\Delta$，偏移量同样是 $\Delta^2/(2\lambda)$",
          r"\mathbb{E}_P f - \mathbb{E}_Q f = -s^\dagger\Delta = " + sp.latex(wrong_est), wrong_est)
    values = (sp.factor(sp.expand(right.subs(s, s_right))), sp.factor(sp.expand(wrong.subs(s, s_wrong))))
    barrier = loss.subs(a, 0)
    d.add("values", r"Both are local minima of $L$, separated by $L(0) = \lambda$; near $a = 0$ the penalty's pull $2\lambda$ outweighs the data term's $\Delta$, so the sign at initialisation chooses the well",
          r"两者都是 $L$ 的局部极小值，中间隔着 $L(0) = \lambda$；在 $a = 0$ 附近，惩罚项的拉力 $2\lambda$ 大于数据项的 $\Delta$，所以初始化时的符号决定了落入哪个阱",
          r"L(-s^*) = " + sp.latex(values[0]) + r", \qquad L(s^\dagger) = " + sp.latex(values[1])
          + r", \qquad L(0) = " + sp.latex(barrier), values)
    one = a * delta + lam * sp.Max(0, sp.Abs(a) - 1) ** 2
    slope_inside = sp.diff((s * delta).subs(s, a), a)     # 0 < a < 1: the penalty is zero
    d.add("one_sided", r"The one-sided penalty $\lambda\max(0, \|\nabla f\| - 1)^2$ is zero for $|a| \le 1$: on $0 < a < 1$ the slope of the loss is $\Delta > 0$, so gradient descent moves $a$ down through 0, and for $a \ge 1$ the slope $\Delta + 2\lambda(a - 1)$ is positive too. The wrong well is gone; only $a = -s^*$ remains",
          r"单边惩罚 $\lambda\max(0, \|\nabla f\| - 1)^2$ 在 $|a| \le 1$ 时为零：在 $0 < a < 1$ 上损失的斜率是 $\Delta > 0$，梯度下降会让 $a$ 一路减小、穿过 0；$a \ge 1$ 时斜率 $\Delta + 2\lambda(a - 1)$ 同样为正。错误的阱消失了，只剩 $a = -s^*$",
          r"L_1(a) = " + sp.latex(one) + r", \qquad \frac{dL_1}{da}\Big|_{0 < a < 1} = " + sp.latex(slope_inside), one)
    return d




def cgan_derivation(n_classes=3):
    """Mirza & Osindero (2014): the conditional game's optimal D and C(G), derived pointwise in
    (x, y) as Proposition 1 is, for ``n_classes`` classes with weights π_y = p(y)."""
    n_classes = int(n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    p, q, pi, t = sp.symbols("p q pi t", positive=True)      # p(x|y), p_g(x|y), π_y, D(x|y)
    d = Derivation("cgan")
    a, b = pi * p, pi * q
    f = a * sp.log(t) + b * sp.log(1 - t)
    d.add("objective", "For fixed $(x, y)$ the integrand of $V(D, G)$, with $p = p(x\\mid y)$, "
          "$q = p_g(x\\mid y)$, $\\pi = p(y)$ and $t = D(x\\mid y)$, is",
          "固定 $(x, y)$，记 $p = p(x\\mid y)$，$q = p_g(x\\mid y)$，$\\pi = p(y)$，"
          "$t = D(x\\mid y)$，$V(D, G)$ 的被积函数为",
          r"f(t) = " + sp.latex(f), f)
    (t_star,) = sp.solve(sp.Eq(sp.diff(f, t), 0), t)
    d.add("optimal_d", "Its only critical point in $(0, 1)$, a maximum ($f'' < 0$): the class "
          "weight $\\pi$ cancels", "它在 $(0, 1)$ 内唯一的驻点是最大值点（$f'' < 0$），类别权重 $\\pi$ 被约去",
          r"D^*(x\mid y) = \frac{\pi p}{\pi p + \pi q} = " + sp.latex(sp.simplify(t_star)),
          sp.simplify(t_star))
    m = (p + q) / 2
    value = sp.simplify(f.subs(t, t_star))
    js_form = pi * (-(p + q) * sp.log(2) + p * sp.log(p / m) + q * sp.log(q / m))
    gap = sp.simplify(sp.expand_log(value - js_form, force=True))
    d.add("per_class", "Put $D^*$ back: the integrand becomes $\\pi$ times Proposition 1's, "
          "the difference simplifies to", "代回 $D^*$：被积函数是命题 1 中的 $\\pi$ 倍，两者之差化简为",
          r"f(t^*) - \pi\Big[-(p+q)\log 2 + p\log\frac{p}{m} + q\log\frac{q}{m}\Big] = "
          + sp.latex(gap) + r",\quad m = \tfrac{p+q}{2}", gap)
    pis, jss = sp.symbols(f"pi_1:{n_classes + 1}", positive=True), sp.symbols(f"J_1:{n_classes + 1}",
                                                                               nonnegative=True)
    weights = {pis[-1]: 1 - sum(pis[:-1])}
    per_class = sum(w * (-sp.log(4) + 2 * j) for w, j in zip(pis, jss))
    total_gap = sp.simplify(sp.expand(per_class.subs(weights) - (-sp.log(4) + 2 * sum(
        w * j for w, j in zip(pis, jss)).subs(weights))))
    d.add("sum", f"Integrate over $x$ (class $y$ gives $\\pi_y(-\\log 4 + 2\\,J_y)$, "
          f"$J_y = \\mathrm{{JS}}(p(\\cdot\\mid y)\\,\\|\\,p_g(\\cdot\\mid y))$) and sum over "
          f"the {n_classes} classes, whose weights add up to 1: the difference to the claimed form is",
          f"对 $x$ 积分（类别 $y$ 贡献 $\\pi_y(-\\log 4 + 2\\,J_y)$，"
          f"$J_y = \\mathrm{{JS}}(p(\\cdot\\mid y)\\,\\|\\,p_g(\\cdot\\mid y))$），再对 {n_classes} "
          f"个类别求和（权重之和为 1），与所称形式之差为",
          sp.latex(per_class) + r" - \Big(-\log 4 + 2\sum_y \pi_y J_y\Big) = " + sp.latex(total_gap),
          total_gap)
    joint = (a * sp.log(2 * a / (a + b)) + b * sp.log(2 * b / (a + b))) / 2
    cond = pi * (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q))) / 2
    joint_gap = sp.simplify(sp.expand_log(joint - cond, force=True))
    d.add("joint", "The same sum is the JS divergence of the joint distributions "
          "$p(y)\\,p(x\\mid y)$ and $p(y)\\,p_g(x\\mid y)$: their JS integrand minus "
          "$\\pi$ times the class's is", "同一个和也是联合分布 $p(y)\\,p(x\\mid y)$ 与 "
          "$p(y)\\,p_g(x\\mid y)$ 之间的 JS 散度：二者 JS 被积函数之差（减去该类的 $\\pi$ 倍）为",
          sp.latex(joint) + " - " + sp.latex(cond) + " = " + sp.latex(joint_gap), joint_gap)
    d.add("minimum", "Every $J_y \\ge 0$, so $C(G) \\ge -\\log 4$, with equality if and only "
          "if $p_g(\\cdot\\mid y) = p(\\cdot\\mid y)$ for every class with $p(y) > 0$",
          "每个 $J_y \\ge 0$，所以 $C(G) \\ge -\\log 4$；当且仅当对每个 $p(y) > 0$ 的类别都有 "
          "$p_g(\\cdot\\mid y) = p(\\cdot\\mid y)$ 时取等号",
          r"C(G) = -\log 4 + 2\,\mathbb{E}_{y}\,\mathrm{JS}\big(p(\cdot\mid y)\,\|\,"
          r"p_g(\cdot\mid y)\big) \;\ge\; -\log 4", -sp.log(4))
    return d


def infogan_derivation(n_codes=3):
    """Chen et al. (2016), Lemma 5.1 and the bound before it: I(c; x) ≥ E[log Q(c | x)] + H(c),
    derived step by step for one x and ``n_codes`` values of c (posterior P, any Q)."""
    n_codes = int(n_codes)
    if n_codes < 2:
        raise ValueError(f"n_codes must be at least 2, got {n_codes}")
    P = sp.symbols(f"P_1:{n_codes + 1}", positive=True)      # P(c = k | x)
    Q = sp.symbols(f"Q_1:{n_codes + 1}", positive=True)      # Q(c = k | x)
    d = Derivation("infogan")
    d.add("definition", "Mutual information is the entropy of $c$ that $x$ removes",
          "互信息是 $x$ 所消除的 $c$ 的熵",
          r"I(c; x) = H(c) - H(c \mid x), \qquad -H(c \mid x) = \mathbb{E}_{x}\,"
          r"\mathbb{E}_{c \sim P(c \mid x)}\big[\log P(c \mid x)\big]", None)
    neg_h = sum(p * sp.log(p) for p in P)
    cross = sum(p * sp.log(q) for p, q in zip(P, Q))
    kl = sum(p * sp.log(p / q) for p, q in zip(P, Q))
    gap = sp.simplify(sp.expand_log(neg_h - cross - kl, force=True))
    d.add("split", f"For one $x$, with $P_k = P(c = k \\mid x)$ and any distribution $Q_k = Q(c = k "
          f"\\mid x)$ ({n_codes} codes), the inner expectation is a cross-entropy term plus a KL "
          f"divergence: their difference is",
          f"对一个固定的 $x$，记 $P_k = P(c = k \\mid x)$，$Q_k = Q(c = k \\mid x)$ 为任意分布"
          f"（{n_codes} 个编码取值），内层期望等于交叉熵项加上一个 KL 散度：两者之差为",
          sp.latex(neg_h) + r" - \Big[" + sp.latex(cross) + r" + \mathrm{KL}(P\,\|\,Q)\Big] = "
          + sp.latex(gap), gap)
    p, q = sp.symbols("p q", positive=True)
    kl2 = p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q))
    dq = sp.factor(sp.simplify(sp.diff(kl2, q)))
    d2 = p / q ** 2 + (1 - p) / (1 - q) ** 2                 # positive terms on (0, 1)
    if sp.simplify(sp.diff(kl2, q, 2) - d2) != 0:              # pragma: no cover - sympy checks it
        raise AssertionError("the binary KL's second derivative is not p/q² + (1−p)/(1−q)²")
    d.add("kl_nonnegative", "KL ≥ 0 (Gibbs' inequality). For two codes: as a function of $q$, "
          "$\\mathrm{KL}$ is convex and stationary only at $q = p$, where it is 0",
          "KL ≥ 0（吉布斯不等式）。以两个编码为例：作为 $q$ 的函数，$\\mathrm{KL}$ 是凸的，"
          "只在 $q = p$ 处驻定，而那里的值为 0",
          r"\frac{\partial}{\partial q}\,\mathrm{KL} = " + sp.latex(dq)
          + r",\qquad \frac{\partial^2}{\partial q^2}\,\mathrm{KL} = " + sp.latex(d2)
          + r" > 0,\qquad \mathrm{KL}\big|_{q = p} = " + sp.latex(sp.simplify(kl2.subs(q, p))),
          sp.simplify(kl2.subs(q, p)))
    d.add("bound", "Drop the KL term: the variational lower bound", "去掉 KL 项，得到变分下界",
          r"I(c; x) - \Big(\mathbb{E}_{x}\,\mathbb{E}_{c \sim P(c \mid x)}\big[\log Q(c \mid x)"
          r"\big] + H(c)\Big) = \mathbb{E}_x\,\mathrm{KL}\big(P(\cdot \mid x)\,\|\,"
          r"Q(\cdot \mid x)\big) \;\ge\; 0", None)
    a = sp.symbols("a_1:5", nonnegative=True)               # p(x_i, c_j) for 2 × 2 values
    f = sp.symbols("f_1:5", real=True)
    px = [a[0] + a[1], a[2] + a[3]]
    pc = [a[0] + a[2], a[1] + a[3]]
    by_x = sum(px[i] * sum(a[2 * i + j] / px[i] * f[2 * i + j] for j in range(2)) for i in range(2))
    by_c = sum(pc[j] * sum(a[2 * i + j] / pc[j] * f[2 * i + j] for i in range(2)) for j in range(2))
    lemma = sp.simplify(by_x - by_c)
    d.add("lemma", "Lemma 5.1: both ways of sampling the pair give the same expectation (here for "
          "2 × 2 values, $a_{ij} = p(x_i, c_j)$, any $f$), so $c$ can be drawn first and $x = G(z, c)$ "
          "after it: the difference is", "引理 5.1：两种抽取 $(x, c)$ 的顺序给出相同的期望"
          "（这里取 2 × 2 个取值，$a_{ij} = p(x_i, c_j)$，$f$ 任意），所以可以先抽 $c$，再令 "
          "$x = G(z, c)$：两者之差为",
          r"\mathbb{E}_{x}\,\mathbb{E}_{c \mid x} f - \mathbb{E}_{c}\,\mathbb{E}_{x \mid c} f = "
          + sp.latex(lemma), lemma)
    d.add("objective", "InfoGAN's bound, which needs samples of $G$ and the network $Q$ only; "
          "the game adds $-\\lambda L_I$ to the GAN's objective, for $G$ and $Q$ both",
          "InfoGAN 的下界只需要 $G$ 的样本和网络 $Q$；博弈在 GAN 的目标上加上 $-\\lambda L_I$，"
          "$G$ 和 $Q$ 都去最大化它",
          r"L_I(G, Q) = \mathbb{E}_{c \sim P(c),\, x \sim G(z, c)}\big[\log Q(c \mid x)\big] "
          r"+ H(c) \;\le\; I\big(c; G(z, c)\big)", None)
    return d
