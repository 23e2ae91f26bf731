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


def page_height(page: Page) -> int:
    """The document's full height in CSS pixels (what scrolling reaches)."""
    return int(page.evaluate("() => document.scrollingElement.scrollHeight"))


def assert_height_within(page: Page, screens: float, name: str = "page") -> int:
    """The page is at most `screens` viewports tall; returns its height. On failure, the tallest
    sections of <main> are named."""
    viewport = (page.viewport_size or {"height": 0})["height"]
    height = page_height(page)
    if height > screens * viewport:
        tallest = page.evaluate(
            """() => [...document.querySelectorAll('main > *')]
                .map((e) => [Math.round(e.getBoundingClientRect().height),
                             `${e.tagName}#${e.id}.${e.className}`,
                             (e.querySelector('h1, h2')?.textContent ?? '').slice(0, 40)])
                .sort((a, b) => b[0] - a[0]).slice(0, 8)"""
        )
        pytest.fail(
            f"{name} is {height}px tall, more than {screens} screens of {viewport}px; tallest parts:\n"
            + "\n".join(map(str, tallest))
        )
    return height
