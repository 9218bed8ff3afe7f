import Foundation

/// The process's resident set size, from /proc/self/statm (Linux): bytes, or nil where that
/// file does not exist.
public enum ResidentMemory {
    public static var bytes: UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
