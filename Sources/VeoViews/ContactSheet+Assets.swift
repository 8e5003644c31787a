// The contact sheet's inline style and script (no external file, font or request).

extension ContactSheet {
    static let style = """
        :root { color-scheme: light dark; --bg: #f6f6f4; --fg: #1d1d1f; --muted: #5f6368; --card: #ffffff;
          --line: #d9d9d6; --ok: #1e7d34; --bad: #b3261e; --warn: #8a5a00; --accent: #0b57d0; }
        @media (prefers-color-scheme: dark) { :root { --bg: #141416; --fg: #ececf0; --muted: #a8acb3; --card: #1f2024;
          --line: #34363b; --ok: #6fd08c; --bad: #ff8a80; --warn: #f2c46d; --accent: #8ab4f8; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
        a { color: var(--accent); }
        a:focus-visible, input:focus-visible, video:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip-link { position: absolute; left: -999px; } .skip-link:focus { left: 1rem; top: 1rem; background: var(--card); padding: .5rem; }
        header, main, footer { padding: 1rem 1.5rem; }
        h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
        .run-status { font-weight: 600; margin: 0 0 .75rem; }
        .status-succeeded.run-status { color: var(--ok); } .status-failed.run-status, .status-interrupted.run-status { color: var(--bad); }
        .totals { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: 0; }
        .totals div, .facts div { display: flex; gap: .4rem; } dt { color: var(--muted); } dd { margin: 0; }
        .note { color: var(--muted); font-size: .85rem; }
        .badge { font-size: .8rem; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; color: var(--muted); font-weight: 400; }
        .shot { margin: 0 0 1.5rem; content-visibility: auto; contain-intrinsic-size: auto 640px; } .shot h2 { font-size: 1.15rem; margin: 0 0 .5rem; } .count { color: var(--muted); font-weight: 400; font-size: .85rem; }
        .cards { display: grid; grid-auto-flow: column; grid-auto-columns: minmax(300px, 340px); gap: 1rem; overflow-x: auto; padding-bottom: .5rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .75rem; min-width: 0; }
        .card h3 { margin: 0; font-size: 1rem; }
        .card.status-failed { border: 2px solid var(--bad); } .card.status-skipped { border: 2px dashed var(--warn); }
        .status-label { font-weight: 600; text-transform: uppercase; font-size: .75rem; letter-spacing: .04em; }
        .status-failed .status-label { color: var(--bad); } .status-skipped .status-label { color: var(--warn); } .status-succeeded .status-label { color: var(--ok); }
        .job-id { color: var(--muted); font-size: .8rem; }
        .badges { margin: .15rem 0 .5rem; }
        .media { margin: 0; } video { width: 100%; height: auto; aspect-ratio: 16 / 9; background: #000; border-radius: 6px; display: block; }
        .strip { width: 100%; height: auto; margin-top: .25rem; border-radius: 4px; display: block; }
        figcaption { font-size: .8rem; color: var(--muted); overflow-wrap: anywhere; }
        .no-clip { aspect-ratio: 16 / 9; display: grid; place-items: center; border: 1px dashed var(--line); border-radius: 6px; color: var(--muted); }
        .error { color: var(--bad); overflow-wrap: anywhere; } .skip { color: var(--warn); overflow-wrap: anywhere; }
        .prompt { white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0; }
        .inputs { list-style: none; padding: 0; margin: 0 0 .5rem; font-size: .85rem; }
        .inputs li { display: flex; align-items: center; gap: .4rem; margin: .2rem 0; overflow-wrap: anywhere; }
        .inputs img { border-radius: 4px; border: 1px solid var(--line); }
        .role { color: var(--muted); min-width: 5.5rem; }
        .facts { font-size: .85rem; margin: 0; display: grid; gap: .1rem; }
        code { font-size: .85em; overflow-wrap: anywhere; }
        body.only-problems .card[data-status="succeeded"] { display: none; }
        body.only-problems .shot.no-problems { display: none; }
        .cut-clips { font-size: .85rem; margin: .25rem 0 .5rem; padding-left: 1.4rem; } .cut-clips .trim { color: var(--muted); }
        footer { color: var(--muted); font-size: .85rem; }
        """

    /// The filter (only failed and skipped jobs) and posters loaded as cards come into view.
    static let script = """
        (function () {
          var box = document.getElementById('only-problems');
          var shots = Array.prototype.slice.call(document.querySelectorAll('.shot'));
          shots.forEach(function (s) {
            if (!s.querySelector('.card:not([data-status="succeeded"])')) s.classList.add('no-problems');
          });
          var empty = document.querySelector('.empty-filter');
          function apply() {
            document.body.classList.toggle('only-problems', box.checked);
            empty.hidden = !(box.checked && shots.every(function (s) { return s.classList.contains('no-problems'); }));
          }
          box.addEventListener('change', apply);
          apply();
          var videos = document.querySelectorAll('video[data-poster]');
          function show(v) { if (!v.poster) v.poster = v.getAttribute('data-poster'); }
          if ('IntersectionObserver' in window) {
            var seen = new IntersectionObserver(function (entries) {
              entries.forEach(function (e) { if (e.isIntersecting) { show(e.target); seen.unobserve(e.target); } });
            }, { rootMargin: '400px' });
            videos.forEach(function (v) { seen.observe(v); });
          } else {
            videos.forEach(show);
          }
        })();
        """
}
