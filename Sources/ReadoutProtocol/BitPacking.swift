/// Packs codes of 2, 4 or 8 bits, least significant bits first: code i occupies bits
/// [i*b, i*b + b) of the record's bit stream, bit 0 being the lowest bit of the first byte.
/// Signed codes are stored as their two's-complement low `b` bits.
public enum BitPacking {
    /// Appends `codes` packed at `bits` per code to `out`, padding the last byte with zeros.
    public static func pack(_ codes: some Collection<Int>, bits: Int, into out: inout [UInt8]) {
        precondition(CodeFormat.allowedBits.contains(bits), "bit width \(bits) is not 2, 4 or 8")
        let mask = (1 << bits) - 1
        var acc = 0
        var filled = 0
        for code in codes {
            acc |= (code & mask) << filled
            filled += bits
            if filled == 8 {
                out.append(UInt8(acc))
                acc = 0
                filled = 0
            }
        }
        if filled > 0 { out.append(UInt8(acc)) }
    }

    /// Packs `codes` into exactly (count x bits + 7) / 8 bytes at `out`, LSB-first, the last
    /// byte padded with zeros: the same bytes as `pack(_:bits:into:)`, without per-byte
    /// appends. Frames are mostly zero codes: the output is cleared first and groups of four
    /// zero codes (one 64-bit load) are skipped.
    @inline(__always)
    public static func pack(_ codes: UnsafeBufferPointer<Int16>, bits: Int, into out: UnsafeMutablePointer<UInt8>) {
        let n = codes.count
        guard let base = codes.baseAddress else { return }
        if bits == 4 {
            // Two codes per byte, branch-free (the network's input code, the common case).
            for j in 0..<(n / 2) { out[j] = UInt8(truncatingIfNeeded: base[2 &* j] & 15) | UInt8(truncatingIfNeeded: base[2 &* j &+ 1] & 15) << 4 }
            if n % 2 == 1 { out[n / 2] = UInt8(truncatingIfNeeded: base[n &- 1] & 15) }
            return
        }
        out.update(repeating: 0, count: (n * bits + 7) / 8)
        let mask = Int16((1 << bits) - 1)
        let raw = UnsafeRawPointer(base)
        var c = 0
        while c &+ 4 <= n {
            if raw.loadUnaligned(fromByteOffset: c &* 2, as: UInt64.self) != 0 {
                for j in c..<(c &+ 4) where codes[j] != 0 {
                    let bit = j &* bits
                    out[bit >> 3] |= UInt8(truncatingIfNeeded: codes[j] & mask) << (bit & 7)
                }
            }
            c &+= 4
        }
        for j in c..<n where codes[j] != 0 {
            let bit = j &* bits
            out[bit >> 3] |= UInt8(truncatingIfNeeded: codes[j] & mask) << (bit & 7)
        }
    }

    /// Unpacks `count` codes from `bytes` into exactly `count` values at `out`, sign-extending
    /// when `signed`. Frames are mostly zero codes: the output is cleared first and zero bytes
    /// (eight at a time) are skipped.
    @inline(__always)
    public static func unpack(_ bytes: UnsafeRawBufferPointer, count: Int, bits: Int, signed: Bool, into out: UnsafeMutablePointer<Int16>) {
        precondition(CodeFormat.allowedBits.contains(bits), "bit width \(bits) is not 2, 4 or 8")
        precondition(bytes.count * 8 >= count * bits, "\(bytes.count) bytes cannot hold \(count) \(bits)-bit codes")
        let used = (count * bits + 7) / 8
        if bits == 4 {
            // Two codes per byte, branch-free (the network's input code, the common case).
            for j in 0..<(count / 2) {
                let b = bytes[j]
                let lo = Int16(truncatingIfNeeded: b & 15), hi = Int16(truncatingIfNeeded: b >> 4)
                out[2 &* j] = signed ? (lo << 12) >> 12 : lo
                out[2 &* j &+ 1] = signed ? (hi << 12) >> 12 : hi
            }
            if count % 2 == 1 {
                let lo = Int16(truncatingIfNeeded: bytes[count / 2] & 15)
                out[count &- 1] = signed ? (lo << 12) >> 12 : lo
            }
            return
        }
        out.update(repeating: 0, count: count)
        let perByte = 8 / bits, mask = (1 << bits) - 1, shift = 16 - bits
        var i = 0
        while i < used {
            if i &+ 8 <= used, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0 {
                i &+= 8
                continue
            }
            var b = Int(bytes[i])
            if b != 0 {
                var k = i &* perByte
                let end = min(k &+ perByte, count)
                while k < end {
                    let raw = b & mask
                    out[k] = signed ? Int16(truncatingIfNeeded: raw << shift) >> shift : Int16(raw)
                    b >>= bits
                    k &+= 1
                }
            }
            i &+= 1
        }
    }
}
