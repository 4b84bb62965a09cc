import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# CI draws the same examples every run (a submission's fate should not be a
# coin toss); local runs keep exploring new ones. A failure found locally is
# pinned with @example.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
