"""The leaderboard page (ganbench.report.html): structure, escaping, rounding, embedded plots, the CLI,
and the committed leaderboards/core.html against what the code renders from baselines/core."""
import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.records import load_records
from ganbench.report.html import plots_by_task, render_page
from ganbench.report.publish import html_page, render, write_leaderboard

from .records import make, write

ROOT = Path(__file__).resolve().parents[2]
ODD = 'x<b>&"\'y'  # a variant name a page must escape


def _records():
    recs = []
    for s, (m, f, hq) in enumerate([(8, 0.1, 0.90), (7, 0.2, 0.92), (8, 0.15, 0.91)]):
        recs.append(make("ring8", "good", s, {"modes": m, "fid": f, "hq_fraction": hq}))
    for s, (m, f, hq) in enumerate([(1, 0.9, 0.5), (0, 1.1, 0.4), (1, 1.0, 0.6)]):
        recs.append(make("ring8", ODD, s, {"modes": m, "fid": f, "hq_fraction": hq}))
    recs.append(make("ring8", "lonely", 0, {"modes": 8, "fid": 0.1, "hq_fraction": 0.9}))
    # a failed seed has no value (a diverged one would count at the worst: two seeds, tested)
    recs.append(make("ring8", "lonely", 1, {}, status="failed"))
    for s in range(3):
        recs.append(make("ring8", "real", s, {"modes": 8, "fid": 0.001, "hq_fraction": 0.99}, kind="real"))
    # five draws of the floor: three seeds against three draws cannot be significant one-sided (the
    # permutation floor 1/20 is not below 0.05); against five they can (1/56)
    for s in range(5):
        recs.append(make("ring8", "init", s, {"modes": 0, "fid": 0.95 + s / 100, "hq_fraction": 0.0}, kind="init"))
    return recs


class _Tree(HTMLParser):
    """Checks that tags nest and close; collects elements as [tag, attrs, text] and each table row's
    cells as ``rows``: [tr attrs, [td element, ...]]."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "col", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.elements, self.errors, self.rows = [], [], [], []

    def handle_starttag(self, tag, attrs):
        el = [tag, dict(attrs), ""]
        self.elements.append(el)
        if tag == "tr" and "data-i" in el[1]:
            self.rows.append([el[1], []])
        elif tag == "td" and self.rows:
            self.rows[-1][1].append(el)
        if tag not in self.VOID:
            self.stack.append(el)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        for el in self.stack:
            el[2] += data

    def find(self, tag, **attrs):
        return [e for e in self.elements if e[0] == tag and all(e[1].get(k) == v for k, v in attrs.items())]

    def row(self, variant):
        """The cells of the row whose variant cell names ``variant``."""
        return next(cells for _, cells in self.rows if cells[1][2].split(" ")[0] == variant)


def _parse(page: str) -> _Tree:
    tree = _Tree()
    tree.feed(page)
    tree.close()
    assert not tree.errors and not tree.stack, (tree.errors, [e[0] for e in tree.stack])
    return tree


def test_page_structure_rows_and_headers():
    page = render_page(_records())
    tree = _parse(page)
    assert page.startswith("<!DOCTYPE html>") and tree.find("html", lang="en")
    assert len(tree.find("table")) == 1 and tree.find("section", id="task-ring8")
    # Leaderboard order: ceiling, ranked trials, unranked trials (by headline), floor.
    assert [attrs["class"] for attrs, _ in tree.rows] == ["ceiling", "ranked tie", "unranked", "unranked", "floor"]
    assert [cells[1][2].split(" ")[0] for _, cells in tree.rows] == ["real", "good", "lonely", ODD, "init"]
    assert "ceiling" in tree.row("real")[1][2] and "floor" in tree.row("init")[1][2]
    assert "not learned" in tree.row(ODD)[1][2] and "not significantly better" in tree.row(ODD)[1][1]["title"]
    assert "untested: one seed" in tree.row("lonely")[1][2] and tree.row("lonely")[-1][2] == "1 (1 failed)"
    good = tree.row("good")
    assert good[0][2] == "1" and "≈" in good[1][2] and tree.row(ODD)[0][2] == "—" and tree.row("real")[0][2] == ""
    headers = [e[2].strip() for e in tree.find("th")]
    assert headers[:5] == ["rank", "variant", "modes (of 8)", "95% CI", "p vs init"]
    assert "FID (identity)" in headers and "high-quality %" in headers
    fid = next(e for e in tree.find("th") if e[2].strip() == "FID (identity)")
    assert "Fréchet distance" in fid[1]["title"] and "Lower is better" in fid[1]["title"]
    assert "Heusel et al. 2017" in fid[1]["title"] and fid[1]["data-first"] == "ascending"
    modes = next(e for e in tree.find("th") if e[2].strip() == "modes (of 8)")
    assert modes[1]["data-first"] == "descending" and "Higher is better" in modes[1]["title"]
    legend = tree.find("details", **{"class": "columns"})[0][2]
    assert "Fréchet distance" in legend and "Srivastava et al. 2017" in legend


def test_numbers_are_rounded_to_their_spread_and_percent():
    tree = _parse(render_page(_records()))
    headers = [e[2].strip() for e in tree.find("th")]
    good = dict(zip(headers, tree.row("good")))
    assert good["modes (of 8)"][2] == "7.7 ± 0.6"  # modes 8, 7, 8: std 0.577
    assert good["95% CI"][2] == "[6.2, 9.1]"  # t(2) 4.30 x 0.577 / sqrt(3) = 1.43
    assert good["FID (identity)"][2] == "0.15 ± 0.05"  # 0.1, 0.2, 0.15
    assert good["high-quality %"][2] == "91.0 ± 1.0 %"  # 0.90, 0.92, 0.91
    assert float(good["FID (identity)"][1]["data-v"]) == pytest.approx(0.15)
    assert good["FID (identity)"][1]["title"] == "mean 0.15, std 0.05, 95% CI [0.02579, 0.2742], 3 seeds"
    assert good["GFLOP"][2] == "—" and good["seeds"][2] == "3"  # hand-made records spend nothing
    assert "G steps" not in headers  # equal steps are the budget, said in the caption
    init = dict(zip(headers, tree.row("init")))
    assert init["p vs init"][2] == "" and init["GFLOP"][2] == "" and init["p vs init"][1]["data-v"] == ""


def test_odd_variant_names_are_escaped():
    page = render_page(_records(), title="a <title> & more")
    assert ODD not in page and "x<b>" not in page
    assert "x&lt;b&gt;&amp;&quot;&#x27;y" in page
    assert "<title>a &lt;title&gt; &amp; more</title>" in page
    _parse(page)


def test_page_is_deterministic_and_fetches_nothing():
    page = render_page(_records())
    assert page == render_page(_records())
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert refs and all(r.startswith(("#", "data:image/png;base64,")) for r in refs), refs
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_render_routes_html_and_one_seed_pages_render():
    assert render(_records(), "html").startswith("<!DOCTYPE html>")
    lone = [make("ring8", "a", 0, {"modes": 8, "fid": 0.1}), make("ring8", "init", 0, {"modes": 0}, kind="init")]
    tree = _parse(render_page(lone))
    assert "untested: one seed" in tree.row("a")[1][2] and tree.row("a")[2][2] == "8"
    failed = [make("ring8", "a", 0, {}, status="failed")]
    page = render_page(failed)
    assert "No successful trial" in page and "non-finite loss" in page
    with pytest.raises(ValueError, match="no records"):
        render_page([])


def test_plots_are_embedded_with_size_and_alt_text(tmp_path):
    run = write(tmp_path / "run", _records())
    written = write_leaderboard(run, formats=("md", "html"))
    page = written["html"].read_text()
    tree = _parse(page)
    pngs = sorted(p for p in (run / "leaderboard").glob("*.png"))
    imgs = tree.find("img")
    assert pngs and len(imgs) == len(pngs)
    embedded = {base64.b64decode(i[1]["src"].split(",", 1)[1]) for i in imgs}
    assert embedded == {p.read_bytes() for p in pngs}
    for img in imgs:
        assert int(img[1]["width"]) > 100 and int(img[1]["height"]) > 100 and img[1]["alt"].startswith("ring8: ")
    assert page == html_page(run)  # the CLI's page (plots drawn in a temporary folder) is the same


def test_plots_by_task_does_not_mix_prefixed_task_names(tmp_path):
    written = {"ring8 bars": tmp_path / "a.png", "ring8-cond bars": tmp_path / "b.png",
               "ring8 gan-ns mixing": tmp_path / "c.png", "other": tmp_path / "d.png"}
    grouped = plots_by_task(written, ["ring8", "ring8-cond"])
    assert grouped == {"ring8": {"bars": tmp_path / "a.png", "gan-ns mixing": tmp_path / "c.png"},
                       "ring8-cond": {"bars": tmp_path / "b.png"}}


def test_a_file_that_is_not_png_is_refused(tmp_path):
    bad = tmp_path / "ring8_samples.png"
    bad.write_bytes(b"GIF89a not a png")
    with pytest.raises(ValueError, match="not a PNG"):
        render_page(_records(), {"ring8": {"samples": bad}})


def test_cli_html_writes_the_page(tmp_path, capsys):
    run = write(tmp_path / "run", _records())
    assert main(["leaderboard", str(run), "--html"]) == 0
    page = (run / "leaderboard" / "leaderboard.html").read_text()
    assert "data:image/png;base64," in page and not list((run / "leaderboard").glob("*.png"))
    out = tmp_path / "page.html"
    assert main(["leaderboard", str(run), "--format", "html", "--out", str(out)]) == 0
    assert out.read_text() == page
    assert "wrote" in capsys.readouterr().out


def test_committed_core_page_is_what_the_code_renders():
    # Regenerate with: ganbench leaderboard baselines/core --html --out leaderboards/core.html
    committed = (ROOT / "leaderboards" / "core.html").read_text()
    fresh = html_page(ROOT / "baselines" / "core")
    if committed != fresh:
        a, b = committed.splitlines(), fresh.splitlines()
        diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        pytest.fail(f"leaderboards/core.html is stale from line {diff + 1}; regenerate it with `ganbench "
                    "leaderboard baselines/core --html --out leaderboards/core.html`")
    tasks = {r["task"] for r in load_records(ROOT / "baselines" / "core")}
    tree = _parse(committed)
    # each task's leaderboard table names its task (the budget-rank tables beside it do not)
    assert {e[1]["data-task"] for e in tree.find("table") if "data-task" in e[1]} == tasks


def test_steps_column_only_where_trials_spent_different_steps():
    recs = _records()
    for r in recs:
        if r["variant"] in ("good", "lonely"):  # a seconds budget: steps differ between variants
            r["spent"] = {"g_steps": (100 if r["variant"] == "good" else 40) + r["seed_index"], "gflops": 2.0}
    tree = _parse(render_page(recs))
    headers = [e[2].strip() for e in tree.find("th")]
    good = dict(zip(headers, tree.row("good")))
    assert good["G steps"][2] == "101" and good["GFLOP"][2] == "2"
    assert tree.row("lonely")[headers.index("G steps")][2] == "40.5"
