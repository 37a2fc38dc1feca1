"""The README's Python examples run as written."""
import os
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("section", ["Quick start: a model", "Quick start: functional"])
def test_readme_example_runs(section, tmp_path, monkeypatch):
    text = README.read_text()
    m = re.search(rf"## {re.escape(section)}\n\n```python\n(.*?)```", text, re.S)
    assert m, f"README has no '{section}' example"
    monkeypatch.chdir(tmp_path)
    exec(compile(m.group(1), f"README:{section}", "exec"), {})
