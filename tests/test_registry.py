"""One place per fault: the registry, and everything that must agree with it."""

from __future__ import annotations

import re

from conftest import ROOT

from posture_watch import config
from posture_watch.advice.wording import duration
from posture_watch.core.faults import CONFIGURED, POSTURE_FAULTS, REGISTRY, UNITS


def _table_rows(path, header: str) -> dict[str, list[str]]:
    """The rows of the markdown table under ``header``, by the name in their first cell."""
    lines = path.read_text("utf-8").splitlines()
    start = lines.index(header)
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells
    return rows


def test_settings_have_a_table_per_fault_with_the_registry_hold():
    defaults = config.defaults()
    assert set(defaults["faults"]) == set(CONFIGURED)
    for name in CONFIGURED:
        assert defaults["faults"][name]["hold_seconds"] == REGISTRY[name].hold_seconds, name
    assert defaults["breaks"]["sitting_minutes"] * 60 == REGISTRY["sitting"].hold_seconds


def test_readme_table_is_the_registry():
    rows = _table_rows(ROOT / "README.md", "| fault | what it means | default hold |")
    assert set(rows) == set(REGISTRY)
    for name, fault in REGISTRY.items():
        assert rows[name][1] == fault.meaning, name
        assert rows[name][2] == duration(fault.hold_seconds), name


def test_docs_cover_every_fault():
    muscles = (ROOT / "docs" / "muscles.md").read_text("utf-8")
    defaults = (ROOT / "docs" / "defaults.md").read_text("utf-8")
    for name in CONFIGURED:
        assert re.search(rf"\| `{name}`", muscles), f"docs/muscles.md has no row for {name}"
        assert re.search(rf"\| `{name}`", defaults), f"docs/defaults.md has no row for {name}"


def test_every_posture_fault_has_a_rule_and_one_decision_unit():
    members = [m for unit in UNITS.values() for m in unit]
    assert sorted(members) == sorted(POSTURE_FAULTS)
    for name in POSTURE_FAULTS:
        fault = REGISTRY[name]
        assert fault.rule is not None and fault.reads and fault.meaning, name
        assert any(fault.muscles), name
