"""Layout checks of the browser tests."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


def assert_no_sideways_scroll(page: Page, name: str = "page") -> None:
    """Nothing is wider than the viewport, once the charts followed their container's new size
    (recharts' ResizeObserver fires a frame or more after the viewport changed); on failure, the
    widest elements are named."""
    width = (page.viewport_size or {"width": 0})["width"]
    try:
        page.wait_for_function(f"() => document.scrollingElement.scrollWidth <= {width}", timeout=5000)
    except PlaywrightTimeoutError:
        widest = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .map((e) => [Math.round(e.getBoundingClientRect().right), `${e.tagName}.${e.className}`])
                .sort((a, b) => b[0] - a[0]).slice(0, 8)"""
        )
        pytest.fail(f"{name} scrolls sideways at {width}px; widest:\n" + "\n".join(map(str, widest)))
