r"""One test per normative rule of the reference documents (rules.RULES), plus the citation checks.

Run: python3 -m pytest -q tests/rules   (count the rules: pytest --collect-only -q tests/rules | grep -c '::test_rule\[')
"""

import json

import pytest

import harness
from rules import NOT_COVERED, RULES, subset_of


def _cited_lines(doc, lines):
    path = harness.shared_dir() / (doc if "/" in doc else f"seeds/{doc}")
    if not path.is_file():
        pytest.fail(f"reference document {path} missing: set SGN_SHARED_DIR")
    text = path.read_text(encoding="utf-8").split("\n")
    return [(n, text[n - 1] if 0 < n <= len(text) else "") for n in lines]


def _check_citation(doc, lines, keyword):
    for n, line in _cited_lines(doc, lines):
        assert keyword.lower() in line.lower(), f"{doc}:{n} does not contain {keyword!r}: {line[:160]!r}"


def test_rule_ids_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_citation(rule):
    _check_citation(rule.doc, rule.lines, rule.keyword)


@pytest.mark.parametrize("row", NOT_COVERED, ids=[f"{u.doc.split('/')[-1]}:{u.lines[0]}" for u in NOT_COVERED])
def test_not_covered_citation(row):
    _check_citation(row.doc, row.lines, row.keyword)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule(rule, tmp_path):
    harness.require_binary()
    if rule.faketime:
        harness.require_faketime()
    s = harness.Store(tmp_path)
    for cmd in rule.setup:
        s.ok(*cmd)
    if rule.run is not None:
        rule.run(s)
        return
    r = s.run(*rule.cmd)
    assert r.rc == rule.rc, r
    if rule.code is not None:
        harness.assert_service_error(r, rule.code, rule.op)
    if rule.subset is not None:
        assert subset_of(rule.subset, json.loads(r.out)), r.out


def test_readme_lists_not_covered():
    """README's Conformance table is the NOT_COVERED table."""
    readme = (harness.REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Conformance\n", 1)
    assert len(section) == 2, "README.md has no Conformance section"
    for u in NOT_COVERED:
        row = f"| `{u.doc.split('/')[-1]}` | {', '.join(map(str, u.lines))} | {u.summary} | {u.issue} |"
        assert row in section[1], row
