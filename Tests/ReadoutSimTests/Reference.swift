import Foundation
import ReferenceData

/// ../shared/reference beside the package, when present.
enum Reference {
    static let directory = SharedReference.directory(
        packageRoot: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path)
}
