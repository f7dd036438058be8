"""The truth that learned models are checked against.

Two kinds of truth live here:

* numerical divergences between 1-D distributions from ``ganlib.data`` (``kl``, ``js``,
  ``tv``, ``w1``, ``pearson_chi2``, ``f_divergence``), computed by adaptive quadrature
  (``scipy.integrate.quad``) over the supports, split where the densities change shape;
* symbolic derivations (sympy) that the chapters display step by step.

Conventions: natural logarithms (nats) throughout, and the Jensen–Shannon divergence *with*
its ½ factors, JS(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q), so that 0 ≤ JS ≤ log 2.
"""
from . import conjugates, derivations, divergences, nonparametric, transport
from .conjugates import *      # noqa: F401,F403
from .derivations import *     # noqa: F401,F403
from .divergences import *     # noqa: F401,F403
from .nonparametric import *   # noqa: F401,F403
from .transport import *       # noqa: F401,F403

__all__ = (divergences.__all__ + conjugates.__all__ + transport.__all__ + nonparametric.__all__
           + derivations.__all__)
from .function_space import *  # noqa: F401,F403,E402  Goodfellow et al.'s Proposition 2
__all__ += function_space.__all__  # noqa: F405
from . import information  # noqa: E402
from .information import *     # noqa: F401,F403,E402  InfoGAN's bound on discrete codes
__all__ += information.__all__
from . import energy  # noqa: E402
from .energy import *          # noqa: F401,F403,E402  EBGAN's game without parameters, BEGAN's bound
__all__ += energy.__all__
from . import evaluation  # noqa: E402
from .evaluation import *      # noqa: F401,F403,E402  the Fréchet distance as W2, a VAE's KL term
__all__ += evaluation.__all__
