import Foundation

/// Runs `body` on its own thread; the returned semaphore is signalled when it returns.
func spawn(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body()
        done.signal()
    }.start()
    return done
}

/// A value written by one thread and read by another after a join.
final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension DispatchSemaphore {
    /// Waits up to `seconds`: a guard against a hang, not a timing assertion.
    func waitAtMost(_ seconds: Double) -> Bool { wait(timeout: .now() + seconds) == .success }
}
