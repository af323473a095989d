#!/usr/bin/env python3
"""Regenerate docs/screenshots/*.png: the sessions page and a session page, light and dark.

    python3 bench/screenshots.py            # needs the dev extras (playwright) and Debian's chromium

Builds a demo database (bench/dashboard_data.py), starts the real `dashboard` command on a free port,
and photographs each page in headless Chromium (/usr/bin/chromium; never a downloaded browser).
"""

from __future__ import annotations

import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from dashboard_data import demo  # noqa: E402
from dashboard_helpers import launch_chromium, start  # noqa: E402

OUT = os.path.join(ROOT, "docs", "screenshots")


def main() -> int:
    from playwright.sync_api import sync_playwright

    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = os.path.join(folder, "coordination", "bazinga.db")  # shown as the agents' default path
        os.makedirs(os.path.dirname(db))
        session = demo(db)
        server = start(db, cwd=folder)
        url = server.url
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        viewport={"width": 1360, "height": 900}, color_scheme=scheme, device_scale_factor=1
                    )
                    page = context.new_page()
                    for name, address in (("sessions", url), ("session", f"{url}sessions/{session}")):
                        page.goto(address)
                        page.wait_for_selector("#live.on", timeout=10_000)
                        target = os.path.join(OUT, f"{name}-{scheme}.png")
                        page.screenshot(path=target + ".tmp.png", full_page=True)
                        os.replace(target + ".tmp.png", target)
                        print(f"✓ Wrote {os.path.relpath(target, ROOT)}")
                    context.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
