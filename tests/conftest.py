"""Shared test settings."""

import os
from pathlib import Path

# The project's benchmark data lives in ../shared/data beside the repository (optional: tests that
# use it skip cleanly when it is absent). NEGSAMPLE_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("NEGSAMPLE_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))
