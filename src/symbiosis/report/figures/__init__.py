"""The figures: one module per figure (its `plot`), all sharing `style`."""

import matplotlib

matplotlib.use("Agg")  # files only, no display: set before any figure module imports pyplot
