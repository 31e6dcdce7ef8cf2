"""The documentation builds without warnings, and its API page lists every public name.

The build runs the gallery examples (a few seconds each) but not the benchmarks: their tables and
plots are committed files under ``docs/_static/benchmarks``.
"""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PUBLIC_MODULES = (
    "skl_synthsel",
    "skl_synthsel.metrics",
    "skl_synthsel.theory",
    "skl_synthsel.datasets",
    "skl_synthsel.exceptions",
    "skl_synthsel.inspection",
    "skl_synthsel.utils",
)
MATHJAX = DOCS / "_static" / "mathjax"
# A remote MathJax in a page: a CDN URL, or any http(s) address of a file named mathjax / tex-*.js.
REMOTE_MATHJAX = re.compile(r"""https?://[^"'\s>]*(mathjax|tex-(chtml|svg|mml))""", re.I)
BENCHMARK_FILES = (
    "paper_tabular.inc",
    "paper_tabular_accuracy_vs_ratio.png",
    "paper_tabular_gap_vs_accuracy.png",
    "paper_tabular_composition.png",
    "paper_linear_regression.inc",
    "paper_linear_regression.png",
)

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the HTML docs once, with warnings as errors; returns (output dir, process)."""
    output = tmp_path_factory.mktemp("html")
    doctrees = tmp_path_factory.mktemp("doctrees")
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "ignore",
    }
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-q",
            "-d",
            str(doctrees),
            str(DOCS),
            str(output),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    return output, process


def test_docs_build_without_warnings(built):
    output, process = built
    assert process.returncode == 0, process.stderr[-5000:]
    assert (output / "index.html").exists()


def test_api_page_lists_every_public_name(built):
    output, _ = built
    page = (output / "api.html").read_text()
    missing = []
    for module_name in PUBLIC_MODULES:
        for name in importlib.import_module(module_name).__all__:
            if not re.search(rf"\b{re.escape(name)}\b", page):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"docs/api.rst does not list {missing}"


def test_every_selector_has_an_api_page(built):
    from skl_synthsel.utils import all_selectors

    SELECTORS = dict(all_selectors())

    output, _ = built
    for selector in SELECTORS.values():
        assert (output / "gen_modules" / f"skl_synthsel.{selector.__name__}.html").exists()


def test_benchmark_results_and_gallery_are_in_the_docs(built):
    output, _ = built
    for name in BENCHMARK_FILES:
        assert (DOCS / "_static" / "benchmarks" / name).exists(), name
    page = (output / "benchmarks.html").read_text()
    assert "paper_tabular_accuracy_vs_ratio.png" in page
    assert "covariance (relaxed)" in page
    assert len(list((output / "auto_examples").glob("plot_*.html"))) >= 4
    # Every gallery example draws at least one figure.
    assert len(list((output / "_images").glob("sphx_glr_plot_*_001.png"))) >= 4


def test_mathjax_is_shipped_small_and_configured():
    script = MATHJAX / "tex-chtml.js"
    assert script.is_file()
    fonts = list((MATHJAX / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_*.woff"))
    assert len(fonts) >= 20
    assert (MATHJAX / "LICENSE").is_file()  # Apache-2.0 asks for it
    size = sum(path.stat().st_size for path in MATHJAX.rglob("*") if path.is_file())
    assert size < 3 * 2**20, f"docs/_static/mathjax is {size / 2**20:.1f} MiB"
    conf = (DOCS / "conf.py").read_text()
    assert re.search(r'^mathjax_path = "mathjax/tex-chtml\.js"$', conf, flags=re.M)


def test_pages_with_math_load_the_local_mathjax(built):
    built_fast, _ = built  # the offline check reads the one full build
    pages = list(built_fast.rglob("*.html"))
    assert pages
    remote = {
        str(page.relative_to(built_fast)): REMOTE_MATHJAX.search(page.read_text()).group(0)
        for page in pages
        if REMOTE_MATHJAX.search(page.read_text())
    }
    assert not remote, f"pages load MathJax remotely: {remote}"
    with_math = [page for page in pages if 'class="math' in page.read_text()]
    assert with_math, "no page has math: the check would pass vacuously"
    for page in with_math:
        sources = re.findall(r'<script[^>]*src="([^"]*tex-chtml\.js)[^"]*"', page.read_text())
        assert sources, f"{page.name} has math but loads no MathJax"
        for source in sources:
            assert not source.startswith(("http:", "https:", "//"))
            assert (page.parent / source.split("?")[0]).resolve().is_file(), source
    shipped = built_fast / "_static" / "mathjax"
    assert (shipped / "tex-chtml.js").is_file()
    assert (
        shipped / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff"
    ).is_file()
