"""The repository's project files agree with the package: LICENSE with the declared license,
CITATION.cff (valid YAML, the package's version, the seed papers) and the changelog's version."""

import os
import tomllib

import pytest

import jaxqtm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)["project"]


def test_license_file_matches_the_declared_license():
    declared = _pyproject()["license"]["text"]
    with open(os.path.join(ROOT, "LICENSE")) as fh:
        text = fh.read()
    assert declared == "MIT" and text.startswith("MIT License") and "the jaxqtm developers" in text


def test_citation_file_is_valid_and_current():
    yaml = pytest.importorskip("yaml")
    with open(os.path.join(ROOT, "CITATION.cff")) as fh:
        cff = yaml.safe_load(fh)
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == _pyproject()["version"] == jaxqtm.__version__
    assert cff["license"] == _pyproject()["license"]["text"]
    ids = {i["value"] for r in cff["references"] for i in r.get("identifiers", [])}
    # seeds 001, 004, 003, 002 (seed 000's talk by its paper: journal reference only)
    assert ids == {"arXiv:2404.16936", "arXiv:2304.08122", "arXiv:2004.13412", "arXiv:2510.06929"}
    assert len(cff["references"]) == 5 and all(r["title"] and r["authors"] for r in cff["references"])


def test_changelog_names_the_version():
    with open(os.path.join(ROOT, "CHANGELOG.md")) as fh:
        assert f"({jaxqtm.__version__})" in fh.read()
