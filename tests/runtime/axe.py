"""Accessibility checks in the browser tests: axe-core (the dashboard's pinned devDependency,
frontend/node_modules/axe-core) injected into the page and run against WCAG 2.0/2.1 A and AA."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from scripts.devstack import ROOT

AXE_SCRIPT = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe finds on the page as it is now (all impacts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
                summaries: v.nodes.map((n) => n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )
    return list(results)


def assert_accessible(page: Page, name: str) -> None:
    """Fails listing every serious or critical WCAG A/AA violation on the page (`name` says which
    screen it was)."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    {target}: {summary}" for target, summary in zip(v["targets"], v["summaries"], strict=True)
        )
        for v in blocking
    )
    assert not blocking, f"{name}: {len(blocking)} serious or critical accessibility violations\n{report}"
