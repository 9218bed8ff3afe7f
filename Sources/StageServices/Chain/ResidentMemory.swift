import Foundation

/// Resident set size from /proc/PID/statm (Linux): bytes, or nil where that file cannot be
/// read (another system, or a process that has ended).
public enum ResidentMemory {
    /// This process's.
    public static var bytes: UInt64? { bytes(ofProcess: nil) }

    /// Process `pid`'s (nil: this process's).
    public static func bytes(ofProcess pid: Int32?) -> UInt64? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/statm"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
