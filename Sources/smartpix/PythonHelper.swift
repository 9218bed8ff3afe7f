import ArgumentParser
import Foundation
import StageServices

/// Runs a module of the project's Python package (clients/python/smartpix).
///
/// The interpreter, as docs/interop.md says: $SMARTPIX_PYTHON, else the package's .venv (made
/// by scripts/test.sh), else `python3` on the PATH. The package: $SMARTPIX_CLIENTS, else the
/// source tree this binary was built from, else `../../clients/python` beside the binary
/// (.build/release/smartpix in a checkout). Python runs isolated (-I: no current folder, no
/// user site, no PYTHON* variables on its path), so a `smartpix/` folder where the user
/// stands is never imported; a missing package (numpy, pandas, ...) is said in one line with
/// the command that installs it.
enum PythonHelper {
    /// The helper could not run or failed: one line, no usage text (it is not a usage error).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The folder holding the `smartpix` package, or nil.
    static var clients: String? {
        var candidates: [String] = []
        if let c = environment["SMARTPIX_CLIENTS"] { candidates.append(c) }
        candidates.append(sourceRoot.appendingPathComponent("clients/python").path)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(
            executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("clients/python").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/smartpix/__init__.py") }
    }

    static var interpreter: String? {
        if let p = environment["SMARTPIX_PYTHON"] { return p }
        if let c = clients {
            let venv = URL(fileURLWithPath: c).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".venv/bin/python").path
            if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        }
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(folder)/python3"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Exit status of the bootstrap when a Python package is missing.
    static let missingPackage: Int32 = 86

    /// Runs the module as `python -m` would, from an isolated interpreter with only the
    /// project's package added to its path; a missing dependency exits `missingPackage` with
    /// one line.
    static func bootstrap(module: String, clients: String) -> String {
        """
        import sys, runpy
        sys.path = [p for p in sys.path if p not in ("", ".")]
        sys.path.insert(0, \(pythonString(clients)))
        sys.argv = [\(pythonString(module))] + sys.argv[1:]
        try:
            runpy.run_module(\(pythonString(module)), run_name="__main__", alter_sys=True)
        except KeyboardInterrupt:
            sys.exit(130)
        except ModuleNotFoundError as e:
            if e.name and e.name.split(".")[0] != "smartpix":
                sys.stderr.write(f"the Python package '{e.name}' is missing for {sys.executable}; install the client's requirements: {sys.executable} -m pip install -r \(clients)/requirements.txt\\n")
                sys.exit(\(missingPackage))
            raise
        """
    }

    /// A Python string literal for `text`.
    static func pythonString(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 32 ? String($0) : String(format: "\\U%08x", $0.value) }.joined()
            + "\""
    }

    /// Runs the module with `arguments`, returning stdout; a failure throws with the helper's
    /// own message (stderr) and what to install. With `echo`, the helper's stderr (its
    /// progress) is passed on line by line as it comes; a failure then quotes its last lines.
    static func run(_ module: String, _ arguments: [String], purpose: String, echo: Bool = false) throws -> Data {
        guard let clients else {
            throw Failure(
                description:
                    "\(purpose) needs the smartpix Python package (clients/python of the source tree), which is not at \(sourceRoot.path): set SMARTPIX_CLIENTS=/path/to/clients/python"
            )
        }
        guard let interpreter else {
            throw Failure(description: "\(purpose) needs Python 3: none on the PATH; install python3 or set SMARTPIX_PYTHON=/path/to/python3")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: interpreter)
        p.arguments = ["-I", "-c", bootstrap(module: module, clients: clients)] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        // A stop signal to this process ends the helper too: a trainer left running after its
        // parent was killed would go on taking the cores for nothing.
        installStopSignals()
        do { try p.run() } catch { throw Failure(description: "\(purpose) needs Python (\(interpreter)): \(error.localizedDescription)") }
        let exited = StopFlag()
        let forwarder = WorkerThread(name: "python stop") {
            while !exited.isStopped {
                if processStopFlag.isStopped {
                    p.terminate()
                    return
                }
                usleep(20_000)
            }
        }
        // Read both pipes while the helper runs (a large output would otherwise block it).
        let errorData = SharedValue<Data?>(nil)
        let reader = WorkerThread(name: "python stderr") {
            guard echo else {
                errorData.value = err.fileHandleForReading.readDataToEndOfFile()
                return
            }
            var tail = Data()
            while true {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                FileHandle.standardError.write(chunk)
                tail = (tail + chunk).suffix(4000)
            }
            errorData.value = tail
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        exited.stop()
        forwarder.join()
        reader.join()
        if processStopFlag.isStopped {
            throw Failure(description: "\(purpose): stopped by a signal (SIGINT or SIGTERM); the Python helper was ended with it")
        }
        guard p.terminationStatus == 0 else {
            let message = String(decoding: errorData.value ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(purpose): \(message.isEmpty ? "the Python helper failed (exit \(p.terminationStatus))" : message)")
        }
        return data
    }
}
