"""Plots (ganbench.report.plots): what is drawn, and names that matplotlib would otherwise parse as math."""
import math

import pandas as pd
import pytest

from ganbench.report import plots


def test_truncation_curve_plots_the_style_variants_only(tmp_path, monkeypatch):
    import matplotlib.axes

    table = pd.DataFrame({"variant": ["stylegan", "progan"],
                          "fid[digits32] mean": [400.0, 300.0], "fid[digits32] std": [10.0, 5.0],
                          "fid_psi0.5[digits32] mean": [700.0, math.nan], "fid_psi0.5[digits32] std": [50.0, math.nan],
                          "fid_psi0.7[digits32] mean": [500.0, math.nan], "fid_psi0.7[digits32] std": [20.0, math.nan]})
    drawn, real = [], matplotlib.axes.Axes.errorbar

    def spy(self, x, y, *a, **k):
        drawn.append((k["label"], list(x), list(y)))
        return real(self, x, y, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, "errorbar", spy)
    plots.save_truncation_curve(tmp_path / "t.png", table)
    assert (tmp_path / "t.png").stat().st_size > 0
    assert drawn == [("stylegan", [0.5, 0.7, 1.0], [700.0, 500.0, 400.0])]  # progan has no truncated points


@pytest.mark.parametrize("name", ["a$^$", "$x$ and $", "\\$", "n" * 300, "line\nbreak"])
def test_names_are_drawn_as_text_not_mathtext(tmp_path, monkeypatch, name):
    """A `$` in a name used to reach matplotlib's mathtext parser (a ParseSyntaxException when the figure was
    drawn); long names are cut with an ellipsis so the labels keep the layout."""
    import matplotlib.axis

    labels = []
    real = matplotlib.axis.Axis.set_ticklabels

    def spy(self, ticklabels, *a, **k):
        labels.extend(ticklabels)
        return real(self, ticklabels, *a, **k)

    monkeypatch.setattr(matplotlib.axis.Axis, "set_ticklabels", spy)
    table = pd.DataFrame({"variant": [name, "real"], "m mean": [1.0, 2.0], "m std": [0.1, math.nan]})
    plots.save_metric_bars(tmp_path / "bars.png", table, "m", title=f"{name}: m", references=["real"])
    assert (tmp_path / "bars.png").stat().st_size > 0
    assert len(labels[0]) <= 40 + name.count("$") and "\n" not in labels[0]
    frame = pd.DataFrame({"variant": [name], "fid[x] mean": [1.0], "fid[x] std": [0.1],
                          "fid_psi0.5[x] mean": [2.0], "fid_psi0.5[x] std": [0.2]})
    plots.save_truncation_curve(tmp_path / "t.png", frame, title=name)
    assert (tmp_path / "t.png").stat().st_size > 0


def test_learning_curves_draw_each_panel_band_and_reference(tmp_path, monkeypatch):
    import matplotlib.axes

    fills, spans = [], []
    real_fill, real_span = matplotlib.axes.Axes.fill_between, matplotlib.axes.Axes.axhspan

    def fill(self, x, lo, hi, *a, **k):
        fills.append((list(x), list(lo), list(hi)))
        return real_fill(self, x, lo, hi, *a, **k)

    def span(self, lo, hi, *a, **k):
        spans.append((lo, hi))
        return real_span(self, lo, hi, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, "fill_between", fill)
    monkeypatch.setattr(matplotlib.axes.Axes, "axhspan", span)
    budgets = [100, 1000, 10000]
    curves = [("a$^$", [0.9, 0.5, 0.2], [0.8, 0.4, 0.1], [1.0, 0.6, 0.3]),
              ("b", [0.9, math.inf, math.inf], [0.85, 0.7, 0.7], [0.95, math.inf, math.inf])]  # diverged: off the top
    plots.save_learning_curves(tmp_path / "c.png", budgets, [("ema", curves), ("raw", curves[:1])],
                               {"ceiling: real": (0.02, 0.01, 0.03), "floor: init": (0.98, 0.97, 0.99)},
                               xlabel="G steps", ylabel="mode TV", title="t$x$")
    assert (tmp_path / "c.png").stat().st_size > 0
    assert len(fills) == 3 and spans == [(0.01, 0.03), (0.97, 0.99)] * 2
    top = fills[1][2]
    assert top[0] == 0.95 and top[1] == top[2] and math.isfinite(top[1]) and top[1] > 0.99  # clipped to the edge


def test_budget_ticks_never_overprint_and_name_thousands_short():
    from ganbench.report.plots import budget_tick_labels

    assert budget_tick_labels([200, 500, 1000, 2000, 5000, 10000, 15000]) == ["200", "500", "1k", "2k", "5k", "10k", "15k"]
    # 1.5k sits 0.125 decade below 2k: unlabelled; the last point is always labelled
    assert budget_tick_labels([250, 500, 1000, 1500, 2000, 3000]) == ["250", "500", "1k", "", "2k", "3k"]
    assert budget_tick_labels([0.5, 1, 2.5]) == ["0.5", "1", "2.5"]
    assert budget_tick_labels([2900, 3000]) == ["", "3k"]
