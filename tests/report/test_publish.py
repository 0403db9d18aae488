"""Writing a run directory's leaderboard (ganbench.report.publish): every format, aggregated once, and
names chosen to break renderers (issue 42.3) rendered whole in every output."""
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from ganbench.records import RunDir, trial_id
from ganbench.report import claims as claims_module
from ganbench.report import html as html_module
from ganbench.report import publish
from ganbench.report.claims import ClaimVerdict, claims_markdown, claims_table
from ganbench.report.compare import compare_records, to_markdown
from ganbench.report.escape import CSV_TRIGGERS
from ganbench.report.publish import html_page, render, write_leaderboard
from ganbench.report.sequential import Design
from ganbench.report.tables import load_results

from .records import make, write


def _records():
    recs = []
    for s, (m, f) in enumerate([(8, 0.1), (7, 0.2), (8, 0.15), (8, 0.12)]):
        recs.append(make("ring8", "good", s, {"modes": m, "fid": f}))
    for s, (m, f) in enumerate([(2, 0.9), (3, 1.1), (2, 1.0), (2, 0.95)]):
        recs.append(make("ring8", "bad", s, {"modes": m, "fid": f}))
    for s, (m, f) in enumerate([(8, 0.12), (6, 0.3)]):
        recs.append(make("ring8", "close", s, {"modes": m, "fid": f}))
    recs.append(make("ring8", "close", 2, {}, status="diverged"))
    return recs


def test_render_formats_and_files(tmp_path):
    run = write(tmp_path / "run", _records())
    md = render(_records(), "md")
    assert "## ring8" in md and "modes[identity]" in md and "good ≈" in md and "| diverged |" in md.replace("   ", " ")
    assert "bad ≈" not in md and "diverged seed counts as the metric's worst value" in md
    assert render(_records(), "csv").startswith("variant,")
    assert "<table" in render(_records(), "html")
    with pytest.raises(ValueError, match="unknown format"):
        render(_records(), "pdf")
    paths = write_leaderboard(run)
    assert paths["md"].is_file() and paths["csv"].is_file() and (run / "leaderboard" / "ring8_modes.png").is_file()
    long = load_results(run)
    assert len(long) == 10 * 2 and set(long["column"]) == {"modes[identity]", "fid[identity]"}


def test_a_leaderboard_write_aggregates_once(tmp_path, monkeypatch):
    run = write(tmp_path / "run", _records())
    (run / "suite.json").write_text(json.dumps({"seeds": [0, 1], "claims": []}))
    calls = []
    real = publish.aggregate

    def counted(records):
        calls.append(len(records))
        return real(records)

    for module in (publish, html_module, claims_module):
        monkeypatch.setattr(module, "aggregate", counted)
    write_leaderboard(run)
    assert calls == [len(_records())]


def test_the_markdown_and_html_leaderboards_print_a_number_the_same_way(tmp_path):
    md = render(_records(), "md")
    page = render(_records(), "html")
    for text in ("7.8 ± 0.5", "[7.0, 8.5]", "0.14 ± 0.04"):  # modes and FID of "good", the headline's CI
        assert text in md and text in page


# --- names that must not break any output ---------------------------------------------------------

HOSTILE = ["a$^$", "x|y", "<script>alert(1)</script>", "`rm -rf`", "two\nlines", "n" * 300, "=cmd()", "\\|*_&"]
TASK = "t|<script>$^$\n=x"


def _hostile_records():
    """Records named by hand (bypassing registration); their file names are short ids, since a 300-character
    name is no file name (the record layer's safe_name keeps plain names whole)."""
    recs = []
    for t, task in enumerate(("ring8", TASK)):
        for i, variant in enumerate(HOSTILE):
            for s in range(4):
                r = make(task, variant, s, {"modes": 8 - i % 3 - s % 2, "fid": 0.1 + i / 10 + s / 100},
                         suite="s|<b>$x$")
                recs.append(dict(r, trial_id=f"t{t}__v{i}__s{s}"))
        for s in range(4):
            r = make(task, "init", s, {"modes": 0, "fid": 3.0 + s / 10}, kind="init", suite="s|<b>$x$")
            recs.append(dict(r, trial_id=f"t{t}__init__s{s}"))
    return recs


def _markdown_tables_are_whole(md: str):
    """Every pipe table has as many unescaped cell separators in each row as in its header."""
    tables = re.findall(r"(?:^\|.*\n?)+", md, flags=re.M)
    assert tables
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table.strip("\n").split("\n")}
        assert len(widths) == 1, table
    assert "<script>" not in md and "<b>" not in md


def _unguard(x):
    return x[1:] if isinstance(x, str) and x.startswith("'") and x[1:].startswith(CSV_TRIGGERS) else x


def _claim_verdicts():
    nan = float("nan")
    return [ClaimVerdict(claim=name, task=TASK, metric="modes[identity]", higher_is_better=True, better=name,
                         worse="x|y", source="<i>src</i> | `s`", setting="$a$", published_better=1.0,
                         published_worse=0.5, n=4, better_mean=7.5, better_std=0.5, worse_mean=6.0, worse_std=0.8,
                         diff=1.5, diff_ci_lo=0.2, diff_ci_hi=2.8, hedges_g=1.3, prob_improvement=0.9,
                         prob_improvement_lo=0.5, prob_improvement_hi=1.0, p=0.03, threshold=0.05, mde=1.2,
                         power_published=nan, published_gap="", seeds_needed=None, margin=1.0, decision="better",
                         stop=True, verdict="reproduced") for name in HOSTILE]


def test_hostile_names_render_in_every_output(tmp_path):
    recs = _hostile_records()
    run = write(tmp_path / "run", recs)
    rd = RunDir(run)
    rd.samples.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for variant in HOSTILE + ["init"]:  # seed 0's samples: the samples panel draws every name that can be a file
        path = rd.sample_path(trial_id("ring8", variant, 0))
        if len(path.name) < 255:
            np.save(path, rng.normal(size=(200, 2)).astype(np.float32))
    written = write_leaderboard(run)
    # Markdown: every table row whole, nothing raw from the names
    md = written["md"].read_text()
    _markdown_tables_are_whole(md)
    assert md.count("\n## ") == 2  # one heading per task: the newline in the task name did not make one
    # HTML: well formed, the only <script> the page's own sorter
    page = written["html"].read_text()
    assert page.count("<script") == 1 and "alert(1)</script>" not in page
    from .test_html import _parse

    _parse(page)
    # CSV: numbers stay numbers; names round-trip once the formula guard is taken off
    board = pd.read_csv(written["csv"])
    assert set(board["variant"].map(_unguard)) == set(HOSTILE) | {"init"}
    assert set(board["task"].map(_unguard)) == {"ring8", TASK}
    assert "'=cmd()" in set(board["variant"]) and pd.api.types.is_numeric_dtype(board["modes[identity] mean"])
    long = pd.read_csv(written["long"])
    assert set(long["variant"].map(_unguard)) == set(HOSTILE) | {"init"}
    # plots: drawn, names cut to the layout
    assert written["ring8 bars"].stat().st_size > 0 and written["ring8 samples"].stat().st_size > 0
    assert written[f"{TASK} bars"].stat().st_size > 0


def test_hostile_names_in_the_compare_and_claims_tables(tmp_path):
    base = [make("ring8", "r|`<b>`$x$", s, {"fid": v}, protocol={"headline": "fid"}) for s, v in enumerate([1.0, 1.1, 0.9, 1.0])]
    for name in HOSTILE:
        cand = [make("ring8", name, s, {"fid": v}, protocol={"headline": "fid"})
                for s, v in enumerate([0.5, 0.6, 0.4, 0.5])]
        _markdown_tables_are_whole(to_markdown(compare_records(cand, base, name, reference="r|`<b>`$x$")))
    verdicts = _claim_verdicts()
    _markdown_tables_are_whole(claims_markdown(verdicts, Design((4,))))
    csv = claims_table(verdicts).pipe(publish.escape.csv_frame).to_csv(index=False)
    assert set(pd.read_csv(io.StringIO(csv))["claim"].map(_unguard)) == set(HOSTILE)
    page = html_module.render_page(_hostile_records(), claims=(verdicts, Design((4,))))
    assert page.count("<script") == 1 and "<i>src</i>" not in page


def test_html_page_equals_the_written_page(tmp_path):
    run = write(tmp_path / "run", _records())
    assert write_leaderboard(run)["html"].read_text() == html_page(run)


# --- the budget axis ------------------------------------------------------------------------------


def _curved_records(task="ring8", names=("quick", "slow")):
    from .records import curved, references

    recs = []
    for i, name in enumerate(names):
        for s in range(4):
            recs.append(dict(curved(task, name, s, [0.9 - 0.1 * i, 0.5 - 0.05 * i + s / 100, 0.2 + s / 50],
                                    budgets=(100, 1000, 10000), raw=[0.8, 0.4, 0.2]), trial_id=f"{task[:5]}_{i}_{s}"))
    refs = references(task)
    return recs + [dict(r, trial_id=f"{task[:5]}_{r['kind']}_{r['seed_index']}") for r in refs]


def test_the_budget_axis_in_every_format(tmp_path):
    recs = _curved_records()
    run = write(tmp_path / "run", recs)
    written = write_leaderboard(run)
    assert written["ring8 curves"] == run / "leaderboard" / "ring8_curves.png"
    md = written["md"].read_text()
    assert "![ring8: learning curves](ring8_curves.png)" in md and "### ring8: along the training run" in md
    assert "ERT 50% (G steps)" in md and "| AUC " in md and "pointwise 95% bootstrap band" in md
    assert "61% at 500" not in md and "90% at 100 G steps" in md  # the grid's own points
    _markdown_tables_are_whole(md)
    page = written["html"].read_text()
    from .test_html import _parse

    tree = _parse(page)
    assert "along the training run" in page and page.count("data:image/png;base64,") == 2  # curves and bars
    assert any("against the budget" in e[1].get("alt", "") for e in tree.find("img"))
    board = pd.read_csv(written["csv"])
    assert {"ert50", "ert50 ci_lo", "ert90 successes", "auc", "auc ci_hi"} <= set(board.columns)
    assert render(recs, "csv") == written["csv"].read_text()


def test_records_without_curves_render_as_before():
    md = render(_records(), "md")
    assert "along the training run" not in md and "ERT" not in md
    assert "ert50" not in render(_records(), "csv")


def test_hostile_names_on_the_budget_axis(tmp_path):
    recs = _curved_records(TASK, names=HOSTILE[:4]) + _curved_records("ring8", names=HOSTILE[4:])
    run = write(tmp_path / "run", recs)
    written = write_leaderboard(run)
    md = written["md"].read_text()
    _markdown_tables_are_whole(md)
    page = written["html"].read_text()
    assert page.count("<script") == 1 and "alert(1)</script>" not in page
    from .test_html import _parse

    _parse(page)
    assert written[f"{TASK} curves"].stat().st_size > 0
    assert set(pd.read_csv(written["curves_long"])["variant"].map(_unguard)) == set(HOSTILE) | {"init", "real"}
