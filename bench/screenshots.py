#!/usr/bin/env python3
"""Regenerate docs/screenshots/*.png: the sessions page and a session page, light and dark.

    python3 bench/screenshots.py            # needs the dev extras (playwright) and Debian's chromium

Builds a demo database (bench/dashboard_data.py), starts the real `dashboard` command on a free port,
and photographs each page in headless Chromium (/usr/bin/chromium; never a downloaded browser).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from dashboard_data import demo  # noqa: E402

CHROMIUM = os.environ.get("BAZINGA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUT = os.path.join(ROOT, "docs", "screenshots")


def start_dashboard(db: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            os.path.join(ROOT, "scripts", "bazinga_db.py"),
            "--db",
            db,
            "dashboard",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise SystemExit(f"the dashboard did not start: {line}{process.stderr.read()}")
    return process, line.split("Dashboard at ", 1)[1].split(" ", 1)[0]


def main() -> int:
    from playwright.sync_api import sync_playwright

    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = os.path.join(folder, "bazinga.db")
        session = demo(db)
        process, url = start_dashboard(db)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
