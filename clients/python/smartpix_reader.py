"""Compatibility name for smartpix.protocol (the wire-protocol decoder)."""
from smartpix.protocol import *  # noqa: F401,F403
from smartpix.protocol import decode, read_run_file, stream, test_pattern_code, unpack_codes, DecodeError, Message  # noqa: F401
