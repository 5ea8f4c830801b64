"""`python -m bench.drill`: the fair-day drill (`fair drill`), and its client workers."""

import sys

from bench.drill.cli import main

sys.exit(main())
