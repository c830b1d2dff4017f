"""Hardware-style approximations of the golden model: exp(x <= 0), 1/x and 1/sqrt(x).

Each works on raw integer arrays with exact integer arithmetic and states
every quantisation point in its docstring; tables come from ``golden.approx.tables``
and parameters from ``golden.config`` (``ExpConfig``, ``RecipConfig``,
``RsqrtConfig`` and the formats ``exp_out``, ``recip_out``, ``rsqrt_out``).
"""

from golden.approx.exp import exp_neg
from golden.approx.reciprocal import reciprocal, reciprocal_parts
from golden.approx.rsqrt import rsqrt, rsqrt_parts

__all__ = ["exp_neg", "reciprocal", "reciprocal_parts", "rsqrt", "rsqrt_parts"]
