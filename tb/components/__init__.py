"""Verification components shared by the benches: drivers, memory models and
harnesses that know a protocol, not a unit (the bench folders hold the tops,
stimulus, models and tests of one unit each).

* ``channel``: the per-cycle valid/ready channel engine every driver below runs on.
* ``stream``: clock, reset and the stream driver of the unit benches.
* ``unit_checks``: cocotb test bodies shared by the stream benches.
* ``nr_bench`` / ``nr_pytest``: the tests shared by the recip and rsqrt benches.
* ``bench_pytest``: a bench's build stated once (``BenchBuild``), its cocotb runs as
  pytest tests, its K variants and mutant builds.
* ``enginemem``: the Python memory on an engine's memory port.
* ``engine_bench``: the job harness of the engine benches.
* ``axi``: the AXI4-Lite control driver (``control``, ``lite_driver``), AxiRam with
  error regions, the AXI protocol monitor and the DMA command driver (``protocol``).
* ``dpi_memory``: the DPI-C buffer of the fast memory path as a NumPy array.
"""
