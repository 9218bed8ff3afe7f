import Foundation

/// A value handed between threads under a lock: a stage thread's result, a producer's
/// endpoint, a reader thread's bytes.
public final class SharedValue<T: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `stored` holds `lock`.
    private let lock = NSLock()
    private var stored: T

    public init(_ value: T) { stored = value }

    public var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
