"""`python -m bench.rooms`: the rooms benchmark, and (`--serve`) one of its servers."""

import sys

from bench.rooms.cli import main

sys.exit(main())
