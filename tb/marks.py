"""The marks of the benches' pytest tests, stated once.

Every test that runs an RTL simulation carries ``sim`` and a timeout (a build
and a run can hang); a bench's mutant test is also marked ``mutant`` and
parametrised over its mutants. The decorators apply the same marks, in the same
order, as the ``@pytest.mark`` lines written out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

__all__ = ["mutant_test", "sim_test"]


def sim_test(timeout: int, *kinds: pytest.MarkDecorator) -> Callable:
    """An RTL simulation test (``sim``) of the further ``kinds`` (``hypothesis``,
    ``variant``, ``perf`` ...) with ``timeout`` seconds. A ``parametrize`` stays
    a decorator of its own below it."""
    stack = (pytest.mark.sim, *kinds, pytest.mark.timeout(timeout))

    def mark(test: Callable) -> Callable:
        for each in reversed(stack):  # innermost first, as stacked decorators apply
            test = each(test)
        return test

    return mark


def mutant_test(mutants: Mapping[str, object], *, timeout: int = 900) -> Callable:
    """A bench's mutant test: a simulation marked ``mutant``, parametrised as
    ``mutant`` over the names of ``mutants`` in sorted order."""
    over_mutants = pytest.mark.parametrize("mutant", sorted(mutants))
    return lambda test: sim_test(timeout, pytest.mark.mutant)(over_mutants(test))
