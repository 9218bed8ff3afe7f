import Dispatch
import Synchronization

/// Runs `body` on the concurrency pool and waits for its result: the stages' mains are
/// synchronous threads, the HTTP server is async.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Slot<Result<T, any Error>>()
    Task {
        do { result.value = .success(try await body()) } catch { result.value = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result.value!.get()
}

/// A value handed between threads.
final class Slot<T: Sendable>: Sendable {
    private let stored = Mutex<T?>(nil)
    var value: T? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
