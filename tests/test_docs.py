"""The documentation: the MkDocs site builds with --strict (a broken link, a page missing from the
nav or the files, or an API object that no longer exists fails the build), its generated reference
pages hold what the code has, and the README stays a short front page whose links resolve."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_LIMIT = 10_000  # bytes: the front page; everything else lives in docs/

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("material", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed (pip install -e '.[docs]')")


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = build(ROOT / "mkdocs.yml", out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def page(site: Path, rel: str) -> str:
    path = site / rel / "index.html"
    assert path.is_file(), f"{rel} was not built"
    return path.read_text(encoding="utf-8")


def test_the_cli_reference_lists_every_subcommand_and_flag(site):
    from ganbench.cli import build_parser

    html = page(site, "reference/cli")
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, parser in sub.choices.items():
        assert f"ganbench {name}" in html, name
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in html, f"ganbench {name} {flag}"


def test_the_metrics_reference_lists_every_registered_value(site):
    from ganbench.metrics.registry import VALUES

    html = page(site, "reference/metrics")
    for key in VALUES:
        assert f'id="value-{key}"' in html, key
    assert "tasks: ring8, grid25, hd-mixture, ring8-cond, grid25-cond" in html  # mode_tv, from `list metrics`


def test_the_api_reference_renders_its_objects(site):
    html = page(site, "reference/api")
    wanted = re.findall(r"^::: (\S+)", (ROOT / "docs" / "reference" / "api.md").read_text(), re.M)
    assert len(wanted) > 10
    for name in wanted:
        assert f'id="{name}"' in html, name  # mkdocstrings anchors each object by its full path


def test_generated_pages_and_results_exist(site):
    for rel in ("getting-started", "concepts", "suites", "tasks", "tutorials/new-loss", "tutorials/ci-gating",
                "tutorials/your-samples", "tutorials/cluster", "reference/exit-codes", "reference/records",
                "results/core", "results/conformance", "results/reproducibility"):
        page(site, rel)
    assert 'id="variant-gan-ns"' in page(site, "suites") and 'id="task-ring8"' in page(site, "tasks")
    assert (site / "leaderboards" / "core_grid25_samples.png").is_file()


def test_a_broken_link_or_a_missing_page_fails_the_build(tmp_path):
    # the same configuration on a copy of the pages, one of which links nowhere, and a nav entry
    # without its file: --strict must refuse both
    import shutil

    import yaml  # mkdocs' own dependency

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("hooks"))
    (docs / "concepts.md").write_text((docs / "concepts.md").read_text() + "\n[gone](no-such-page.md)\n")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["docs_dir"] = str(docs)
    config["hooks"] = []  # the pages' markers stay as comments; the links are what is tested
    config["plugins"] = ["search"]
    config["watch"] = []
    config["nav"].append({"Missing": "not-written.md"})
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr and "not-written.md" in result.stderr


def test_readme_is_a_short_front_page_whose_links_resolve():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) <= README_LIMIT, f"README.md is {len(text.encode())} bytes; move detail to docs/"
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [link.split("#", 1)[0] for link in links if not re.match(r"[a-z]+:", link)]
    assert relative, "the README links nothing of the repository"
    for link in relative:
        assert link and (ROOT / link).exists(), f"README links {link}, which does not exist"
    for command in ("make run", "make test", "make docs"):
        assert command in text
