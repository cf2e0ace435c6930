"""Entry point of `python -m core`."""

import atexit
import os
import sys

from core.cli import main

code = main()
# Once TensorFlow has run, the interpreter's own teardown held the process 1.2-1.4 s after the work was
# done (measured after recommender training). The exit handlers still run (DuckDB closes and
# checkpoints), output is flushed, and only that teardown is skipped. An exception still exits normally.
atexit._run_exitfuncs()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
