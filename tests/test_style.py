"""The shared sparsity axis of the figures: levels at -log10(1 - s), labelled with s."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from symbiosis.report.figures import style  # noqa: E402


def test_sparsity_position_spaces_each_tenfold_drop_of_the_kept_weights_equally():
    positions = style.sparsity_position([0.0, 0.9, 0.99, 0.999])
    assert np.allclose(positions, [0, 1, 2, 3])
    assert np.allclose(style.sparsity_position(pd.Series([0.99])), [2])


def test_sparsity_axis_labels_each_level_at_its_position():
    fig, ax = plt.subplots()
    levels = [0.995, 0.0, 0.8, 0.8, 0.98]
    style.sparsity_axis(ax, levels)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.8", "0.98", "0.995"]
    assert np.allclose(ax.get_xticks(), -np.log10(1 - np.array([0.0, 0.8, 0.98, 0.995])))
    plt.close(fig)


def test_display_name_names_the_rankings_and_spaces_out_unknown_identifiers():
    assert style.display_name("gradient_x_activation") == "gradient \N{MULTIPLICATION SIGN} activation"
    assert style.display_name("ablation") == "exact ablation (ceiling)"
    assert style.display_name("some_new_score") == "some new score"
