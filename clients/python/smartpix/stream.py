"""Live streams from readout-sim (frames) or onpixel-infer (predictions) as numpy arrays.

    from smartpix import Stream
    with Stream("tcp://127.0.0.1:5555") as s:
        for batch in s:                 # Frames or Predictions, one per data message
            print(batch.bunch_crossing[:3], batch.codes.shape)
        print(s.complete)               # every record announced arrived, and no hop above lost any

pattern "push" reads a lossless PUSH stream with PULL; "pub" taps a PUB stream with SUB.
"""
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import numpy as np

from .protocol import decode


@dataclass
class Frames:
    """One frames message: per-record arrays, codes int16 (n, slices, rows, columns),
    charge float32 electrons and truth float32 (n, 13) when the producer sent them."""
    sequence: int
    bunch_crossing: np.ndarray
    timestamp_ns: np.ndarray
    y_local: np.ndarray
    x_local: np.ndarray
    codes: Optional[np.ndarray]
    charge: Optional[np.ndarray]
    truth: Optional[np.ndarray]
    adc_bits: int
    signed_codes: bool

    def __len__(self):
        return len(self.bunch_crossing)


@dataclass
class Predictions:
    """One predictions message: outputs float32 (n, 14) in the network's order
    [x, L11, y, L22, cotA, L33, cotB, L44, L21, L31, L32, L41, L42, L43]."""
    sequence: int
    bunch_crossing: np.ndarray
    frame_sequence: np.ndarray
    record_index: np.ndarray
    y_local: np.ndarray
    x_local: np.ndarray
    outputs: np.ndarray

    def __len__(self):
        return len(self.bunch_crossing)


class Stream:
    """Iterates over the data messages of one run, keeping the accounting: `records`,
    `missing_messages` (sequence gaps), `end_of_run` (the totals dict, or None) and
    `complete` (end-of-run seen, nothing missing, every announced record received, and the
    end-of-run reports no loss upstream: its dropped, malformed and missed totals are 0)."""

    def __init__(self, endpoint: str, pattern: str = "push", bind: bool = False, timeout_ms: int = 10000):
        import zmq

        if pattern not in ("push", "pub"):
            raise ValueError(f"pattern must be 'push' or 'pub', got {pattern!r}")
        self._zmq = zmq
        self.socket = zmq.Context.instance().socket(zmq.PULL if pattern == "push" else zmq.SUB)
        if pattern == "pub":
            self.socket.setsockopt(zmq.SUBSCRIBE, b"")
        (self.socket.bind if bind else self.socket.connect)(endpoint)
        self.timeout_ms = timeout_ms
        self.records = 0
        self.missing_messages = 0
        self.end_of_run: Optional[dict] = None
        self.run_start: Optional[dict] = None
        self._next_sequence = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.socket.close(linger=0)

    @property
    def complete(self) -> bool:
        """Complete end to end: every record the end-of-run announces arrived, and no hop
        above dropped, missed or rejected anything (their totals travel in the end-of-run)."""
        e = self.end_of_run
        return (e is not None and self.missing_messages == 0 and e.get("records") == self.records
                and e.get("dropped_records", 0) == 0 and e.get("malformed_inputs", 0) == 0
                and e.get("missed_inputs", 0) == 0)

    def __iter__(self) -> Iterator[Union[Frames, Predictions]]:
        while self.end_of_run is None and self.socket.poll(self.timeout_ms):
            m = decode(self.socket.recv_multipart())
            if m.sequence > self._next_sequence:
                self.missing_messages += m.sequence - self._next_sequence
            self._next_sequence = m.sequence + 1
            if m.kind == "run-start":
                self.run_start = {"producer": m.producer, "configuration": m.configuration}
            elif m.kind == "end-of-run":
                self.end_of_run = m.totals
            elif m.kind == "frames":
                self.records += m.record_count
                r = m.records
                yield Frames(m.sequence, r["bunch_crossing"], r["timestamp_ns"], r["y_local"], r["x_local"],
                             m.codes, m.charge, m.truth, m.adc_bits, m.signed_codes)
            elif m.kind == "predictions":
                self.records += m.record_count
                r = m.records
                yield Predictions(m.sequence, r["bunch_crossing"], r["frame_sequence"], r["record_index"],
                                  r["y_local"], r["x_local"], r["outputs"])
