"""The package as a whole: imports under -OO, one version, the project files."""

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.linear_model import LogisticRegression

import skl_synthsel
from skl_synthsel import SyntheticAugmentedClassifier

ROOT = Path(__file__).resolve().parents[1]


def test_imports_with_docstrings_stripped():
    code = "import skl_synthsel, skl_synthsel.cli, skl_synthsel.inspection; print('ok')"
    result = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_one_source_for_the_version():
    # pyproject.toml is the one place the version is written; the package reads its metadata.
    assert skl_synthsel.__version__ == version("skl-synthsel")
    assert '__version__ = "0.' not in (ROOT / "skl_synthsel" / "__init__.py").read_text()


def test_license_changelog_and_type_marker_ship():
    assert "BSD" in (ROOT / "LICENSE").read_text()
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()
    assert (ROOT / "skl_synthsel" / "py.typed").exists()


def test_meta_estimators_refuse_samplers_that_are_not_selectors():
    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    model = SyntheticAugmentedClassifier(LogisticRegression(), RandomOverSampler())
    with pytest.raises(TypeError, match="selector must be a selector of skl_synthsel"):
        model.fit(X, y)


def test_public_signatures_are_annotated():
    # py.typed promises type hints: every parameter of the public constructors and of the
    # selectors' fit/fit_resample/resample, resolvable by typing.get_type_hints.
    import inspect
    import typing

    from skl_synthsel.base import BaseSelector
    from skl_synthsel.utils import all_selectors

    functions = [cls.__init__ for _, cls in all_selectors()]
    functions += [BaseSelector.fit, BaseSelector.fit_resample, BaseSelector.resample]
    for function in functions:
        hints = typing.get_type_hints(function)
        parameters = [
            name
            for name, parameter in inspect.signature(function).parameters.items()
            if name != "self"
        ]
        missing = [name for name in parameters if name not in hints]
        assert missing == [], f"{function.__qualname__} lacks hints for {missing}"
        assert "return" in hints, function.__qualname__
