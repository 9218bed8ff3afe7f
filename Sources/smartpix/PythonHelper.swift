import ArgumentParser
import Foundation
import StageServices

/// Runs a module of the project's Python package (clients/python/smartpix): with
/// $SMARTPIX_PYTHON, else the package's .venv (made by scripts/test.sh), else python3.
enum PythonHelper {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var interpreter: String {
        if let p = ProcessInfo.processInfo.environment["SMARTPIX_PYTHON"] { return p }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    /// Runs `python -m module arguments`, returning stdout; a failure throws with the helper's
    /// own message (stderr) and what to install.
    static func run(_ module: String, _ arguments: [String], purpose: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: interpreter)
        p.arguments = ["-m", module] + arguments
        var environment = ProcessInfo.processInfo.environment
        let clients = packageRoot.appendingPathComponent("clients/python").path
        environment["PYTHONPATH"] = clients + (environment["PYTHONPATH"].map { ":" + $0 } ?? "")
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw ValidationError("\(purpose) needs Python (\(interpreter)): \(error)") }
        // Read both pipes while the helper runs (a large output would otherwise block it).
        let errorData = SharedValue<Data?>(nil)
        let reader = WorkerThread(name: "python stderr") { errorData.value = err.fileHandleForReading.readDataToEndOfFile() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        reader.join()
        guard p.terminationStatus == 0 else {
            let message = String(decoding: errorData.value ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ValidationError("\(purpose): \(message.isEmpty ? "the Python helper failed (exit \(p.terminationStatus))" : message)")
        }
        return data
    }
}
