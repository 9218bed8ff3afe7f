import Randomness

@testable import OnPixelInference

/// Inputs of three kinds: every pixel random (exercises every code and tie), a cluster-like
/// blob of a few pixels (what the chip sees), and empty.
/// dense: every code random; cluster: a blob of 1-12 pixels; empty: all zero; scattered: 2-5
/// pixels anywhere in the frame (separate hits, corners and edges: the widest boxes).
enum InputKind: CaseIterable { case dense, cluster, empty, scattered }

func randomInput(_ a: ModelArchitecture, _ kind: InputKind, _ rng: inout SplitMix64) -> [Int8] {
    let range = a.types.input.codeRange
    var x = [Int8](repeating: 0, count: a.inputCount)
    switch kind {
    case .dense:
        for i in x.indices { x[i] = Int8(Int.random(in: range, using: &rng)) }
    case .cluster:
        let r0 = Int.random(in: 0..<a.rows, using: &rng), c0 = Int.random(in: 0..<a.columns, using: &rng)
        for _ in 0..<Int.random(in: 1...12, using: &rng) {
            let r = min(max(r0 + Int.random(in: -3...3, using: &rng), 0), a.rows - 1)
            let c = min(max(c0 + Int.random(in: -1...1, using: &rng), 0), a.columns - 1)
            for k in 0..<a.slices where Int.random(in: 0..<3, using: &rng) > 0 {
                x[(r * a.columns + c) * a.slices + k] = Int8(Int.random(in: range, using: &rng))
            }
        }
    case .empty:
        break
    case .scattered:
        for _ in 0..<Int.random(in: 2...5, using: &rng) {
            let pixel = Int.random(in: 0..<(a.rows * a.columns), using: &rng)
            for k in 0..<a.slices where Int.random(in: 0..<2, using: &rng) > 0 {
                x[pixel * a.slices + k] = Int8(Int.random(in: range, using: &rng))
            }
        }
    }
    return x
}
