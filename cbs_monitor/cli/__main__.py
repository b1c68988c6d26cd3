"""`python -m cbs_monitor.cli`: the same as the `cbs-monitor` command."""

import sys

from cbs_monitor.cli import main

sys.exit(main())
