"""Shared test settings."""

import os
from pathlib import Path

# The project's benchmark data lives in ../shared/data beside the repository (optional: tests that
# use it skip cleanly when it is absent). NEGSAMPLE_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("NEGSAMPLE_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))


# Fuzz tests (hypothesis) draw the same examples on every run, so that a CI run cannot fail on an
# input no earlier run saw; NEGSAMPLE_FUZZ_RANDOM=1 draws fresh ones (to hunt for new failures).
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # the test extras are not installed: the fuzz tests skip themselves
    pass
else:
    _hypothesis_settings.register_profile("negsample", derandomize=not os.environ.get("NEGSAMPLE_FUZZ_RANDOM"))
    _hypothesis_settings.load_profile("negsample")
