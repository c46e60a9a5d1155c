"""The files a release needs are present and consistent with the package."""

import re
from pathlib import Path

import skffnn

ROOT = Path(__file__).resolve().parents[1]


def test_readme_links_work_on_a_package_index():
    # A package index shows the README alone: a link into the source tree
    # (examples/README.md) would lead nowhere there.
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)]*)\)", readme)
    targets += re.findall(r"""src=["']([^"']*)["']""", readme)
    relative = [target for target in targets if not target.startswith("https://")]
    assert not relative


def test_changelog_has_a_section_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = re.escape(skffnn.__version__)
    assert re.search(rf"^## .*\b{version}\b", changelog, flags=re.M)


def test_license_names_the_developers():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "the skffnn developers" in text
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = "BSD-3-Clause"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject


def test_the_installed_package_declares_its_type_hints():
    assert (Path(skffnn.__file__).parent / "py.typed").is_file()
