"""Live monitoring with real parts: Debian's Prometheus server scrapes a running pipeline's
--metrics endpoint and, through Prometheus's own query API, its counters equal the run's
end-of-run report; Debian's headless Chromium opens the live page during a run, and the
plotted values move between two looks a few seconds apart. A missing prometheus or chromium
fails (scripts/test.sh installs both), it is never skipped."""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SMARTPIX = os.environ.get("SMARTPIX", os.path.join(ROOT, ".build", "debug", "smartpix"))
PROMETHEUS = shutil.which("prometheus")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_for(url, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return get(url, timeout=1)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def prometheus(tmp_path):
    assert PROMETHEUS, "Debian's prometheus is not installed (scripts/test.sh installs it: apt-get install prometheus)"
    target, web = free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
        f"scrape_configs:\n  - job_name: smartpix\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n")
    server = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{web}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{web}/-/ready", 60)
        yield target, f"http://127.0.0.1:{web}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def query(api, promql):
    """The last sample Prometheus scraped of one series (within 5 minutes: the pipeline has
    ended, and a plain instant query would see the series gone stale)."""
    url = f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": f"last_over_time({promql}[5m])"})
    body = json.loads(get(url))
    assert body["status"] == "success", body
    result = body["data"]["result"]
    assert len(result) == 1, f"{promql}: {result}"
    return float(result[0]["value"][1])


def test_prometheus_scrapes_what_the_pipeline_reports(prometheus):
    target, api = prometheus
    run = subprocess.run(
        [SMARTPIX, "pipeline", "--mode", "physics", "--occupancy", "0.005", "--crossings", "400000", "--json",
         "--metrics", f"127.0.0.1:{target}", "--metrics-linger", "3s"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["generated"] > 1000
    chain = {name: query(api, f'smartpix_chain_clusters_total{{count="{name}"}}')
             for name in ("generated", "inferred", "decided", "received", "kept")}
    assert chain == {name: report[name] for name in chain}
    # Each stage's own counters, as the stage counted them.
    assert query(api, 'smartpix_clusters_out_total{stage="front_end"}') == report["front_end"]["clusters"]
    assert query(api, 'smartpix_bunch_crossings_total{stage="front_end"}') == report["crossings"]
    assert query(api, 'smartpix_clusters_out_total{stage="inference"}') == report["inference"][0]["events"]
    assert query(api, 'smartpix_clusters_in_total{stage="trigger"}') == report["trigger"]["decisions"]
    assert query(api, 'smartpix_kept_total{stage="trigger"}') == report["trigger"]["kept"]
    assert query(api, 'smartpix_clusters_in_total{stage="consumer"}') == report["received"]
    assert query(api, 'smartpix_lost_records{stage="chain"}') == report["lost"] == 0
    assert query(api, 'smartpix_run_complete{stage="chain"}') == 1
    # Gauges: the same double the report printed (seconds against microseconds).
    assert query(api, 'smartpix_real_time_factor{stage="chain"}') == pytest.approx(report["rtf"], rel=1e-12)
    for p in ("p50", "p99", "p999", "max"):
        assert query(api, f'smartpix_latency_{p}_seconds{{stage="consumer"}}') * 1e6 == pytest.approx(report["latency_us"][p], rel=1e-9)
    assert query(api, 'smartpix_latency_events_total{stage="consumer"}') == report["latency_us"]["count"]
    # The sampled histogram holds one event per decisions message.
    assert query(api, 'smartpix_latency_seconds_count{stage="consumer"}') == report["consumer"]["data_messages"]


def chromium_dom(url):
    assert CHROMIUM, "Debian's chromium is not installed (scripts/test.sh installs it: apt-get install chromium)"
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--virtual-time-budget=2500", "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def latest(dom, chart):
    """The last plotted value of every series of one chart, from its data-latest attribute."""
    at = dom.index(f'id="chart-{chart}"')
    start = dom.index('data-latest="', at) + len('data-latest="')
    return json.loads(dom[start:dom.index('"', start)].replace("&quot;", '"'))


def test_the_live_page_moves_during_a_run(tmp_path):
    port = free_port()
    soak = subprocess.Popen(
        [SMARTPIX, "soak", "--mode", "physics", "--occupancy", "0.00001", "--duration", "20s", "--window", "1s",
         "--metrics", f"127.0.0.1:{port}", "--lag-bound", "1000s", "--latency-goal", "1000s"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page = f"http://127.0.0.1:{port}/"
        wait_for(page, 60)
        # The front end has started producing once its counter is on /metrics.
        deadline = time.time() + 60
        while 'smartpix_clusters_out_total{stage="front_end"}' not in get(page + "metrics") and time.time() < deadline:
            time.sleep(0.5)
        first = chromium_dom(page)
        screenshot = tmp_path / "live.png"
        time.sleep(4)
        second = chromium_dom(page)
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,900",
                        "--virtual-time-budget=2500", f"--screenshot={screenshot}", page], capture_output=True, timeout=120, check=True)
        assert screenshot.stat().st_size > 20000, "the screenshot is nearly empty"
    finally:
        soak.terminate()
        soak.wait(timeout=60)
    for dom in (first, second):
        status = dom[dom.index('<p id="status"'):]
        status = status[:status.index("</p>")]
        assert " polls, last at " in status and "unreachable" not in status, status
        for chart in ("rate", "lag", "losses", "latency"):
            assert f'id="chart-{chart}"' in dom
        assert dom.count('<polyline class="series"') >= 8, "every chart draws its stages"
    # The lag and the losses are plotted for every stage that reports them; the front end's lag
    # and the consumer's latency move as the run goes on.
    a, b = latest(first, "lag"), latest(second, "lag")
    assert "front_end" in a and a != b, (a, b)
    p, q = latest(first, "latency"), latest(second, "latency")
    assert "consumer" in p and "inference" in p and "trigger" in p, p
    assert p != q, (p, q)
    # The table shows the front end's total, and it grew.
    def total(dom):
        row = dom[dom.index("<td>front_end</td>"):]
        return row.split("<td>")[4].split("</td>")[0]
    assert total(first) != total(second)
