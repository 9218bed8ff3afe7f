/// Appends one frame, stored as the wire has it (slice, row, column), in the network's NHWC
/// order (row, column, slice), taking the frame's `slices` in that order and converting
/// each value with `convert`. The one reordering of the offline tools (training data,
/// datasets, benchmark inputs); the inference stage's is `FrameInputMapper.fill`.
@inline(__always)
func appendNHWC<Frame: RandomAccessCollection, T>(
    _ frame: Frame, pixels: Int, slices: [Int], to out: inout [T], _ convert: (Frame.Element) -> T
) where Frame.Index == Int {
    let base = frame.startIndex
    for p in 0..<pixels {
        for k in slices { out.append(convert(frame[base + k * pixels + p])) }
    }
}

/// A network input code from a front-end code: the code itself, or for flash codes k the
/// input code k * `FlashInput.inputStep`.
@inline(__always)
func inputCode(_ code: Int16, step: Int8) -> Int8 { Int8(truncatingIfNeeded: code) &* step }
