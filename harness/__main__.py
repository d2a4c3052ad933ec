import logging
import os
import sys

from harness.cli import main

code = main()
# Every part is stopped by now. Tearing down the interpreter would spend seconds freeing the
# emulator's in-memory state, which the process is about to drop anyway.
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
