import Foundation
import StageServices
import Testing

/// The package's executables, run as a user runs them (built by `swift build --build-tests`).
enum Executables {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The result of a finished run: exit status, stdout, stderr, and whether it had to be killed.
    struct Result {
        var status: Int32
        var out: String
        var err: String
        var killed: Bool
        var seconds: Double
    }

    /// Starts `name` with `arguments` (in `directory`, with `environment` added), lets
    /// `during` act on the running process, then waits at most `timeout` seconds before
    /// killing it (a test never hangs the suite).
    static func run(
        _ name: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:], timeout: Double = 120,
        during: (Process) -> Void = { _ in }
    ) throws -> Result {
        let p = Process()
        p.executableURL = folder.appendingPathComponent(name)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let start = Date()
        try p.run()
        // Drain both pipes while it runs: a full pipe would block the process.
        let outData = SharedValue<Data>(Data()), errData = SharedValue<Data>(Data())
        let group = DispatchGroup()
        for (pipe, box) in [(out, outData), (err, errData)] {
            DispatchQueue.global().async(group: group) { box.value = pipe.fileHandleForReading.readDataToEndOfFile() }
        }
        during(p)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        let killed = p.isRunning
        if killed { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        group.wait()
        return Result(
            status: p.terminationStatus, out: String(decoding: outData.value, as: UTF8.self), err: String(decoding: errData.value, as: UTF8.self),
            killed: killed, seconds: Date().timeIntervalSince(start))
    }
}
