"""`python -m bench.web`: the web load benchmark (`fair bench web`)."""

import sys

from bench.web.cli import main

sys.exit(main())
