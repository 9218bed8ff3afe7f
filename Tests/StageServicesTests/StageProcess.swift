import Foundation

/// A stage process whose first stderr line (the one naming its endpoints) has been read.
final class StageProcess {
    let process = Process()
    let name: String
    private let log: URL

    /// - Parameter namespace: run it inside this network namespace (`ip netns exec`, as root).
    init(_ name: String, _ arguments: [String], namespace: String? = nil) throws {
        self.name = name
        log = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let executable = Executables.folder.appendingPathComponent(name)
        if let namespace {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", namespace, executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: log)
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The endpoint printed after `label` (e.g. "frames from "), up to a comma or the line's
    /// end (or only the line's end: `until: "\n"`), waiting for it to appear.
    func endpoint(after label: String, until ends: Set<Character> = [",", "\n"], timeout: Double = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let r = output.range(of: label) {
                let rest = output[r.upperBound...]
                if let end = rest.firstIndex(where: { ends.contains($0) }) { return String(rest[..<end]) }
            }
            usleep(20_000)
        }
        throw StageFailure(description: "\(name) never printed '\(label)': \(output)")
    }

    /// A fanned-out front end's closing lines, one per output: "output N (endpoint): R
    /// records in M messages; end-of-run delivered" (or "NOT delivered").
    var outputLines: [(records: UInt64, endOfRunDelivered: Bool)] {
        output.split(separator: "\n").filter { $0.hasPrefix("output ") }.map { line in
            let counts = line.components(separatedBy: "): ").last ?? ""
            return (UInt64(counts.prefix { $0.isNumber }) ?? 0, !line.contains("NOT delivered"))
        }
    }

    /// Waits for the exit (killing it after `timeout` seconds); true if it exited by itself.
    @discardableResult
    func wait(timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let exited = !process.isRunning
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return exited
    }
}

struct StageFailure: Error, CustomStringConvertible { let description: String }
