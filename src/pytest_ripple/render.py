"""A report document (:mod:`summary`) as Markdown (for ``$GITHUB_STEP_SUMMARY`` or a
merge request note) or as one HTML page that opens from disk: inline CSS, an inline
SVG bar chart, no script, no network, no external asset."""

from __future__ import annotations

import html
from typing import Any

MAX_ROWS = 200  # tests listed in full; a summary of 100k tests must stay readable


def seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 10:
        return f"{s:.2f} s"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def headline(doc: dict[str, Any]) -> str:
    counts = doc["counts"]
    shard = f" (shard {doc['shard']})" if doc.get("shard") else ""
    if doc["source"] == "data file":
        what = f"{counts['selected']} of {counts['collected']} tests affected now"
    else:
        what = f"{counts['selected']} of {counts['collected']} tests run{shard}"
    return f"pytest-ripple: {what}"


def facts(doc: dict[str, Any]) -> list[str]:
    counts, time = doc["counts"], doc["time"]
    files = len(doc["changes"]["files"])
    out = [
        f"{files} file{'s' if files != 1 else ''} changed",
        f"{counts['deselected']} deselected",
        f"estimated time saved {seconds(time['deselected'])}",
    ]
    if counts.get("left_out"):
        out.append(f"{counts['left_out']} affected left out by other filters")
    if doc.get("shard"):
        out.append(f"{counts['other_shards']} in other shards")
    env = doc["environment"]
    out.append(f"{env['name']} {env['python']}" + (f", {doc['engine']}" if doc["engine"] else ""))
    return out


# -- Markdown -----------------------------------------------------------------------------


def _cell(text: object) -> str:
    """A table cell: pipes and line breaks would end it."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(doc: dict[str, Any]) -> str:
    lines = [f"### {headline(doc)}", "", " · ".join(facts(doc)), ""]
    by_change = doc["by_change"]
    if by_change:
        lines += ["| Change | Tests selected |", "| --- | ---: |"]
        lines += [f"| {_cell(change)} | {len(tests)} |" for change, tests in by_change.items()]
        lines.append("")
    tests = doc["tests"]
    if tests:
        lines += [f"<details><summary>Selected tests ({len(tests)})</summary>", ""]
        lines += ["| Test | Outcome | Time | Why |", "| --- | --- | ---: | --- |"]
        for t in tests[:MAX_ROWS]:
            lines.append(
                f"| `{_cell(t['nodeid'])}` | {t['outcome'] or '-'} | "
                f"{seconds(t['duration'])} | {_cell(t['reason'])} |"
            )
        if len(tests) > MAX_ROWS:
            lines.append(f"| ... {len(tests) - MAX_ROWS} more | | | |")
        lines += ["", "</details>", ""]
    elif doc["source"] == "run":
        lines += ["No test was affected: nothing ran.", ""]
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------------

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em;
       color: #1f2328; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
.facts { color: #57606a; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #eaeef2;
         vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
code { font: 12px ui-monospace, monospace; }
.failed { color: #cf222e; font-weight: 600; } .passed { color: #1a7f37; }
ul.tests { margin: .2em 0 .8em; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def chart(doc: dict[str, Any]) -> str:
    """Selected, deselected (and other shards') time as horizontal bars, inline SVG."""
    time = doc["time"]
    bars = [
        ("selected", time["selected"], "#0969da"),
        ("deselected", time["deselected"], "#8c959f"),
    ]
    if doc.get("shard"):
        bars.append(("other shards", time["other_shards"], "#bf8700"))
    top = max((v for _, v, _ in bars), default=0.0) or 1.0
    width, row = 360, 26
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="chart" role="img" width="{width + 230}" '
        f'height="{row * len(bars) + 4}" aria-label="selected and deselected test time">'
    ]
    for i, (label, value, colour) in enumerate(bars):
        y = i * row + 2
        w = max(round(width * value / top), 1 if value else 0)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="13">{_e(label)}</text>'
            f'<rect class="bar" data-label="{_e(label)}" x="100" y="{y}" width="{w}" '
            f'height="{row - 8}" fill="{colour}"/>'
            f'<text x="{106 + w}" y="{y + 15}" font-size="13">{_e(seconds(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _changes_section(doc: dict[str, Any]) -> list[str]:
    names = doc["changes"]["names"]
    out = ["<h2>Changed</h2>"]
    if not names:
        return [*out, "<p>No file changed since the data was recorded.</p>"]
    out.append('<ul id="changed">')
    for path, found in names.items():
        shown = ", ".join(f"<code>{_e(n)}</code>" for n in found) or "(content)"
        out.append(f"<li><code>{_e(path)}</code>: {shown}</li>")
    return [*out, "</ul>"]


def _selected_by_change(doc: dict[str, Any]) -> list[str]:
    out = ["<h2>What each change selected</h2>"]
    if not doc["by_change"]:
        return [*out, "<p>Nothing was selected.</p>"]
    out.append('<dl id="by-change">')
    for change, tests in doc["by_change"].items():
        out.append(f"<dt><code>{_e(change)}</code> ({len(tests)})</dt><dd><ul class='tests'>")
        out += [f"<li><code>{_e(n)}</code></li>" for n in tests[:MAX_ROWS]]
        if len(tests) > MAX_ROWS:
            out.append(f"<li>... {len(tests) - MAX_ROWS} more</li>")
        out.append("</ul></dd>")
    return [*out, "</dl>"]


def _tests_table(doc: dict[str, Any]) -> list[str]:
    tests = doc["tests"]
    if not tests:
        return []
    out = [
        f"<h2>Selected tests ({len(tests)})</h2>",
        '<table id="tests"><thead><tr><th>Test</th><th>Outcome</th>'
        '<th class="num">Time</th><th>Why</th></tr></thead><tbody>',
    ]
    for t in tests[:MAX_ROWS]:
        outcome = t["outcome"] or "-"
        out.append(
            f"<tr><td><code>{_e(t['nodeid'])}</code></td>"
            f'<td class="{_e(outcome)}">{_e(outcome)}</td>'
            f'<td class="num">{_e(seconds(t["duration"]))}</td><td>{_e(t["reason"])}</td></tr>'
        )
    if len(tests) > MAX_ROWS:
        out.append(f"<tr><td colspan='4'>... {len(tests) - MAX_ROWS} more</td></tr>")
    return [*out, "</tbody></table>"]


def page(doc: dict[str, Any]) -> str:
    title = headline(doc)
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="facts" id="facts">{_e(" · ".join(facts(doc)))}</p>',
        "<h2>Time</h2>",
        chart(doc),
        *_changes_section(doc),
        *_selected_by_change(doc),
        *_tests_table(doc),
        f'<p class="facts">{_e(doc["source"])}, {_e(doc["created"])}, pytest-ripple '
        f"{_e(doc['version'])}</p>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
