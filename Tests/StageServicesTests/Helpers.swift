import Foundation
import ReadoutProtocol
import StageServices
import ZeroMQ

/// A small frames batch whose records are numbered from `first`.
func testFrames(first: UInt64, count: Int) -> FrameBatch {
    var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: CodeFormat(bits: 2, signed: false))
    for i in 0..<count {
        b.append(
            bunchCrossing: first + UInt64(i), timestamp: 0, yLocal: 1, xLocal: 2,
            codes: (0..<546).map { Int16(($0 + i) % 4) })
    }
    return b
}

/// Starts a producer thread that binds, and returns once it has reported its endpoint.
func startProducer(_ body: @escaping @Sendable (_ ready: (String) -> Void) -> Void) -> (WorkerThread, String) {
    let endpoint = SharedValue<String>("")
    let bound = DispatchSemaphore(value: 0)
    let thread = WorkerThread(name: "producer") {
        body { e in
            endpoint.value = e
            bound.signal()
        }
    }
    bound.wait()
    return (thread, endpoint.value)
}
