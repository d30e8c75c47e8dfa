"""Formats one benchmark run (bench.py's report dict) as Markdown: the tables, the ratios and the targets."""


def ms(us):
    return f"{us / 1000:.1f}"


def run_at(series, connections):
    return next((r for r in series["runs"] if r["connections"] == connections), None)


def render(report, opts):
    out = [f"# ChatIngest benchmark, {report['started']}", "",
           f"- {report['cores']} cores; load average (1/5/15 min) before: {report['load_before']}, "
           f"after: {report.get('load_after', '?')}",
           f"- mode: {'soak' if opts.soak else 'quick' if opts.quick else 'full'}; "
           f"{report['orders_per_18']} of every 18 pushes are order events, the rest chat messages", ""]
    names = {"a": "(a) bare Kestrel 204", "b": "(b) ChatIngest push", "c": "(c) one INSERT per request"}
    push = [k for k in "abc" if k in report]
    if push:
        out += ["| endpoint | connections | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | peak RSS MB "
                "| server CPU µs/req | cores busy |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for k in push:
            s = report[k]
            for r in s["runs"]:
                errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
                out.append(f"| {names[k]} | {r['connections']} | {r['rps']:,.0f} | {ms(r['p50_us'])} | "
                           f"{ms(r['p99_us'])} | {ms(r['max_us'])} | {r['non2xx']} | {errors} | {s['peak_rss_mb']:.0f} | "
                           f"{r['server_cpu_us']:.1f} | {r['cores_busy']:.0%} |")
        out.append("")
    for k in "de":
        if k in report:
            r = report[k]
            label = "(d) POST /replay" if k == "d" else "(e) DuckDB read_json load"
            if "warmup_lines" in r:
                label += f" (after {r['warmup_lines']:,} warm-up lines)"
            out.append(f"- {label}: {r['rows_per_s']:,.0f} rows/s ({r['seconds']:.1f} s), peak RSS {r['peak_rss_mb']:.0f} MB")
    if "e" in report:
        out += ["", "```", report["e"]["steps"], "```"]
    out += ["", "## Checks (every acknowledged row is in the file, every answer 2xx)", ""]
    for k in "abcd":
        if k in report and report[k].get("check"):
            out.append(f"- {k}: {check_text(report[k]['check'])}")
    out += ["", "## Ratios and targets", ""]
    out += targets(report)
    if "soak" in report:
        out += soak_lines(report["soak"])
    return "\n".join(out) + "\n"


def check_text(c):
    """acknowledged <= stored <= made (the requests wrk built), no dead letter, every answer 2xx, no socket error."""
    parts = []
    if "acked" in c:
        parts.append(f"acknowledged {c['acked']:,}, stored {c['stored']:,}"
                     + (f" (at most {c['made']:,}: the requests sent)" if "made" in c else ""))
    if "dead_letters" in c:
        parts.append(f"dead letters {c['dead_letters']}")
    if "non2xx" in c:
        parts.append(f"non-2xx {c['non2xx']}, socket errors {c['socket_errors']}")
    return ", ".join(parts) + f" -> {'OK' if c['ok'] else 'FAILED'}"


def targets(report):
    lines = []
    if "a" in report and "b" in report:
        for connections in (16, 64, 256):
            a, b = run_at(report["a"], connections), run_at(report["b"], connections)
            if a and b:
                ratio = b["rps"] / a["rps"]
                note = ""
                if connections == 64:
                    met = ratio >= 0.40 and b["p99_us"] <= 25_000
                    note = f" — target b/a >= 0.40 with p99 <= 25 ms: {'MET' if met else 'NOT MET'}"
                lines.append(f"- b/a at {connections} connections: {ratio:.2f} (b p99 {ms(b['p99_us'])} ms){note}")
    if "b" in report and "c" in report:
        for connections in (16, 64, 256):
            b, c = run_at(report["b"], connections), run_at(report["c"], connections)
            if b and c:
                ratio = b["rps"] / c["rps"]
                lines.append(f"- b/c at {connections} connections: {ratio:.1f} — target >= 25: {'MET' if ratio >= 25 else 'NOT MET'}")
    if "d" in report and "e" in report:
        ratio = report["d"]["rows_per_s"] / report["e"]["rows_per_s"]
        lines.append(f"- d/e: {ratio:.2f} — target >= 0.40: {'MET' if ratio >= 0.40 else 'NOT MET'}")
    return lines or ["- (not all of a..e were run)"]


def soak_lines(s):
    r = s["wrk"]
    lines = ["", "## Soak (sustained push at 64 connections)", "",
             f"- {r['rps']:,.0f} req/s over {r['duration_us'] / 1e6:.0f} s; p50 {ms(r['p50_us'])} ms, p99 {ms(r['p99_us'])} ms, "
             f"max {ms(r['max_us'])} ms; non-2xx {r['non2xx']}",
             f"- RSS: peak (VmHWM) {s['peak_rss_mb']:.0f} MB; mean of middle third {s['middle_third_mb']:.0f} MB, "
             f"of last third {s['last_third_mb']:.0f} MB",
             f"- target <= 300 MB: {'MET' if s['within_300'] else 'NOT MET'}; flat (last third within 10% of middle): "
             f"{'MET' if s['flat'] else 'NOT MET'}",
             f"- {check_text(s['check'])}",
             "", "RSS samples (s, MB): " + ", ".join(f"{t}:{m:.0f}" for t, m in s["samples"])]
    return lines
