/// How a stage's output reaches its consumers.
public enum StreamPattern: String, Sendable, CaseIterable {
    /// Lossless pipeline: sending blocks when consumers fall behind (back-pressure).
    case push
    /// Monitoring tap: never blocks; what a slow subscriber's high-water mark rejects is
    /// dropped and counted.
    case pub
}
