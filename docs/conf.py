"""Sphinx configuration: numpydoc docstrings, autosummary API pages, a sphinx-gallery of examples.

The build needs no network, and neither do the built pages: no intersphinx, MathJax is shipped in
``_static/mathjax`` (MathJax 3.2.2 from its npm package: ``tex-chtml.js`` with its fonts and TeX
extensions, see ``_static/mathjax/README.txt``), and the benchmark results are committed files
under ``_static/benchmarks`` (the benchmarks are not run by the build). ``tests/test_docs.py``
builds the docs with ``-W`` as part of the test suite; ``tests/test_docs_offline.py`` checks that
the pages load no remote MathJax.
"""

import os
import re
import warnings
from pathlib import Path

import skl_synthsel

HERE = Path(__file__).resolve().parent

project = "skl_synthsel"
author = "skl_synthsel developers"
copyright = "2025, skl_synthsel developers"
release = skl_synthsel.__version__
version = re.sub(r"\.dev\d*$", "", release)

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_static/**", "**.ipynb_checkpoints", "gen_modules/backreferences"]
root_doc = "index"
default_role = "literal"
nitpicky = False

# -- autodoc / autosummary / numpydoc ------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# The API pages list members through numpydoc's sections, not a second autosummary table.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
# "fit()" rather than "CovarianceMatchingSelector.fit()" in the "On this page" list: the long
# qualified names were clipped by the narrow sidebar.
toc_object_entries_show_parents = "hide"

# scikit-learn adds metadata-routing methods (set_fit_request, ...) to every estimator; their
# docstrings point at scikit-learn's own user guide, and they are plumbing for our readers.
_SKIPPED_MEMBERS = re.compile(r"^(set_\w+_request|get_metadata_routing)$")


def _skip_member(app, what, name, obj, skip, options):
    if _SKIPPED_MEMBERS.match(name):
        return True
    return skip


# Inherited scikit-learn and imbalanced-learn docstrings (score, the re-exported Pipeline, ...)
# point at labels and glossary terms of their projects' docs, which these docs do not have:
# keep the text, drop the link.
_FOREIGN_ROLE = re.compile(r":(ref|term|doc):`([^`<]+?)\s*(<[^`>]+>)?`")
_PROJECTS = {"sklearn": "scikit-learn", "imblearn": "imbalanced-learn"}


def _plain_text(match, project):
    role, text, target = match.groups()
    if role == "term" or target:
        return text
    return f"the {project} documentation"  # a bare label, e.g. a gallery example


# A fitted attribute in a shape, e.g. ``(n_features_in_,)``, would read as a link target.
_SHAPE_NAME = re.compile(r"(?<=[(, ])([A-Za-z]\w*_)(?=[,)])")


def _process_docstring(app, what, name, obj, options, lines):
    project = _PROJECTS.get((getattr(obj, "__module__", None) or "").split(".")[0])
    for i, line in enumerate(lines):
        if project:
            line = _FOREIGN_ROLE.sub(lambda match: _plain_text(match, project), line)
        if "shape (" in line:
            head, _, shape = line.partition("shape ")
            line = head + "shape " + _SHAPE_NAME.sub(r"``\1``", shape)
        lines[i] = line


# -- sphinx-gallery ------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skl_synthsel",),
    "reference_url": {"skl_synthsel": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "matplotlib_animations": False,
    "min_reported_time": 1,
}

# Examples run with one BLAS thread, headless.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")

# -- math ----------------------------------------------------------------------------------------
# The local copy, relative to _static: display math renders offline (no CDN).
mathjax_path = "mathjax/tex-chtml.js"

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skl_synthsel {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The benchmark page's wide tables get the whole width.
    "secondary_sidebar_items": {"**": ["page-toc"], "benchmarks": []},
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "getting_started": [], "benchmarks": []}
html_show_sourcelink = False


# -- checks --------------------------------------------------------------------------------------
def _public_names():
    """Every name in the ``__all__`` of the package and its public subpackages, qualified."""
    import importlib

    names = []
    for module_name in (
        "skl_synthsel",
        "skl_synthsel.metrics",
        "skl_synthsel.theory",
        "skl_synthsel.datasets",
        "skl_synthsel.exceptions",
        "skl_synthsel.inspection",
        "skl_synthsel.utils",
    ):
        module = importlib.import_module(module_name)
        names += [f"{module_name}.{name}" for name in module.__all__]
    return names


def _check_api_lists_everything(app):
    """A public name missing from api.rst is a build warning (an error under -W)."""
    from sphinx.util import logging

    text = (HERE / "api.rst").read_text()
    # Entries of the autosummary tables: an indented name alone on its line.
    listed = set(re.findall(r"^\s+(\w+)\s*$", text, flags=re.M))
    missing = [name for name in _public_names() if name.rsplit(".", 1)[1] not in listed]
    if missing:
        logging.getLogger(__name__).warning(
            "docs/api.rst does not list the public names %s: add them to a section",
            ", ".join(missing),
        )


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # Before numpydoc (priority 500) turns the sections into reStructuredText.
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    app.connect("builder-inited", _check_api_lists_everything)
