import ArgumentParser
import Foundation
import ReferenceData

/// The shared reference data: `--reference FOLDER`, else ../shared/reference beside the
/// package this program was built from, else beside the current directory.
enum ReferenceFolder {
    static func locate(_ override: String?, for purpose: String) throws -> String {
        if let override {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: override, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--reference \(override): no such folder (\(purpose) needs the shared reference data)")
            }
            return override
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        if let folder = SharedReference.directory(packageRoot: packageRoot)
            ?? SharedReference.directory(packageRoot: FileManager.default.currentDirectoryPath)
        {
            return folder
        }
        throw ValidationError("\(purpose) needs the shared reference data (pixelav-grid.json ...): give --reference FOLDER or set SMARTPIX_REFERENCE")
    }
}
