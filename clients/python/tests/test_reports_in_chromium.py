"""The HTML reports seen as a person sees them: Debian's headless Chromium lays each page out,
a probe script measures every plotted curve's rendered box, and a screenshot must show the
series' colours. A missing Chromium fails (scripts/test.sh installs it), it is never skipped."""
import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("SMARTPIX_BUILD", os.path.join(ROOT, ".build", "debug"))
SMARTPIX = os.path.join(BUILD, "smartpix")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The first two series colours of every figure (Sources/Plots/TrendFigure.swift).
BLUE, ORANGE = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)

# Runs in the page after layout: per figure, the rendered size of each data curve and the
# number of drawn markers, written into the page for --dump-dom to print.
PROBE = """<script>
window.addEventListener('load', () => {
  const figures = [...document.querySelectorAll('figure svg, body > svg, svg')].filter((v, i, a) => a.indexOf(v) === i);
  const out = figures.map(svg => ({
    width: svg.getBoundingClientRect().width,
    curves: [...svg.querySelectorAll('polyline')].map(p => { const b = p.getBBox(); return {points: p.points.numberOfItems, width: b.width, height: b.height}; }),
    markers: [...svg.querySelectorAll('circle, rect')].filter(e => { const b = e.getBBox(); return b.width > 0 && b.height > 0; }).length,
  }));
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>"""


def chromium(*args):
    assert CHROMIUM, "Debian's chromium is not installed (scripts/test.sh installs it: apt-get install chromium)"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def rendered_figures(page):
    probe = page.parent / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    return json.loads(dom[start:dom.index("</pre>", start)].replace("&quot;", '"'))


def png_pixels(path):
    """RGB(A) 8-bit non-interlaced PNG (what Chromium writes) -> rows of (r, g, b) tuples."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return rows


def count_colour(rows, colour, tolerance=24):
    return sum(1 for row in rows for p in row if all(abs(p[k] - colour[k]) <= tolerance for k in range(3)))


@pytest.mark.parametrize("command,figures", [
    (["study", "--events", "3000"], 2),
    (["evaluate", "--model", "type2-2slice", "--events", "3000"], 5),
])
def test_a_report_draws_its_plots_in_chromium(tmp_path, command, figures):
    report = tmp_path / "report"
    r = subprocess.run([SMARTPIX, *command, "--report", str(report)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    rendered = rendered_figures(report / "index.html")
    assert len(rendered) == figures
    for f in rendered:
        assert f["width"] > 200, f"a figure is laid out {f['width']} px wide"
        # Data are drawn: curves of several points spanning real space, or filled bars/markers.
        drawn = [c for c in f["curves"] if c["points"] >= 3 and c["width"] > 50]
        assert drawn or f["markers"] >= 10, f
    shot = tmp_path / "report.png"
    chromium("--window-size=1280,2400", f"--screenshot={shot}", (report / "index.html").as_uri())
    rows = png_pixels(shot)
    assert len(rows) == 2400 and len(rows[0]) == 1280
    # The two leading series colours cover visible areas (a curve of 2 px across ~400 px).
    assert count_colour(rows, BLUE) > 300 and count_colour(rows, ORANGE) > 300
