import Foundation

/// The live page: one self-contained HTML file (no scripts or fonts fetched from anywhere)
/// that polls Prometheus text endpoints once a second and draws, per stage, the clusters/s
/// out, the lag behind the bunch-crossing clock, the losses (dropped, missed, malformed,
/// skipped) and the latency p50/p99 over the last five minutes, as SVG.
public enum LivePage {
    /// A stage's endpoints as the page reaches them (relative to the page).
    public struct Source: Encodable, Sendable {
        /// Shown beside its stages when there are several sources.
        public let name: String
        /// Prometheus text, polled.
        public let metrics: String
        /// The last minutes, read once when the page opens.
        public let history: String
    }

    public static func html(sources: [Source]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(sources)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        // "</" cannot end the script early inside a JSON string.
        return template.replacingOccurrences(of: "__SOURCES__", with: json.replacingOccurrences(of: "</", with: "<\\/"))
    }

    static let template = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>smartpix: live</title>
        <style>
        body { font: 14px/1.4 "DejaVu Sans", sans-serif; margin: 16px 24px; color: #222; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        #status { color: #555; margin: 0 0 12px; }
        table { border-collapse: collapse; margin-bottom: 16px; }
        th, td { padding: 2px 10px; text-align: right; border-bottom: 1px solid #ddd; }
        th:first-child, td:first-child { text-align: left; }
        .charts { display: grid; grid-template-columns: repeat(2, 560px); gap: 12px 24px; }
        .chart { background: #fafafa; border: 1px solid #ddd; }
        .chart text { font-size: 11px; fill: #444; }
        .chart .title { font-size: 13px; fill: #222; }
        .down { color: #d62728; }
        </style></head>
        <body>
        <h1>Smart-pixel readout chain, live</h1>
        <p id="status">waiting for the first poll</p>
        <table id="now"></table>
        <div class="charts" id="charts"></div>
        <script>
        const SOURCES = __SOURCES__;
        const POLL_MS = 1000, KEEP_S = 300, RATE_S = 5, W = 560, H = 240, L = 64, R = 12, T = 24, B = 40;
        const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
        const CHARTS = [
          {id: 'rate', title: 'clusters per second out of each stage (over 5 s)', value: s => s.rate},
          {id: 'lag', title: 'lag behind the bunch-crossing clock (ms)', value: s => s.g.lag_seconds === undefined ? null : s.g.lag_seconds * 1e3},
          {id: 'losses', title: 'dropped + missed + malformed + skipped (since start)', value: s => s.losses},
          {id: 'latency', title: 'latency p99 (solid) and p50 (dashed), us', value: s => s.g.latency_p99_seconds === undefined ? null : s.g.latency_p99_seconds * 1e6,
           second: s => s.g.latency_p50_seconds === undefined ? null : s.g.latency_p50_seconds * 1e6},
        ];
        const history = {}, previous = {}, colour = {};
        let polls = 0;

        function parse(text) {
          const out = [];
          for (const line of text.split('\n')) {
            if (!line || line[0] === '#') continue;
            const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
            if (!m) continue;
            const labels = {};
            if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
            out.push({name: m[1], labels, value: parseFloat(m[4])});
          }
          return out;
        }

        // One entry per stage (and worker) of a source: counters c, gauges g.
        function stages(source, samples) {
          const out = {};
          for (const s of samples) {
            if (!s.name.startsWith('smartpix_') || !s.labels.stage) continue;
            const key = (SOURCES.length > 1 ? source + ' ' : '') + s.labels.stage + (s.labels.worker !== undefined ? ' ' + s.labels.worker : '');
            const st = out[key] ??= {key, stage: s.labels.stage, g: {}, c: {}};
            const n = s.name.slice('smartpix_'.length);
            if (n === 'run_info') st.run = s.labels.run_id;
            else if (n.startsWith('latency_seconds')) continue;
            else if (n.endsWith('_total')) { if (!s.labels.reason && !s.labels.output && !s.labels.count) st.c[n] = s.value; }
            else if (!s.labels.hop) st.g[n] = s.value;
          }
          return Object.values(out);
        }

        function record(st, t) {
          const c = st.c, out = c.clusters_out_total ?? c.clusters_in_total;
          st.out = out;
          st.rate = null;
          if (out !== undefined) {
            // Over the last 5 s: stages publish once or twice a second, so two polls a second
            // apart may see one publish, none or two.
            const seen = (previous[st.key] ??= []);
            seen.push([t, out]);
            while (seen.length > 1 && seen[1][0] <= t - RATE_S) seen.shift();
            const [t0, out0] = seen[0];
            if (t - t0 >= 1) st.rate = Math.max(0, (out - out0) / (t - t0));
          }
          st.losses = ['dropped_records_total', 'missed_messages_total', 'malformed_messages_total', 'skipped_records_total']
            .reduce((a, k) => a + (c[k] ?? 0), 0);
          colour[st.key] ??= COLOURS[Object.keys(colour).length % COLOURS.length];
          for (const chart of CHARTS) {
            for (const [which, f] of [['', chart.value], ['2', chart.second]]) {
              if (!f) continue;
              const v = f(st);
              if (v === null || v === undefined || !isFinite(v)) continue;
              const series = (history[chart.id + which] ??= {})[st.key] ??= [];
              series.push([t, v]);
              while (series.length && series[0][0] < t - KEEP_S) series.shift();
            }
          }
        }

        function fmt(v, digits = 3) {
          if (v === null || v === undefined || !isFinite(v)) return '';
          const a = Math.abs(v);
          return a >= 1e6 ? (v / 1e6).toPrecision(digits) + 'M' : a >= 1e3 ? (v / 1e3).toPrecision(digits) + 'k' : a === 0 ? '0' : v.toPrecision(digits);
        }

        function table(all) {
          const head = ['stage', 'run', 'clusters in', 'clusters out', 'out/s', 'real-time factor', 'lag (ms)', 'lost', 'p50 (us)', 'p99 (us)', 'memory (MB)'];
          const rows = all.map(s => [s.key, s.run ?? '', fmt(s.c.clusters_in_total, 6), fmt(s.out, 6), fmt(s.rate), fmt(s.g.real_time_factor),
            s.g.lag_seconds === undefined ? '' : fmt(s.g.lag_seconds * 1e3), fmt(s.losses, 6),
            s.g.latency_p50_seconds === undefined ? '' : fmt(s.g.latency_p50_seconds * 1e6), s.g.latency_p99_seconds === undefined ? '' : fmt(s.g.latency_p99_seconds * 1e6),
            s.g.resident_memory_bytes === undefined ? '' : fmt(s.g.resident_memory_bytes / 1e6)]);
          document.getElementById('now').innerHTML = '<tr>' + head.map(h => '<th>' + h + '</th>').join('') + '</tr>' +
            rows.map(r => '<tr>' + r.map(c => '<td>' + String(c).replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</td>').join('') + '</tr>').join('');
        }

        function draw(now) {
          const box = document.getElementById('charts');
          for (const chart of CHARTS) {
            const solid = history[chart.id] ?? {}, dashed = history[chart.id + '2'] ?? {};
            const all = [...Object.values(solid), ...Object.values(dashed)].flat();
            const top = (Math.max(0, ...all.map(p => p[1])) || 1) * 1.1;
            const x = t => L + (W - L - R) * (1 - (now - t) / KEEP_S), y = v => H - B - (H - T - B) * v / top;
            let svg = `<svg class="chart" id="chart-${chart.id}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">`;
            svg += `<text class="title" x="${L}" y="16">${chart.title}</text>`;
            svg += `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>`;
            for (const f of [0, 0.5, 1]) svg += `<text x="${L - 4}" y="${y(top / 1.1 * f) + 4}" text-anchor="end">${fmt(top / 1.1 * f)}</text>`;
            svg += `<text x="${L}" y="${H - B + 16}">-5 min</text><text x="${W - R}" y="${H - B + 16}" text-anchor="end">now</text>`;
            const latest = {};
            let k = 0;
            for (const [set, dash] of [[solid, ''], [dashed, ' stroke-dasharray="4 3"']]) {
              for (const [key, series] of Object.entries(set)) {
                if (!series.length) continue;
                const points = series.map(p => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
                svg += `<polyline class="series" data-key="${key}" fill="none" stroke="${colour[key]}" stroke-width="2"${dash} points="${points}"/>`;
                if (!dash) {
                  latest[key] = series[series.length - 1][1];
                  svg += `<text x="${L + 8}" y="${T + 14 + 13 * k++}" fill="${colour[key]}" style="fill:${colour[key]}">${key}</text>`;
                }
              }
            }
            svg += '</svg>';
            let holder = document.getElementById('holder-' + chart.id);
            if (!holder) { holder = document.createElement('div'); holder.id = 'holder-' + chart.id; box.appendChild(holder); }
            holder.innerHTML = svg;
            holder.firstChild.dataset.latest = JSON.stringify(latest);
          }
        }

        // What happened before the page opened: each source's last minutes, oldest first.
        async function backfill() {
          for (const source of SOURCES) {
            try {
              const r = await fetch(source.history, {cache: 'no-store'});
              if (!r.ok) continue;
              for (const snap of await r.json()) for (const st of stages(source.name, parse(snap.text))) record(st, snap.t);
            } catch (e) { /* the live polls say what is unreachable */ }
          }
        }

        async function poll() {
          const t = Date.now() / 1000, all = [], down = [];
          for (const source of SOURCES) {
            try {
              const r = await fetch(source.metrics, {cache: 'no-store'});
              if (!r.ok) throw new Error('HTTP ' + r.status);
              for (const st of stages(source.name, parse(await r.text()))) { record(st, t); all.push(st); }
            } catch (e) { down.push(source.name + ' (' + e.message + ')'); }
          }
          polls += 1;
          table(all);
          draw(t);
          const status = document.getElementById('status');
          status.textContent = `${polls} polls, last at ${new Date(t * 1000).toLocaleTimeString()}; ${all.length} stages` + (down.length ? '; unreachable: ' + down.join(', ') : '');
          status.className = down.length ? 'down' : '';
          document.body.dataset.polls = polls;
        }

        backfill().then(() => { poll(); setInterval(poll, POLL_MS); });
        </script>
        </body></html>
        """#
}
