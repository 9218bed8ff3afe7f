"""Stream frames from readout-sim into parquet files in the smart-pixels-ml layout.

    readout-sim --slices 20 --charge --truth --clusters 10000 &
    python examples/stream_to_parquet.py --endpoint tcp://127.0.0.1:5555 --out data --tag live

Needs the producer's charge (--charge) and truth (--truth) parts: the parquet layout holds
charge in electrons and the truth labels.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from smartpix import Stream, Frames  # noqa: E402
from smartpix.parquet import write  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default="tcp://127.0.0.1:5555")
    p.add_argument("--pattern", default="push", choices=["push", "pub"])
    p.add_argument("--out", required=True)
    p.add_argument("--tag", default="stream")
    p.add_argument("--timeout-ms", type=int, default=10000)
    a = p.parse_args()
    charge, truth = [], []
    with Stream(a.endpoint, a.pattern, timeout_ms=a.timeout_ms) as s:
        for batch in s:
            if not isinstance(batch, Frames):
                continue
            if batch.charge is None or batch.truth is None:
                sys.exit("the stream carries no charge or truth: start readout-sim with --charge --truth")
            charge.append(batch.charge)
            truth.append(batch.truth)
        complete = s.complete
        end = s.end_of_run
    if not charge:
        sys.exit("no frames received")
    paths = write(np.concatenate(charge), np.concatenate(truth), a.out, a.tag)
    print(f"{sum(len(c) for c in charge)} clusters -> {', '.join(paths)}; "
          f"{'complete' if complete else 'INCOMPLETE'} against the end-of-run ({end})")
    return 0 if complete else 3


if __name__ == "__main__":
    sys.exit(main())
