"""The kernel's stages as bit-exact functions on raw fixed-point arrays.

One module per stage: ``patch_embed``, ``linear`` (the unified linear engine),
``attention`` (reordered Q.K^T with single-pass softmax, fused A.V),
``residual`` and ``moe`` (gate, top-k, queues, experts, scatter-add).  LayerNorm,
softmax, GELU and the exp/reciprocal/rsqrt approximations live in their own
modules (``golden.layernorm``, ``golden.softmax``, ``golden.gelu``,
``golden.approx``).  ``golden.model`` chains them into the forward pass.
"""
