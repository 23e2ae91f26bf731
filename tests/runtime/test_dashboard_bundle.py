"""The dashboard's production build (`vite build`, into a temporary folder so the deploy's own build
in frontend/dist is left alone): no JavaScript chunk over 500 kB, each section of the dashboard in a
chunk of its own that the browser loads when the section is opened, and the landing page's entry
without the chart library."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from scripts.devstack import ROOT

FRONTEND = ROOT / "frontend"
MAX_CHUNK_BYTES = 500 * 1000
# src/dashboard/nav.tsx: one page module per section (and the end user's page)
PAGES = [
    "OverviewPage",
    "KeysPage",
    "PricingPage",
    "GatewayPage",
    "EndUsersPage",
    "EndUserPage",
    "AnalyticsPage",
    "WebhooksPage",
    "BillingPage",
    "SettingsPage",
]


def build(out: Path) -> dict[str, int]:
    vite = FRONTEND / "node_modules" / ".bin" / "vite"
    done = subprocess.run(
        [str(vite), "build", "--outDir", str(out), "--emptyOutDir"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {path.name: path.stat().st_size for path in (out / "assets").glob("*.js")}


def test_every_chunk_is_small_and_every_section_loads_on_its_own(tmp_path: Path) -> None:
    chunks = build(tmp_path / "dist")
    listing = sorted(chunks.items(), key=lambda chunk: chunk[1])
    print("\n" + "\n".join(f"{size / 1000:8.1f} kB  {name}" for name, size in listing))
    too_big = {name: size for name, size in chunks.items() if size > MAX_CHUNK_BYTES}
    assert not too_big, too_big
    for page in PAGES:
        assert any(re.fullmatch(rf"{page}-[\w-]+\.js", name) for name in chunks), (
            f"no chunk of its own for {page}"
        )
    assert any(name.startswith("Shell-") for name in chunks), (
        "the dashboard's shell is not a chunk of its own"
    )

    # the entry (index.html's script) has neither the charts nor the dashboard's pages in it
    html = (tmp_path / "dist" / "index.html").read_text()
    entry = re.search(r'src="/assets/([^"]+\.js)"', html)
    assert entry, html
    code = (tmp_path / "dist" / "assets" / entry.group(1)).read_text()
    # (it names the chunks it preloads with a page; recharts' own code has its class names)
    assert "recharts-surface" not in code and "recharts-bar-rectangle" not in code
    assert "Get started" not in code  # the overview's checklist
