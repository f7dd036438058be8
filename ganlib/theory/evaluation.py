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

__all__ = ["frechet_1d_derivation", "gaussian_kl_derivation", "elbo_derivation"]


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


def elbo_derivation():
    """The evidence lower bound on a model where everything is exact: z ~ N(0, 1),
    x | z ~ N(w z, s²), and any Gaussian q(z) = N(m, v).  sympy integrates the ELBO
    E_q[log p(x | z) + log p(z) − log q(z)], the marginal log p(x) = log N(x; 0, w² + s²) and the
    posterior p(z | x), and shows that log p(x) − ELBO = KL(q ‖ p(z | x)) ≥ 0: the bound is tight
    exactly when q is the posterior."""
    x, w = sp.symbols("x w", real=True)
    s, v = sp.symbols("s v", positive=True)
    m, z = sp.symbols("m z", real=True)

    def log_normal(t, mean, var):
        return -(t - mean) ** 2 / (2 * var) - sp.log(2 * sp.pi * var) / 2

    q = sp.exp(log_normal(z, m, v))
    d = Derivation("elbo")
    integrand = sp.expand(log_normal(x, w * z, s ** 2) + log_normal(z, 0, 1) - log_normal(z, m, v))
    d.add("definition", "The model $z \\sim \\mathcal N(0, 1)$, $x \\mid z \\sim \\mathcal N(wz, s^2)$ "
          "and an encoder's guess $q(z) = \\mathcal N(m, v)$; the ELBO is the expectation under $q$ of",
          "模型为 $z \\sim \\mathcal N(0, 1)$、$x \\mid z \\sim \\mathcal N(wz, s^2)$，编码器给出的猜测为 "
          "$q(z) = \\mathcal N(m, v)$；ELBO 是下式在 $q$ 下的期望：",
          r"\log p(x \mid z) + \log p(z) - \log q(z)", integrand)
    elbo = sp.simplify(sp.integrate(sp.expand(q * integrand), (z, -sp.oo, sp.oo)))
    d.add("elbo", "sympy integrates it:", "sympy 求出这个积分：",
          r"\mathrm{ELBO}(m, v) = " + sp.latex(sp.expand(sp.expand_log(elbo, force=True))), elbo)
    recon = -((x - w * m) ** 2 + w ** 2 * v) / (2 * s ** 2) - sp.log(2 * sp.pi * s ** 2) / 2
    kl_prior = (m ** 2 + v - 1 - sp.log(v)) / 2
    split = sp.simplify(sp.expand(sp.expand_log(elbo - (recon - kl_prior), force=True)))
    d.add("split", "It is the expected reconstruction log-likelihood minus the Gaussian KL term "
          "to the prior, the two terms that VAE code computes:",
          "它等于重构对数似然的期望减去到先验的高斯 KL 项，也就是 VAE 代码里计算的两项：",
          r"\mathrm{ELBO} - \Big[\underbrace{-\tfrac{(x - wm)^2 + w^2 v}{2s^2} - \tfrac12\log 2\pi s^2}"
          r"_{\mathbb E_q \log p(x\mid z)} - \underbrace{\tfrac12(m^2 + v - 1 - \log v)}"
          r"_{\mathrm{KL}(q\,\|\,p(z))}\Big] = " + sp.latex(split), split)
    evidence = log_normal(x, 0, w ** 2 + s ** 2)
    d.add("evidence", "The evidence itself is Gaussian, $x \\sim \\mathcal N(0, w^2 + s^2)$:",
          "证据本身是高斯的，$x \\sim \\mathcal N(0, w^2 + s^2)$：",
          r"\log p(x) = " + sp.latex(evidence), evidence)
    post_mean, post_var = w * x / (w ** 2 + s ** 2), s ** 2 / (w ** 2 + s ** 2)
    kl_post = (sp.log(post_var / v) + (v + (m - post_mean) ** 2) / post_var - 1) / 2
    d.add("posterior", "The posterior is $\\mathcal N\\big(wx/(w^2+s^2),\\; s^2/(w^2+s^2)\\big)$, and "
          "the gap between the evidence and the bound is the KL divergence from $q$ to it:",
          "后验为 $\\mathcal N\\big(wx/(w^2+s^2),\\; s^2/(w^2+s^2)\\big)$，证据与下界之差正是 "
          "$q$ 到后验的 KL 散度：",
          r"\log p(x) - \mathrm{ELBO}(m, v) - \mathrm{KL}\big(q \,\|\, p(z \mid x)\big) = "
          + sp.latex(sp.simplify(sp.expand_log(evidence - elbo - kl_post, force=True))),
          sp.simplify(sp.expand_log(evidence - elbo - kl_post, force=True)))
    return d
