import ArgumentParser
import Foundation
import OnPixelInference

/// The trained models the project ships, in `models/` of the source tree: NAME.json (the
/// model file), NAME.h5 (its Keras weights), NAME.record.json (how it was trained). A model
/// option takes a NAME from there or a path to a model file.
public enum ModelCatalog {
    /// The model every command uses when none is given.
    public static let defaultName = "type2-2slice"

    /// $SMARTPIX_MODELS, else models/ of the source tree this binary was built from, else
    /// ../../models beside the binary (.build/release/ in a checkout).
    public static var folder: String {
        if let f = ProcessInfo.processInfo.environment["SMARTPIX_MODELS"] { return f }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models").path
        if FileManager.default.fileExists(atPath: source) { return source }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models").path
    }

    /// Names of the shipped models.
    public static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".record.json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The path a model option names: a shipped model's name, else a file.
    public static func path(_ nameOrFile: String) -> String {
        let shipped = folder + "/\(nameOrFile).json"
        if !nameOrFile.contains("/"), FileManager.default.fileExists(atPath: shipped) { return shipped }
        return nameOrFile
    }

    /// Loads the model an option names; the error names the option and lists what exists.
    public static func load(_ nameOrFile: String, flag: String) throws -> (path: String, model: QuantizedModel) {
        let p = path(nameOrFile)
        guard FileManager.default.fileExists(atPath: p) else {
            let known = names
            throw ValidationError(
                "\(flag) \(nameOrFile): no such model file, and no shipped model of that name (\(known.isEmpty ? "none in \(folder)" : known.joined(separator: ", ")))"
            )
        }
        do { return (p, try ModelFile.load(path: p)) } catch { throw ValidationError("\(flag) \(error)") }
    }

    /// The geometry a shipped model's name starts with (type2-2slice -> type2).
    public static func geometry(ofName name: String) -> String? {
        guard let prefix = name.split(separator: "-").first, prefix.hasPrefix("type"), Int(prefix.dropFirst(4)) != nil else { return nil }
        return String(prefix)
    }
}
