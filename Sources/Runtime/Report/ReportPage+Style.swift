extension ReportPage {
    /// The page's inline CSS. Colour pairs of text on background keep a contrast ratio of at least 4.5:1, and only
    /// fonts installed on the reader's system are named.
    static let style = """

        :root { color-scheme: light; --ink: #1b2330; --muted: #4b5563; --line: #d6dce4; --page: #f2f4f7;
          --accent: #2f6db5; --accent-dark: #17467f; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--page); color: var(--ink); overflow-wrap: anywhere;
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial,
          sans-serif; }
        main { max-width: 82rem; margin: 0 auto; padding: 1rem 1.25rem 2rem; }
        h1 { font-size: 1.55rem; margin: 0.1rem 0; line-height: 1.25; }
        h2 { font-size: 1.1rem; margin: 0 0 0.6rem; }
        h3 { font-size: 0.98rem; margin: 0.9rem 0 0.4rem; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
          font-size: 0.86em; }
        .top { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; align-items: flex-end;
          justify-content: space-between; padding-bottom: 0.75rem; border-bottom: 1px solid var(--line); }
        .eyebrow, .sub { margin: 0; color: var(--muted); font-size: 0.9rem; }
        .times { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; margin: 0; }
        .times dt { color: var(--muted); font-size: 0.8rem; }
        .times dd { margin: 0; font-variant-numeric: tabular-nums; }
        .badge { display: inline-block; vertical-align: middle; padding: 0.1rem 0.55rem; border-radius: 999px;
          border: 1px solid; font-size: 0.75rem; font-weight: 700; letter-spacing: 0.04em;
          text-transform: uppercase; }
        .status-committed { background: #dcf2e3; color: #14532d; border-color: #8fcca3; }
        .status-held { background: #fff1c2; color: #6b3d00; border-color: #d9a514; }
        .status-blocked, .status-failed { background: #fde2e0; color: #8a1c12; border-color: #eb9a92; }
        .status-interrupted { background: #fde7d4; color: #7c2d05; border-color: #e8a36e; }
        .status-running { background: #dbe9fb; color: #163f73; border-color: #92b6e6; }
        .status-discarded, .status-expired, .status-superseded, .status-other { background: #e8ebef; color: #374151;
          border-color: #b4bcc8; }
        .severity-error { background: #fde2e0; color: #8a1c12; border-color: #eb9a92; }
        .severity-warning { background: #fff1c2; color: #6b3d00; border-color: #d9a514; }
        .severity-info, .severity-other { background: #dbe9fb; color: #163f73; border-color: #92b6e6; }
        .panel, .alert { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem;
          margin-top: 1rem; min-width: 0; }
        .alert { border-width: 2px; border-left-width: 8px; }
        .alert h2 { font-size: 1.2rem; }
        .hold { background: #fffaeb; border-color: #c98a00; }
        .hold .over { color: #8a1c12; font-weight: 700; }
        .hold table { max-width: 52rem; }
        .failure { background: #fff5f4; border-color: #c2372b; }
        .message { font-size: 1.02rem; margin: 0 0 0.6rem; }
        .hold-note { border-left: 6px solid #b4bcc8; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); gap: 0 1rem; }
        .tiles { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.6rem; }
        .tile { border: 1px solid; border-radius: 8px; padding: 0.45rem 0.7rem; font-weight: 600; }
        .tile.zero { background: #f6f7f9; color: var(--muted); border-color: var(--line); }
        .tile .n { display: block; font-size: 1.7rem; line-height: 1.15; font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
        table.examples { min-width: 46rem; }
        table.records { min-width: 36rem; }
        th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left;
          vertical-align: top; overflow-wrap: break-word; }
        td.value { overflow-wrap: anywhere; min-width: 7rem; }
        thead th { color: var(--muted); font-size: 0.8rem; font-weight: 600;
          border-bottom: 2px solid var(--line); white-space: nowrap; }
        tbody th { font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; overflow-wrap: normal; }
        .zero { color: var(--muted); }
        .count-error { color: #8a1c12; font-weight: 700; }
        .count-warning { color: #6b3d00; font-weight: 700; }
        .count-info { color: #163f73; }
        .place { white-space: nowrap; overflow-wrap: normal; }
        td.value { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
          font-size: 0.84rem; }
        .rule { border-top: 1px solid var(--line); padding-top: 0.2rem; }
        .rule:first-of-type { border-top: 0; }
        .rule .count { color: var(--muted); font-weight: 400; }
        .files { margin: 0 0 0.4rem; color: var(--muted); font-size: 0.88rem; }
        .ids code { display: inline-block; background: #eef1f5; border-radius: 4px; padding: 0 0.3rem;
          margin: 0.1rem 0.15rem 0.1rem 0; }
        .change { font-weight: 600; }
        .change-created { color: #14532d; }
        .change-removed { color: #8a1c12; }
        .change-updated, .change-restored { color: #163f73; }
        .empty { color: #14532d; background: #effaf2; border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0.6rem 0 0; }
        .note { color: var(--muted); font-size: 0.88rem; margin: 0.5rem 0 0; }
        .none { color: var(--muted); }
        .hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
          white-space: nowrap; }
        figure.chart { margin: 0; }
        figure.chart svg { display: block; width: 100%; height: auto; max-height: 19rem; }
        svg text { font-family: system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif; font-size: 11px;
          fill: #374151; }
        svg .axis-title { font-size: 11px; font-weight: 600; fill: var(--muted); }
        svg text.current { font-weight: 700; fill: var(--ink); }
        svg .gridline { stroke: #e3e7ed; }
        svg .baseline { stroke: #8b95a3; }
        svg .bar { fill: #8fb4e3; }
        svg .bar.current { fill: var(--accent); stroke: var(--accent-dark); stroke-width: 1.5; }
        svg .bar.other { fill: #c6ccd5; }
        svg .bar.other.current { fill: #9aa3af; stroke: #4b5563; }
        svg .problems { fill: none; stroke: #c2372b; stroke-width: 2; }
        svg .point { fill: #fff; stroke: #c2372b; stroke-width: 2; }
        details { margin-top: 0.5rem; font-size: 0.88rem; }
        summary { cursor: pointer; color: var(--accent-dark); }
        footer { margin-top: 1.5rem; color: var(--muted); font-size: 0.82rem; }
        @media (max-width: 56rem) { main { padding: 0.75rem; } .panel, .alert { padding: 0.8rem; } }
        @media (max-width: 40rem) { .tiles { grid-template-columns: 1fr; } }

        """
}
