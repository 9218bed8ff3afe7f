import Dispatch
import ReadoutSim
import Synchronization

/// Worker threads generating blocks of crossings (16 chunks of 1,024) ahead of the socket
/// thread, which takes them strictly in order. At most 2 x threads + 2 blocks exist at a
/// time (generated and not yet taken), so a blocked socket (PUSH back-pressure) stops the
/// workers instead of filling memory.
final class ChunkPipeline: Sendable {
    private let source: FrameSource
    private let results = Mutex<[Int: FrameChunk]>([:])
    private let ready = DispatchSemaphore(value: 0)
    private let slots: DispatchSemaphore
    private let nextIndex = Atomic<Int>(0)
    private let halted = Atomic<Bool>(false)
    /// Chunks from this index on are never generated.
    private let limit: Int
    static let chunksPerBlock = 16
    private let workers = Mutex<[WorkerThread]>([])

    init(source: FrameSource, threads: Int, limit: Int) {
        self.source = source
        self.limit = limit
        slots = DispatchSemaphore(value: 2 * threads + 2)
        for t in 0..<threads {
            let worker = WorkerThread(name: "readout-sim generator \(t)") { [self] in generate() }
            workers.withLock { $0.append(worker) }
        }
    }

    private func generate() {
        while !halted.load(ordering: .relaxed) {
            guard slots.wait(timeout: .now() + .milliseconds(50)) == .success else { continue }
            let i = nextIndex.add(1, ordering: .relaxed).oldValue
            let first = i * Self.chunksPerBlock
            guard first < limit, !halted.load(ordering: .relaxed) else {
                slots.signal()
                return
            }
            let chunk = source.chunks(first..<min(first + Self.chunksPerBlock, limit))
            results.withLock { $0[i] = chunk }
            ready.signal()
        }
    }

    /// Block `index` once generated, or nil if it is not ready within `timeout`.
    func take(_ index: Int, timeout: Duration) -> FrameChunk? {
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.nanoseconds))
        while true {
            if let chunk = results.withLock({ $0.removeValue(forKey: index) }) {
                slots.signal()
                return chunk
            }
            if ready.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// Stops the workers and waits for them.
    func stop() {
        halted.store(true, ordering: .relaxed)
        let all = workers.withLock { $0 }
        for _ in all { slots.signal() }
        for w in all { w.join() }
        // Give back the slots of blocks generated but never taken: libdispatch traps when a
        // semaphore is freed below its initial value. (The wake-ups above may leave it above.)
        let untaken = results.withLock { r in
            defer { r.removeAll() }
            return r.count
        }
        for _ in 0..<untaken { slots.signal() }
    }
}
