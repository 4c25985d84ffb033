"""The policy-review report as CSV and as one self-contained HTML file with inline
SVG charts (no scripts, no external files: it can be emailed or printed to PDF)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, tzinfo
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from consent_store.channels import CHANNELS
from consent_store.channels import label as channel_label
from moderation.rule_labels import rule_label
from secondlook.release.policy_report import PolicyReport

_TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(str(_TEMPLATES)),
                   autoescape=select_autoescape(["html"]))
# People read rules and channels in words; the CSV keeps the ids for scripts.
_env.filters["rule_label"] = rule_label
_env.filters["channel"] = lambda name: channel_label(name) if name in CHANNELS else name
# Buckets people think in: same morning, same day, next day, this week, longer.
APPROVAL_BUCKETS = ((1, "under 1 h"), (4, "1–4 h"), (24, "4–24 h"), (72, "1–3 days"),
                    (float("inf"), "over 3 days"))


# Presentation attributes, not CSS: the web page's Content-Security-Policy allows no
# inline styles, and the chart must look the same there and in the exported file.
_FONT = 'font-family="system-ui, sans-serif" font-size="13" fill="#1b1b1b"'


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 640) -> Markup:
    """Horizontal bars with their labels and values; accessible through role and title."""
    bar, gap, label_w, pad = 20, 6, 250, 50
    height = max(1, len(items)) * (bar + gap) + gap
    top = max((v for _, v in items), default=0) or 1
    # The viewBox lets a phone draw the chart narrower, scaled, instead of cutting it off.
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">'
             f"<title>{escape(title)}</title>"]
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar + gap)
        w = (width - label_w - pad) * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" {_FONT}>'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" rx="2" '
            f'fill="#2f6f9f"></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar * 0.7:.1f}" {_FONT}>{value:g}</text>')
    if not items:
        parts.append(f'<text x="8" y="{bar * 0.7:.1f}" {_FONT}>nothing in this period</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def approval_buckets(hours: list[float]) -> list[tuple[str, float]]:
    counts = Counter(next(label for limit, label in APPROVAL_BUCKETS if h < limit)
                     for h in hours)
    return [(label, counts.get(label, 0)) for _, label in APPROVAL_BUCKETS]


def charts(report: PolicyReport) -> dict[str, Markup]:
    per_check = Counter()
    for f in report.findings:
        per_check[f.check] += f.drafts
    return {
        "posts": bar_chart([(channel_label(c), n) for c, n in report.posts_per_channel.items()],
                           title="Posts per channel"),
        "checks": bar_chart([(c.replace("_", " "), n) for c, n in
                             sorted(per_check.items(), key=lambda kv: -kv[1])],
                            title="Drafts with findings, per check"),
        "approval": bar_chart(approval_buckets(report.approval_hours),
                              title="Time from submission to approval"),
    }


def body_html(report: PolicyReport, *, generated: datetime,
              links: dict[str, str] | None = None, zone: tzinfo = UTC) -> Markup:
    """The report's sections, for the web page; ``links`` adds a date form and downloads.
    Times are written in ``zone`` (the school's)."""
    return Markup(_env.get_template("policy_report_body.html").render(
        r=report, charts=charts(report), summary=report.approval_summary(),
        generated=generated, links=links or {}, zone=zone,
        zone_name=getattr(zone, "key", "UTC")))


def to_html(report: PolicyReport, *, generated: datetime, zone: tzinfo = UTC) -> str:
    """The whole report as one file: inline CSS and SVG, no scripts, nothing fetched."""
    return _env.get_template("policy_report.html").render(
        r=report, body=body_html(report, generated=generated, zone=zone))


def _cell(value: object) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @) is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: PolicyReport) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "item", "detail", "value"])
    w.writerow(["period", report.period.start.isoformat(), report.period.end.isoformat(), ""])
    w.writerow(["drafts", "checked", "", report.drafts_checked])
    w.writerow(["drafts", "released", "", report.drafts_released])
    w.writerow(["drafts", "partly released", "", len(report.partly_released)])
    w.writerow(["drafts", "returned", "", report.returned])
    w.writerow(["drafts", "rejected", "", report.rejected])
    for channel, count in report.posts_per_channel.items():
        w.writerow(["posts", channel, "", count])
    for p in report.partly_released:
        w.writerow(["partly released", f"draft {p.draft_id} revision {p.revision}",
                    f"on {';'.join(p.posted)}", f"not on {';'.join(p.missing)}"])
    for f in report.findings:
        w.writerow(["findings", f.check, f"{f.rule} ({f.severity})", f.drafts])
    for key, value in report.approval_summary().items():
        w.writerow(["approval_hours", key, "", "" if value is None else value])
    for o in report.overrides:
        w.writerow(["override", f"draft {o.draft_id} revision {o.revision}",
                    _cell(f"{o.by} ({o.role}) {o.at:%Y-%m-%d %H:%M}"), _cell(o.reason)])
    for t in report.takedowns:
        closed = f"closed {t.closed_at:%Y-%m-%d}" if t.closed_at else "open"
        w.writerow(["takedown", f"{t.channel} draft {t.draft_id}",
                    _cell(f"{t.learner_upn}: {t.reason}; {closed}"), _cell(t.url)])
    return out.getvalue()
