"""The truths behind the evaluation chapter: the Fréchet distance as the 2-Wasserstein distance
between Gaussians, and the Gaussian KL term of a VAE's evidence lower bound.

In 1-D the optimal coupling of two distributions is the monotone one, x = F⁻¹(u), y = G⁻¹(u):
for N(m₁, s₁²) and N(m₂, s₂²) it pairs m₁ + s₁z with m₂ + s₂z, z ~ N(0, 1), so
W₂² = E[((m₁ − m₂) + (s₁ − s₂) z)²] = (m₁ − m₂)² + (s₁ − s₂)², which is the Fréchet distance's
‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) at Σ = s².
"""
from __future__ import annotations

import sympy as sp

from .derivations import Derivation

__all__ = ["frechet_1d_derivation", "gaussian_kl_derivation"]


def frechet_1d_derivation():
    """W₂² between two 1-D Gaussians under the monotone coupling, by sympy's integral over z."""
    m1, m2 = sp.symbols("m_1 m_2", real=True)
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    z = sp.Symbol("z", real=True)
    phi = sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi)
    d = Derivation("frechet_1d")
    d.add("coupling", "In 1-D the optimal coupling is monotone: it pairs equal quantiles, "
          "$x = m_1 + s_1 z$ with $y = m_2 + s_2 z$, $z \\sim \\mathcal N(0, 1)$, so",
          "一维情形下最优耦合是单调的：它把相同分位数配成一对，$x = m_1 + s_1 z$ 配 "
          "$y = m_2 + s_2 z$，$z \\sim \\mathcal N(0, 1)$，于是",
          r"W_2^2 = \int_{-\infty}^{\infty} \big((m_1 - m_2) + (s_1 - s_2)\,z\big)^2\,\varphi(z)\,dz",
          None)
    w2 = sp.simplify(sp.integrate(((m1 - m2) + (s1 - s2) * z) ** 2 * phi, (z, -sp.oo, sp.oo)))
    d.add("w2", "sympy integrates it:", "sympy 求出这个积分：", r"W_2^2 = " + sp.latex(sp.factor_terms(w2)), w2)
    frechet = (m1 - m2) ** 2 + s1 ** 2 + s2 ** 2 - 2 * sp.sqrt(s1 ** 2 * s2 ** 2)
    gap = sp.simplify(sp.expand(frechet - w2))
    d.add("frechet", "The Fréchet distance with $\\Sigma_i = s_i^2$ is the same number:",
          "取 $\\Sigma_i = s_i^2$，Fréchet 距离给出同一个数：",
          r"(m_1 - m_2)^2 + s_1^2 + s_2^2 - 2\sqrt{s_1^2 s_2^2} - W_2^2 = " + sp.latex(gap), gap)
    return d


def gaussian_kl_derivation():
    """KL(N(μ, σ²) ‖ N(0, 1)), the KL term of a VAE with a Gaussian encoder and a standard
    normal prior, per latent dimension, by sympy's integral."""
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    z = sp.Symbol("z", real=True)
    q = sp.exp(-(z - mu) ** 2 / (2 * sigma ** 2)) / (sigma * sp.sqrt(2 * sp.pi))
    log_ratio = sp.expand(-(z - mu) ** 2 / (2 * sigma ** 2) - sp.log(sigma) + z ** 2 / 2)   # log q − log p
    d = Derivation("gaussian_kl")
    d.add("definition", "The encoder's $q = \\mathcal N(\\mu, \\sigma^2)$ against the prior "
          "$p = \\mathcal N(0, 1)$; the normalising constants cancel in $\\log q - \\log p$:",
          "编码器给出 $q = \\mathcal N(\\mu, \\sigma^2)$，先验为 $p = \\mathcal N(0, 1)$；"
          "$\\log q - \\log p$ 中归一化常数相互抵消：",
          r"\mathrm{KL}(q\,\|\,p) = \mathbb{E}_q\Big[" + sp.latex(log_ratio) + r"\Big]", log_ratio)
    kl = sp.simplify(sp.integrate(q * log_ratio, (z, -sp.oo, sp.oo)))
    closed = (mu ** 2 + sigma ** 2 - 1 - 2 * sp.log(sigma)) / 2
    d.add("kl", "sympy integrates it:", "sympy 求出这个积分：", r"\mathrm{KL}(q\,\|\,p) = " + sp.latex(kl), kl)
    d.add("closed", "which is the closed form that VAE code uses, with $\\log\\sigma^2$ as the "
          "encoder's output:", "这正是 VAE 代码里使用的闭式解（编码器输出 $\\log\\sigma^2$）：",
          r"\tfrac12\big(\mu^2 + \sigma^2 - 1 - \log\sigma^2\big) - \mathrm{KL} = "
          + sp.latex(sp.simplify(closed - kl)), sp.simplify(closed - kl))
    return d
