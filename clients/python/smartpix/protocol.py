"""Reader of the smart-pixel readout stream (ReadoutProtocol v1), written from
docs/wire-protocol.md alone. Needs numpy; pyzmq for live streams.

    from smartpix_reader import decode, stream, read_run_file
    for m in stream("tcp://127.0.0.1:5555"):
        ...
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Iterator, Optional

import numpy as np

MAGIC = b"SPXR"
VERSION = 1
HEADER_SIZE = 48
KINDS = {1: "run-start", 2: "frames", 3: "predictions", 4: "decisions", 5: "end-of-run", 6: "heartbeat"}
FLAG_CODES, FLAG_CHARGE, FLAG_TRUTH, FLAG_ATTACHED = 1, 2, 4, 8
TRUTH_NAMES = ["x-entry", "y-entry", "z-entry", "n_x", "n_y", "n_z", "number_eh_pairs", "y-local",
               "pt", "cotAlpha", "cotBeta", "y-midplane", "x-midplane"]
OUTPUT_NAMES = ["x", "L11", "y", "L22", "cotA", "L33", "cotB", "L44", "L21", "L31", "L32", "L41", "L42", "L43"]
END_OF_RUN_FIELDS = ["messages", "records", "bunch_crossings", "dropped_records", "malformed_inputs", "missed_inputs"]


class DecodeError(ValueError):
    """A message that does not follow the protocol; the text says what and where."""


@dataclass
class Message:
    kind: str
    run_id: int
    stream_id: int
    sequence: int
    first_bunch_crossing: int
    record_count: int
    geometry_id: int = 0
    shape: Optional[tuple] = None          # (slices, rows, columns) for frames
    adc_bits: int = 0
    signed_codes: bool = False
    records: Optional[np.ndarray] = None   # structured array of the per-record fields
    codes: Optional[np.ndarray] = None     # int16 (records, slices, rows, columns)
    charge: Optional[np.ndarray] = None    # float32 (records, slices, rows, columns), electrons
    truth: Optional[np.ndarray] = None     # float32 (records, 13), TRUTH_NAMES order
    outputs: Optional[np.ndarray] = None   # float32 (records, 14), OUTPUT_NAMES order
    frames: Optional["Message"] = None     # predictions/decisions: the attached frames (all, or the kept ones)
    producer: Optional[str] = None
    configuration: Optional[dict] = None
    totals: dict = field(default_factory=dict)


FRAME_RECORD = np.dtype([("bunch_crossing", "<u8"), ("timestamp_ns", "<u8"), ("y_local", "<f4"),
                         ("x_local", "<f4"), ("reserved", "<u8")])
PREDICTION_RECORD = np.dtype([("bunch_crossing", "<u8"), ("frame_sequence", "<u8"), ("record_index", "<u4"),
                              ("reserved", "<u4"), ("y_local", "<f4"), ("x_local", "<f4"), ("outputs", "<f4", (14,))])
DECISION_RECORD = np.dtype([("bunch_crossing", "<u8"), ("frame_sequence", "<u8"), ("record_index", "<u4"),
                            ("keep", "u1"), ("reserved1", "u1", (3,)), ("pt", "<f4"), ("pt_sigma", "<f4"),
                            ("score", "<f4"), ("reserved2", "<u4")])
assert FRAME_RECORD.itemsize == 32 and PREDICTION_RECORD.itemsize == 88 and DECISION_RECORD.itemsize == 40


def unpack_codes(data: bytes, records: int, count: int, bits: int, signed: bool) -> np.ndarray:
    """Codes packed least significant bits first, each record starting on a byte boundary."""
    per_record = (count * bits + 7) // 8
    raw = np.frombuffer(data, dtype=np.uint8).reshape(records, per_record)
    per_byte = 8 // bits
    shifts = np.arange(per_byte, dtype=np.uint8) * bits
    values = (raw[:, :, None] >> shifts) & ((1 << bits) - 1)
    values = values.reshape(records, per_record * per_byte)[:, :count].astype(np.int16)
    if signed:
        values = np.where(values >= (1 << (bits - 1)), values - (1 << bits), values).astype(np.int16)
    return values


def _expect(condition: bool, text: str) -> None:
    if not condition:
        raise DecodeError(text)


def decode(parts: list) -> Message:
    """Decodes one multipart message (a list of bytes), checking every length."""
    _expect(len(parts) > 0, "message has no parts")
    h = bytes(parts[0])
    _expect(len(h) == HEADER_SIZE, f"header: {len(h)} bytes, expected {HEADER_SIZE}")
    _expect(h[0:4] == MAGIC, f"header: wrong magic {h[0:4]!r} at byte 0")
    (version, kind_code, part_count, run_id, sequence, first_bx, n, flags, rows, columns, slices, bits,
     signedness, geometry_id, stream_id) = struct.unpack_from("<HBBQQQIHBBBBBBI", h, 4)
    _expect(version == VERSION, f"header: version {version} at byte 4 is not supported")
    _expect(kind_code in KINDS, f"header: unknown kind {kind_code} at byte 6")
    kind = KINDS[kind_code]
    _expect(part_count == len(parts), f"{kind}: header says {part_count} parts, message has {len(parts)}")
    m = Message(kind, run_id, stream_id, sequence, first_bx, n, geometry_id)
    attached = kind in ("predictions", "decisions") and flags & FLAG_ATTACHED
    if kind == "frames" or attached:
        frame_flags = flags & ~FLAG_ATTACHED if attached else flags
        _expect(frame_flags & ~7 == 0 and frame_flags & 3 != 0, f"header: payload flags {flags:#x} at byte 36 invalid for {kind}")
        _expect(rows > 0 and columns > 0 and slices > 0, "header: frame shape has a zero dimension")
        expected_parts = 2 + bin(flags).count("1")
        if flags & FLAG_CODES:
            _expect(bits in (2, 4, 8), f"header: ADC bit width {bits} at byte 41 is not 2, 4 or 8")
            _expect(signedness in (0, 1), "header: code signedness (byte 42) is not 0 or 1")
        else:
            _expect(bits == 0 and signedness == 0, "header: ADC bits set without codes")
    else:
        _expect(flags == 0 and (rows, columns, slices, bits, signedness) == (0, 0, 0, 0, 0),
                f"header: frame fields must be zero in a {kind} message without frames")
        expected_parts = 1 if kind == "heartbeat" else 2
        if kind in ("run-start", "end-of-run", "heartbeat"):
            _expect(n == 0, f"header: record count {n} in a {kind} message")
    _expect(part_count == expected_parts, f"{kind}: needs {expected_parts} parts, header says {part_count}")

    def sized(i: int, name: str, per_record: int, count: int = n) -> bytes:
        p = bytes(parts[i])
        _expect(len(p) == count * per_record, f"{name}: {len(p)} bytes present, header implies {count * per_record}")
        return p

    def frames_into(f: Message, first: int, count: int) -> None:
        pixels = rows * columns * slices
        f.shape, f.adc_bits, f.signed_codes = (slices, rows, columns), bits, bool(signedness)
        f.records = np.frombuffer(sized(first, "frame records", 32, count), dtype=FRAME_RECORD)
        _expect(np.all(f.records["reserved"] == 0), "frame records: reserved bytes not zero")
        nxt = first + 1
        if flags & FLAG_CODES:
            data = sized(nxt, "codes", (pixels * bits + 7) // 8, count)
            f.codes = unpack_codes(data, count, pixels, bits, bool(signedness)).reshape(count, slices, rows, columns)
            nxt += 1
        if flags & FLAG_CHARGE:
            f.charge = np.frombuffer(sized(nxt, "charge", 4 * pixels, count), dtype="<f4").reshape(count, slices, rows, columns)
            nxt += 1
        if flags & FLAG_TRUTH:
            f.truth = np.frombuffer(sized(nxt, "truth", 4 * 13, count), dtype="<f4").reshape(count, 13)

    def attach(bunch_crossings: np.ndarray) -> None:
        if not attached:
            return
        f = Message("frames", run_id, stream_id, sequence, first_bx, len(bunch_crossings), geometry_id)
        frames_into(f, 2, len(bunch_crossings))
        _expect(np.array_equal(f.records["bunch_crossing"], bunch_crossings),
                f"attached frame records: bunch crossings disagree with the {kind}")
        m.frames = f

    if kind == "frames":
        frames_into(m, 1, n)
        if n:
            _expect(int(m.records["bunch_crossing"][0]) == first_bx, "frame records: first bunch crossing disagrees with header")
    elif kind == "predictions":
        m.records = np.frombuffer(sized(1, "prediction records", 88), dtype=PREDICTION_RECORD)
        _expect(np.all(m.records["reserved"] == 0), "prediction records: reserved bytes not zero")
        m.outputs = m.records["outputs"]
        attach(m.records["bunch_crossing"])
    elif kind == "decisions":
        m.records = np.frombuffer(sized(1, "decision records", 40), dtype=DECISION_RECORD)
        _expect(np.all(m.records["keep"] <= 1), "decision records: decision byte not 0 or 1")
        _expect(np.all(m.records["reserved1"] == 0) and np.all(m.records["reserved2"] == 0), "decision records: reserved bytes not zero")
        attach(m.records["bunch_crossing"][m.records["keep"] == 1])
    elif kind == "run-start":
        p = bytes(parts[1])
        _expect(len(p) >= 2, "run-start: truncated producer length")
        (plen,) = struct.unpack_from("<H", p, 0)
        _expect(len(p) >= 6 + plen, "run-start: truncated")
        m.producer = p[2:2 + plen].decode("utf-8")
        (jlen,) = struct.unpack_from("<I", p, 2 + plen)
        _expect(len(p) == 6 + plen + jlen, "run-start: configuration length disagrees with the part")
        m.configuration = json.loads(p[6 + plen:].decode("utf-8"))
        _expect(isinstance(m.configuration, dict), "run-start: configuration is not a JSON object")
    elif kind == "end-of-run":
        p = bytes(parts[1])
        _expect(len(p) == 48, f"end-of-run totals: {len(p)} bytes, expected 48")
        m.totals = dict(zip(END_OF_RUN_FIELDS, struct.unpack("<6Q", p)))
    return m


def read_run_file(path: str) -> Iterator[list]:
    """Yields each message of a run file as its list of parts (decode them with `decode`)."""
    with open(path, "rb") as f:
        header = f.read(16)
        if len(header) != 16 or header[:8] != b"SPXRFILE":
            raise DecodeError(f"{path}: not a run file (bad or short header)")
        version, size, reserved = struct.unpack("<HHI", header[8:])
        if version != 1 or size != 16 or reserved != 0:
            raise DecodeError(f"{path}: unsupported run file header (version {version}, size {size})")
        while True:
            at = f.tell()
            raw = f.read(4)
            if not raw:
                return
            if len(raw) < 4:
                raise DecodeError(f"{path}: truncated part count at byte {at}")
            (count,) = struct.unpack("<I", raw)
            if not 1 <= count <= 16:
                raise DecodeError(f"{path}: part count {count} at byte {at}")
            parts = []
            for _ in range(count):
                raw = f.read(4)
                if len(raw) < 4:
                    raise DecodeError(f"{path}: truncated part length in the message at byte {at}")
                (length,) = struct.unpack("<I", raw)
                data = f.read(length)
                if len(data) != length:
                    raise DecodeError(f"{path}: truncated part in the message at byte {at}")
                parts.append(data)
            yield parts


def stream(endpoint: str, pattern: str = "push", bind: bool = False, timeout_ms: int = 10000) -> Iterator[Message]:
    """Yields decoded messages from a live stream until end-of-run or `timeout_ms` of silence.
    pattern "push" reads with PULL (lossless), "pub" with SUB (tap)."""
    import zmq

    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.PULL if pattern == "push" else zmq.SUB)
    if pattern != "push":
        s.setsockopt(zmq.SUBSCRIBE, b"")
    (s.bind if bind else s.connect)(endpoint)
    try:
        while s.poll(timeout_ms):
            m = decode(s.recv_multipart())
            yield m
            if m.kind == "end-of-run":
                return
    finally:
        s.close(linger=0)


def test_pattern_code(seed: int, record: int, pixel: int, bits: int, signed: bool) -> int:
    """The code `smartpix test-stream` puts at (record, pixel): a documented 64-bit hash."""
    mask = (1 << 64) - 1
    z = (seed + record * 0x9E3779B97F4A7C15 + pixel * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 31)) * 0x94D049BB133111EB) & mask
    z ^= z >> 29
    low = -(1 << (bits - 1)) if signed else 0
    return low + z % (1 << bits)
