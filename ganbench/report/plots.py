"""Plots: sample scatters and grids, loss curves, headline-metric bar charts.

Figures are ``matplotlib.figure.Figure`` objects rendered to PNG bytes and written atomically; the
global pyplot state and backend are never touched, so plotting works inside a user's notebook or
GUI session without changing it. Every text drawn goes through
:func:`ganbench.report.escape.plot_text` (a ``$`` in a name is a dollar sign, not mathtext) and names
through :func:`~ganbench.report.escape.shorten` (long names cut with an ellipsis)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.report.escape import plot_text, shorten


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _save(fig, path: Path) -> None:
    import io

    from ganbench.utils.atomic import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")  # a bare Figure draws with Agg
    atomic_write_bytes(Path(path), buf.getvalue())


def sample_image(task, fake: torch.Tensor, ax, title: str = "", n: int = 2500) -> None:
    """Draw generated samples on ``ax``: a scatter over the mixture centers for 2-D tasks, the first
    two coordinates otherwise; a grid of the first 64 images for image tasks. On a conditional task
    (sample i generated for class i mod K) points are coloured by class and the grid has one column
    per class."""
    fake = torch.as_tensor(fake)
    k = getattr(task, "n_classes", 0)
    if task.is_image:
        from torchvision.utils import make_grid

        cols = k if k else 8
        grid = make_grid(fake[: cols * 8].float().clamp(-1, 1), nrow=cols, normalize=True, value_range=(-1, 1),
                         pad_value=1.0)
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    else:
        x = fake[:n].numpy()
        if hasattr(task, "centers"):  # hollow markers under the samples, so tight modes stay visible
            c = task.centers
            ax.scatter(c[:, 0], c[:, 1], s=40, marker="o", facecolors="none", edgecolors="tab:red", linewidths=0.8,
                       zorder=1)
        if k:
            ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.5, c=task.eval_labels(len(x)).numpy() % 10, cmap="tab10",
                       vmin=0, vmax=9, linewidths=0, zorder=2)
        else:
            ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.4, color="tab:blue", linewidths=0, zorder=2)
        if hasattr(task, "centers"):
            pad = 0.3 * (c[:, :2].max() - c[:, :2].min() + 1e-9)
            ax.set_xlim(c[:, 0].min() - pad, c[:, 0].max() + pad)
            ax.set_ylim(c[:, 1].min() - pad, c[:, 1].max() + pad)
        ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(plot_text(title), fontsize=9)


def save_samples(path, task, fake, title: str = "") -> None:
    fig = _figure(figsize=(4, 4))
    ax = fig.subplots()
    sample_image(task, fake, ax, title)
    _save(fig, path)


def save_loss_curves(path, history: dict, title: str = "") -> None:
    fig = _figure(figsize=(5, 3))
    ax = fig.subplots()
    ax.plot(history.get("step", []), history.get("d_loss", []), label="D loss")
    ax.plot(history.get("step", []), history.get("g_loss", []), label="G loss")
    ax.set_xlabel("generator step")
    ax.legend()
    ax.set_title(plot_text(title), fontsize=9)
    _save(fig, path)


def save_translation_panel(path, fakes: dict, title: str = "", n: int = 12) -> None:
    """Translations of the first ``n`` test inputs, one row per variant (``fakes``: name -> outputs of
    seed 0), the inputs (``identity``) first and the targets (``real``) last, so that input, output and
    target of one image stand in one column."""
    order = sorted(fakes, key=lambda k: (k != "identity", k == "real", k == "init"))
    fig = _figure(figsize=(0.7 * n + 1.6, 0.75 * len(order) + 0.6))
    axes = fig.subplots(len(order), 1, squeeze=False)[:, 0]
    from torchvision.utils import make_grid

    for ax, name in zip(axes, order):
        x = torch.as_tensor(fakes[name])[:n].float().clamp(-1, 1)
        grid = make_grid(x, nrow=n, normalize=True, value_range=(-1, 1), pad_value=1.0)
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        label = {"identity": "input", "real": "target"}.get(name, name)
        ax.set_ylabel(plot_text(shorten(label)), rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(plot_text(title), fontsize=9)
    _save(fig, path)


def save_sample_panel(path, task, fakes: dict, title: str = "") -> None:
    """One panel per variant: ``fakes`` maps variant name -> samples (seed 0); on a translation task
    one row of translations per variant (:func:`save_translation_panel`)."""
    if getattr(task, "kind", "") == "translation":
        return save_translation_panel(path, fakes, title)
    n = max(1, len(fakes))
    cols = min(n, 5)
    rows = int(np.ceil(n / cols))
    fig = _figure(figsize=(2.8 * cols, 2.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, (name, fake) in zip(axes.flat, fakes.items()):
        sample_image(task, fake, ax, shorten(name))
    fig.suptitle(plot_text(title))
    _save(fig, path)


def save_reconstruction_panel(path, task, recons: dict, title: str = "") -> None:
    """An encoder GAN's reconstructions next to their inputs; ``recons`` maps variant name -> array
    (2, n, *shape) of held-out inputs and their reconstructions G(E(x)) (seed 0). Images: the inputs
    in the first row, one row of reconstructions per variant; vectors: one panel per variant, a grey
    segment from each input (first two coordinates) to its reconstruction (a dot)."""
    if task.is_image:
        first = next(iter(recons.values()))
        return save_translation_panel(path, {"identity": first[0], **{k: v[1] for k, v in recons.items()}}, title,
                                      n=len(first[0]))
    n = max(1, len(recons))
    fig = _figure(figsize=(2.8 * n, 3.0))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, (name, pair) in zip(axes, recons.items()):
        x, r = np.asarray(pair[0])[:, :2], np.asarray(pair[1])[:, :2]
        segments = np.stack([x, r], 1)
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.5, zorder=1))
        ax.scatter(x[:, 0], x[:, 1], s=3, color="tab:red", linewidths=0, zorder=2, label="input")
        ax.scatter(r[:, 0], r[:, 1], s=3, color="tab:blue", linewidths=0, zorder=3, label="G(E(x))")
        lo, hi = x.min(0), x.max(0)
        pad = 0.3 * (hi - lo).max() + 1e-9
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(plot_text(shorten(name)), fontsize=9)
    axes[0].legend(fontsize=7, loc="lower left", markerscale=3)
    fig.suptitle(plot_text(title), fontsize=9)
    _save(fig, path)


def save_metric_bars(path, table, metric: str, title: str = "", references=()) -> None:
    """Bar chart of ``metric`` mean ± std per variant from a wide leaderboard (pandas DataFrame with
    columns ``variant``, ``{metric} mean``, ``{metric} std``); ``references`` (the real and init rows)
    are drawn as grey bars."""
    fig = _figure(figsize=(max(4, 0.6 * len(table) + 1), 3.2))
    ax = fig.subplots()
    x = np.arange(len(table))
    colors = ["0.6" if v in references else "tab:blue" for v in table["variant"]]
    ax.bar(x, table[f"{metric} mean"], yerr=table[f"{metric} std"].fillna(0), capsize=3, color=colors, alpha=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([plot_text(shorten(v)) for v in table["variant"]], rotation=45, ha="right")
    ax.set_ylabel(plot_text(metric))
    ax.set_title(plot_text(title), fontsize=10)
    _save(fig, path)


def save_mixing_grid(path, grid: np.ndarray, title: str = "") -> None:
    """A style-mixing grid (R + 1, C + 1, ch, H, W) as ``style_mixing_grids`` saves it: the row sources
    down the left, the column sources along the top, each cell one mix."""
    from torchvision.utils import make_grid

    x = torch.as_tensor(grid).float().clamp(-1, 1)
    r, c = x.shape[:2]
    x[0, 0] = 1.0  # the empty corner drawn white
    img = make_grid(x.reshape(r * c, *x.shape[2:]), nrow=c, normalize=True, value_range=(-1, 1), pad_value=1.0)
    fig = _figure(figsize=(0.6 * c + 1.2, 0.6 * r + 1.0))
    ax = fig.subplots()
    ax.imshow(img.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("columns: fine styles (16x16, 32x32)", fontsize=7)
    ax.set_ylabel("rows: coarse styles (4x4, 8x8)", fontsize=7)
    fig.suptitle(plot_text(title), fontsize=8)
    _save(fig, path)


def save_truncation_curve(path, table, title: str = "") -> None:
    """FID against the truncation ψ per variant (Karras et al. 2019), from a wide leaderboard whose
    ``fid_psi<ψ>[...]`` columns hold the truncated points and ``fid[...]`` the protocol's ψ = 1:
    mean ± std over seeds; variants without truncated points are left out."""
    cols = {float(c.split("[")[0][len("fid_psi"):]): c[: -len(" mean")] for c in table.columns
            if c.startswith("fid_psi") and c.endswith(" mean")}
    head = next(c[: -len(" mean")] for c in table.columns if c.startswith("fid[") and c.endswith(" mean"))
    cols[1.0] = head
    psis = sorted(cols)
    fig = _figure(figsize=(4.2, 3.2))
    ax = fig.subplots()
    for _, row in table.iterrows():
        means = [row[f"{cols[p]} mean"] for p in psis]
        if any(not np.isfinite(m) for m in means):
            continue
        stds = [row[f"{cols[p]} std"] if np.isfinite(row[f"{cols[p]} std"]) else 0.0 for p in psis]
        ax.errorbar(psis, means, yerr=stds, marker="o", capsize=3, label=plot_text(shorten(row["variant"])))
    ax.set_xlabel("truncation ψ")
    ax.set_ylabel(plot_text(head))
    ax.legend(fontsize=7)
    ax.set_title(plot_text(title), fontsize=9)
    _save(fig, path)


def save_learning_curves(path, budgets, panels, references=None, xlabel: str = "budget", ylabel: str = "",
                         title: str = "", band_label: str = "pointwise 95% bootstrap band") -> None:
    """Learning curves: a metric against the budget on a log axis, one panel per generator judged.

    ``budgets``: the grid (increasing); ``panels``: ``[(panel title, [(variant, mean, lo, hi), ...]),
    ...]``, each curve drawn as its mean (a line with markers) and a shaded band ``[lo, hi]`` (labelled
    ``band_label`` in the legend); a variant keeps its colour in every panel. ``references``: ``{label:
    (mean, lo, hi)}`` (the floor and ceiling rows), drawn as horizontal lines with a shaded CI across the
    whole axis. Infinite values (a diverged seed of an unbounded metric makes the mean infinite) are
    left off the line and marked by a triangle at the edge of the axes, and a band that reaches them is
    drawn to that edge."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    budgets = np.asarray(budgets, float)
    panels = list(panels)
    references = references or {}
    fig = _figure(figsize=(4.6 * len(panels) + 2.2, 3.6))
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    variants = list(dict.fromkeys(v for _, curves in panels for v, *_ in curves))
    from matplotlib import colormaps

    palette = [f"C{i}" for i in range(10)] if len(variants) <= 10 else list(colormaps["tab20"].colors)
    colour = {v: palette[i % len(palette)] for i, v in enumerate(variants)}
    finite = [x for _, curves in panels for _, m, lo, hi in curves for x in (*m, *lo, *hi) if np.isfinite(x)]
    finite += [x for m, lo, hi in references.values() for x in (m, lo, hi) if np.isfinite(x)]
    lo_y, hi_y = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = 0.05 * (hi_y - lo_y or 1.0)
    ylim = (lo_y - pad, hi_y + pad)
    unbounded = False
    ref_style = [("0.15", "--"), ("0.5", ":")]  # neutral, so no variant's colour reads as a reference
    for ax, (panel_title, curves) in zip(axes, panels):
        for i, (label, (m, lo, hi)) in enumerate(references.items()):
            c, style = ref_style[i % len(ref_style)]
            if np.isfinite(lo) and np.isfinite(hi):
                ax.axhspan(lo, hi, color=c, alpha=0.12, linewidth=0, zorder=0)
            if np.isfinite(m):
                ax.axhline(m, color=c, linestyle=style, linewidth=1.1, zorder=1)
                ax.annotate(plot_text(shorten(label.split(":", 1)[0], 20)), (0.01, m),
                            xycoords=("axes fraction", "data"), xytext=(0, 2), textcoords="offset points", fontsize=7,
                            color=c, va="bottom")
        for v, m, lo, hi in curves:
            m, lo, hi = (np.asarray(a, float) for a in (m, lo, hi))
            lo = np.clip(np.where(np.isnan(lo), m, lo), *ylim)
            hi = np.clip(np.where(np.isnan(hi), m, hi), *ylim)
            ax.fill_between(budgets, lo, hi, color=colour[v], alpha=0.18, linewidth=0, zorder=2)
            ax.plot(budgets, np.where(np.isfinite(m), m, np.nan), color=colour[v], marker="o", markersize=3,
                    linewidth=1.4, zorder=3)
            off = np.isinf(m)
            if off.any():  # the mean is unbounded there: a mark at the edge it left by
                unbounded = True
                edge = np.where(m[off] > 0, ylim[1], ylim[0])
                ax.plot(budgets[off], edge, linestyle="none", marker="^" if m[off][0] > 0 else "v", markersize=6,
                        color=colour[v], clip_on=False, zorder=4)
        ax.set_xscale("log")
        ax.set_xlim(budgets[0] / 1.3, budgets[-1] * 1.3)
        ax.set_xticks(budgets)  # the grid's own points, not powers of ten
        ax.set_xticklabels(budget_tick_labels(budgets), fontsize=7)
        ax.minorticks_off()
        ax.set_ylim(*ylim)
        ax.set_xlabel(plot_text(xlabel))
        ax.grid(True, which="major", color="0.9", linewidth=0.6)
        ax.set_title(plot_text(panel_title), fontsize=9)
    axes[0].set_ylabel(plot_text(ylabel))
    handles = [Line2D([], [], color=colour[v], marker="o", markersize=3, label=plot_text(shorten(v))) for v in variants]
    handles.append(Patch(color="0.5", alpha=0.3, label=plot_text(band_label)))
    if unbounded:
        handles.append(Line2D([], [], color="0.3", marker="^", linestyle="none",
                              label="mean off the scale (a diverged seed, unbounded metric)"))
    for i, label in enumerate(references):
        c, style = ref_style[i % len(ref_style)]
        handles.append(Line2D([], [], color=c, linestyle=style, label=plot_text(shorten(label, 48))))
    axes[-1].legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    fig.suptitle(plot_text(title), fontsize=9, y=1.03)
    _save(fig, path)


def save_expected_best(path, curves, defaults=None, ylabel: str = "", title: str = "") -> None:
    """The expected best of n configurations against n (log axis), every variant on one axis
    (:mod:`ganbench.report.tuning`). ``curves``: ``[(variant, n, values), ...]``; ``defaults``:
    ``{variant: configuration 0's value}``, drawn as a hollow marker at n = 1 in the variant's colour (the
    recipe as shipped, against the mean of one random configuration)."""
    from matplotlib.lines import Line2D

    defaults = defaults or {}
    fig = _figure(figsize=(6.4, 3.8))
    ax = fig.subplots()
    top = 1
    for i, (variant, n, values) in enumerate(curves):
        n, values = np.asarray(n, float), np.asarray(values, float)
        colour = f"C{i % 10}"
        ax.plot(n, np.where(np.isfinite(values), values, np.nan), color=colour, marker="o", markersize=3,
                linewidth=1.4, label=plot_text(shorten(variant)))
        d = defaults.get(variant)
        if d is not None and np.isfinite(d):
            ax.plot([1], [d], linestyle="none", marker="D", markersize=6, markerfacecolor="none", color=colour)
        top = max(top, int(n[-1]) if len(n) else 1)
    ax.set_xscale("log")
    ticks = sorted({t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if t <= top} | {top})
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks], fontsize=7)
    ax.minorticks_off()
    ax.set_xlim(0.85, top * 1.15)
    ax.set_xlabel("n, configurations tried (log scale)")
    ax.set_ylabel(plot_text(ylabel), fontsize=8)
    ax.grid(True, which="major", color="0.9", linewidth=0.6)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], linestyle="none", marker="D", markerfacecolor="none", color="0.3",
                          label="the default recipe (configuration 0), one seed"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    ax.set_title(plot_text(title), fontsize=9)
    _save(fig, path)


def budget_tick_labels(budgets) -> list[str]:
    """Tick labels of a log budget axis: thousands as "k" (15,000 -> "15k"), and a point closer than
    0.15 decade (a factor 1.41) to the next labelled one left unlabelled so labels never overprint;
    the last point is always labelled."""
    def text(b):
        b = float(b)
        if b >= 1000 and (b / 1000).is_integer():
            return f"{b / 1000:,.0f}k"
        return f"{b:,.0f}" if b.is_integer() else f"{b:g}"

    labels, kept = [""] * len(budgets), None
    for i in reversed(range(len(budgets))):
        if kept is None or np.log10(kept / float(budgets[i])) >= 0.15:
            labels[i], kept = text(budgets[i]), float(budgets[i])
    return labels
