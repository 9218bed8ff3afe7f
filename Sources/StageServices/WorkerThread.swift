import Foundation

/// A dedicated OS thread (sockets belong to one thread, so stages run on threads of their
/// own rather than on a shared pool) that can be joined.
public final class WorkerThread: Sendable {
    private let done = DispatchSemaphore(value: 0)

    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the body has returned.
    public func join() { done.wait() }

    /// Waits at most `timeout`; `false` if the body is still running.
    public func join(timeout: Duration) -> Bool {
        done.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds))) == .success
    }
}
