"""The EBGAN game without parameters, and BEGAN's bound on the loss distributions.

EBGAN (Zhao, Mathieu & LeCun 2017): for a fixed generator, the discriminator chooses an energy
D(x) ≥ 0 at every point to minimise V(D) = Σ p_data(x) D(x) + Σ p_g(x) (m − D(x))₊; on a
discrete support this is a linear program.  Its optimum is m·Σ min(p_data, p_g) =
m·(1 − TV(p_data, p_g)), which reaches the bound m only at p_g = p_data (the paper's Theorem 1).

BEGAN (Berthelot, Schumm & Metz 2017): the means of two distributions on the line, such as the
auto-encoder's losses on real and generated samples, differ by at most their W1 distance,
|m₁ − m₂| ≤ W₁(μ₁, μ₂), from Jensen's inequality under any coupling.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .derivations import Derivation

__all__ = ["ebgan_value", "ebgan_derivation", "began_bound_derivation"]


def _probability(v, name):
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or len(v) < 1 or np.any(v < 0) or not np.isclose(v.sum(), 1.0):
        raise ValueError(f"{name} must be a probability vector, got {v!r}")
    return v


def ebgan_value(p_data, p_g, margin=1.0):
    """The discriminator's best value in EBGAN's game on a discrete support, solved as a linear
    program with ``scipy.optimize.linprog`` (HiGHS): minimise Σ p_data·D + Σ p_g·s over D ≥ 0
    and slacks s ≥ 0, s ≥ m − D.  Returns ``(value, D)``, the optimal energies per point (where
    p_data = p_g every D in [0, m] is optimal, and the solver picks one)."""
    from scipy.optimize import linprog
    p, q = _probability(p_data, "p_data"), _probability(p_g, "p_g")
    if p.shape != q.shape:
        raise ValueError(f"p_data and p_g must be on the same support, got {len(p)} and {len(q)} points")
    m = float(margin)
    if not m > 0:
        raise ValueError(f"margin must be positive, got {margin!r}")
    n = len(p)
    cost = np.concatenate([p, q])
    a_ub = np.hstack([-np.eye(n), -np.eye(n)])              # −D − s ≤ −m, i.e. s ≥ m − D
    res = linprog(cost, A_ub=a_ub, b_ub=np.full(n, -m), bounds=[(0, None)] * (2 * n), method="highs")
    if not res.success:                                      # pragma: no cover - bounded, feasible LP
        raise RuntimeError(f"the linear program failed: {res.message}")
    return float(res.fun), res.x[:n]


def ebgan_derivation():
    """Theorem 1 of the EBGAN paper in its non-parametric form: the best energy at one point,
    the value of the best D, and why it reaches the bound m only at p_g = p_data."""
    a, b, m, t = sp.symbols("a b m t", nonnegative=True)    # p_data(x), p_g(x), margin, D(x)
    d = Derivation("ebgan")
    d.add("objective", "For one point $x$, with $a = p_{data}(x)$, $b = p_g(x)$ and energy "
          "$t = D(x) \\ge 0$, the discriminator's loss is", "对一个点 $x$，记 $a = p_{data}(x)$，"
          "$b = p_g(x)$，能量 $t = D(x) \\ge 0$，判别器的损失为",
          r"f(t) = a\,t + b\,(m - t)_+", None)
    inside = a * t + b * (m - t)
    slope = sp.diff(inside, t)
    d.add("pieces", "On $[0, m]$ it is linear in $t$, and beyond $m$ it only grows (slope $a \\ge 0$): "
          "its minimum is at an end of $[0, m]$", "在 $[0, m]$ 上它是 $t$ 的线性函数，超过 $m$ 后只增不减"
          "（斜率 $a \\ge 0$）：最小值在 $[0, m]$ 的某个端点取得",
          r"f'(t)\big|_{0<t<m} = " + sp.latex(slope) + r",\qquad f(0) = " + sp.latex(inside.subs(t, 0))
          + r",\qquad f(m) = " + sp.latex(inside.subs(t, m)), slope)
    best = sp.Min(a * m, b * m)
    delta = sp.Symbol("delta", nonnegative=True)           # the larger one exceeds the other by δ
    identity = (sp.simplify((a + (a + delta) - sp.Abs(a - (a + delta))) / 2 - a),     # b = a + δ
                sp.simplify(((b + delta) + b - sp.Abs(b + delta - b)) / 2 - b))       # a = b + δ
    d.add("best_energy", "So $D^*(x) = 0$ where $a > b$ and $D^*(x) = m$ where $a < b$, and the "
          "minimum is $m \\min(a, b)$, with $\\min(a, b) = (a + b - |a - b|)/2$; sympy checks the "
          "latter for $b = a + \\delta$ and for $a = b + \\delta$, $\\delta \\ge 0$, where the "
          "two sides differ by", "因此在 $a > b$ 处 $D^*(x) = 0$，在 $a < b$ 处 $D^*(x) = m$，最小值为 "
          "$m \\min(a, b)$，且 $\\min(a, b) = (a + b - |a - b|)/2$；sympy 在 $b = a + \\delta$ 和 "
          "$a = b + \\delta$（$\\delta \\ge 0$）两种情形下验证后者，两边之差分别为",
          r"\min_t f(t) = " + sp.latex(best) + r",\qquad \min(a, b) - \tfrac{a + b - |a - b|}{2} = "
          + sp.latex(identity[0]) + r",\ " + sp.latex(identity[1]), identity)
    d.add("value", "Sum over $x$ ($\\sum a = \\sum b = 1$): the best discriminator's value is the "
          "margin times one minus the total variation distance",
          "对 $x$ 求和（$\\sum a = \\sum b = 1$）：最优判别器的值等于间隔乘以一减总变差距离",
          r"\min_D V(D, G) = m \sum_x \min(p_{data}, p_g) = m\,(1 - \mathrm{TV}) \;\le\; m", None)
    d.add("theorem", "The bound $m$ is reached only where TV = 0: only $p_g = p_{data}$ leaves the "
          "discriminator nothing to gain, the paper's Theorem 1 (the generator, minimising "
          "$\\sum p_g D^*$, pushes towards it)", "只有 TV = 0 时才能达到上界 $m$：只有 "
          "$p_g = p_{data}$ 才让判别器无利可图，这就是论文的定理 1（最小化 $\\sum p_g D^*$ 的"
          "生成器被推向这一点）",
          r"\min_D V(D, G) = m \iff \mathrm{TV}(p_{data}, p_g) = 0 \iff p_g = p_{data}", None)
    return d


def began_bound_derivation():
    """BEGAN's lower bound on W1 between the loss distributions, for two values on each side
    and any coupling γ of them: the difference of the means is the coupling's mean difference."""
    u1, u2, v1, v2 = sp.symbols("u_1 u_2 v_1 v_2", real=True)           # the two losses' values
    g11, g12, g21 = sp.symbols("gamma_11 gamma_12 gamma_21", nonnegative=True)
    g22 = sp.Symbol("gamma_22", nonnegative=True)
    gamma = {(0, 0): g11, (0, 1): g12, (1, 0): g21, (1, 1): g22}
    us, vs = (u1, u2), (v1, v2)
    p_u = [gamma[(i, 0)] + gamma[(i, 1)] for i in range(2)]              # the marginals
    p_v = [gamma[(0, j)] + gamma[(1, j)] for j in range(2)]
    m1 = sum(w * u for w, u in zip(p_u, us))
    m2 = sum(w * v for w, v in zip(p_v, vs))
    coupled = sum(gamma[(i, j)] * (us[i] - vs[j]) for i in range(2) for j in range(2))
    gap = sp.simplify(sp.expand(m1 - m2 - coupled))
    d = Derivation("began_bound")
    d.add("coupling", "Take any coupling $\\gamma$ of the two loss distributions $\\mu_1$, "
          "$\\mu_2$ (here two values each, $\\gamma_{ij}$ the mass moved from $u_i$ to $v_j$). "
          "The difference of the means is the coupling's mean difference:",
          "取两个损失分布 $\\mu_1$、$\\mu_2$ 的任意一个耦合 $\\gamma$（这里两边各取两个值，"
          "$\\gamma_{ij}$ 为从 $u_i$ 搬到 $v_j$ 的质量）。均值之差等于耦合下差值的均值：",
          r"m_1 - m_2 - \sum_{ij} \gamma_{ij}\,(u_i - v_j) = " + sp.latex(gap), gap)
    d.add("jensen", "Jensen's inequality for the convex $|\\cdot|$, then the infimum over all "
          "couplings, which is $W_1$:", "对凸函数 $|\\cdot|$ 用詹森不等式，再对所有耦合取下确界，"
          "即 $W_1$：",
          r"|m_1 - m_2| = \Big|\,\mathbb{E}_\gamma[u - v]\,\Big| \le \mathbb{E}_\gamma|u - v| "
          r"\quad\Longrightarrow\quad |m_1 - m_2| \le \inf_\gamma \mathbb{E}_\gamma|u - v| = W_1(\mu_1, \mu_2)",
          None)
    return d
