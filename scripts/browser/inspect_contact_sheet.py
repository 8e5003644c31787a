#!/usr/bin/env python3
"""Opens a contact sheet (index.html) from file:// in headless Chromium (Debian's `chromium`,
driven by Playwright for Python) and reports what a person would meet, as JSON on stdout. It
judges nothing: the end-to-end tests assert on what it reports.

usage: inspect_contact_sheet.py PAGE SCREENSHOT

Reported: cards (id, status, visible), every <video> (src, duration after loading its metadata,
or the error), every <img> (src, naturalWidth), console errors and page errors, requests that
left the page's folder, dialogs opened (alert()), the cards shown with the failure filter on and
off, keyboard focus reaching the filter, and the time until the page was interactive.
"""
import json
import os
import sys
import time
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main(page_path, screenshot):
    folder = os.path.dirname(os.path.abspath(page_path))
    facts = {"console_errors": [], "page_errors": [], "outside_requests": [], "dialogs": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: m.type == "error" and facts["console_errors"].append(m.text))
        page.on("pageerror", lambda e: facts["page_errors"].append(str(e)))
        page.on("dialog", lambda d: (facts["dialogs"].append(d.message), d.dismiss()))

        def watch(route):
            url = route.request.url
            parsed = urlparse(url)
            local = parsed.scheme == "file" and os.path.abspath(unquote(parsed.path)).startswith(folder + os.sep)
            if not local and not url.startswith("data:"):
                facts["outside_requests"].append(url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", watch)
        started = time.monotonic()
        page.goto("file://" + os.path.abspath(page_path), wait_until="domcontentloaded")
        # Polled inside the page (the page's CSP forbids the string evaluation wait_for_function uses).
        page.evaluate("async () => { while (document.readyState === 'loading') await new Promise(r => setTimeout(r, 10)); }")
        facts["interactive_seconds"] = round(time.monotonic() - started, 3)
        facts["cards"] = page.eval_on_selector_all(
            "article.card", "els => els.map(e => ({id: e.id, status: e.dataset.status, prompt: (e.querySelector('.prompt') || {}).textContent}))")
        facts["scripts_in_cards"] = page.eval_on_selector_all("article.card script", "els => els.length")
        facts["videos"] = page.evaluate("""async () => {
            const out = [];
            for (const v of document.querySelectorAll('video')) {
              v.preload = 'metadata';
              const r = await new Promise(done => {
                const t = setTimeout(() => done({error: 'timeout'}), 15000);
                v.addEventListener('loadedmetadata', () => { clearTimeout(t); done({duration: v.duration}); }, {once: true});
                v.addEventListener('error', () => { clearTimeout(t); done({error: String(v.error && v.error.code)}); }, {once: true});
                v.load();
              });
              out.push(Object.assign({card: v.closest('article').id, src: v.getAttribute('src')}, r));
            }
            return out;
        }""")
        # Every image, posters included, scrolled into view so lazy ones load.
        page.evaluate("""() => document.querySelectorAll('video[data-poster]').forEach(v => v.poster = v.dataset.poster)""")
        page.evaluate("""async () => { for (const i of document.querySelectorAll('img')) { i.loading = 'eager'; i.scrollIntoView(); } }""")
        page.evaluate("""async () => { const end = Date.now() + 15000;
            while (!Array.from(document.images).every(i => i.complete) && Date.now() < end) await new Promise(r => setTimeout(r, 20)); }""")
        facts["images"] = page.eval_on_selector_all("img", "els => els.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth}))")
        facts["posters"] = page.evaluate("""async () => Promise.all(Array.from(document.querySelectorAll('video[poster]')).map(v =>
            new Promise(done => { const i = new Image(); i.onload = () => done(i.naturalWidth); i.onerror = () => done(0); i.src = v.poster; })))""")
        visible = "() => Array.from(document.querySelectorAll('article.card')).filter(e => e.offsetParent !== null).map(e => e.id)"
        facts["visible_before_filter"] = page.evaluate(visible)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        facts["focused_after_two_tabs"] = page.evaluate("() => document.activeElement && document.activeElement.id")
        page.check("#only-problems")
        facts["visible_with_filter"] = page.evaluate(visible)
        page.uncheck("#only-problems")
        facts["embedded_report_jobs"] = page.evaluate("() => JSON.parse(document.getElementById('run-report').textContent).jobs.length")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=screenshot, full_page=False)
        browser.close()
    json.dump(facts, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
