"""``python -m negsample.cli``: the same as the ``negsample`` command."""

import sys

from . import main

sys.exit(main())
