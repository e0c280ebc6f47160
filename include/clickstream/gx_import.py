"""Import Great Expectations without the two libraries that only one expectation the gates never use needs.

GX 1.24 imports every core expectation when it starts, and one of them (KL divergence) imports ``scipy.stats``
and ``altair`` at its top for its statistics and its chart: about 0.9 s of GX's 2.8 s import, and never touched
by the gates, whose checks are column minima and maxima. ``import_great_expectations`` puts a stand-in for each
in ``sys.modules`` first: GX binds the stand-in, and its first attribute read imports the real library and
answers from it, so code that does use them (a KL-divergence expectation, a Data Docs chart) still works.

A library, not a stage module: the deployed workers' preload (``clickstream.warm``) imports GX through it too.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

DEFERRED = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """Stands in for a module until something reads one of its attributes, then imports it and answers from it."""

    def __getattr__(self, attribute: str) -> Any:  # called only for what the stand-in lacks: all but its name
        return getattr(self._load(), attribute)

    def _load(self) -> types.ModuleType:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        vars(self).update({key: value for key, value in vars(real).items() if not key.startswith("__")})
        return real


def import_great_expectations() -> Any:
    """``great_expectations``, its usage analytics off and ``DEFERRED`` imported only when first used."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if "great_expectations" not in sys.modules:
        for name in DEFERRED:
            if name not in sys.modules:
                sys.modules[name] = _Deferred(name)
    import great_expectations

    return great_expectations
