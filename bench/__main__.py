"""Entry point of ``make bench``; the benchmark suite is in ``bench.run``."""

from bench.run import main

main()
