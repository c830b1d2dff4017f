"""Root of every pytest run: the regression plugin (seed, shards, report; ci/regression),
and pytester for the tests of that plugin (ci/tests)."""

pytest_plugins = ("ci.regression.plugin", "pytester")
