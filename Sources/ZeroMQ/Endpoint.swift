#if canImport(Glibc)
    import Glibc
#endif

/// Checks on an endpoint that libzmq does not make itself.
enum Endpoint {
    /// libzmq reads a tcp port modulo 65536 (`tcp://127.0.0.1:99999` binds 34463): refuse
    /// any port outside 1-65535 that is not the `*` wildcard, before libzmq sees it.
    static func check(_ endpoint: String, operation: String) throws(ZMQError) {
        guard endpoint.hasPrefix("tcp://") else { return }
        guard let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 5) else {
            throw ZMQError(operation, errno: EINVAL, message: "a tcp endpoint needs a port, as in tcp://127.0.0.1:5555")
        }
        let port = endpoint[endpoint.index(after: colon)...]
        if port == "*" { return }
        guard let n = Int(port), (1...65535).contains(n) else {
            throw ZMQError(operation, errno: EINVAL, message: "port '\(port)' is not 1-65535 (or * for any free port)")
        }
    }

    /// The file an `ipc://` endpoint creates when bound (none for the abstract namespace, `ipc://@name`).
    static func ipcFile(_ endpoint: String) -> String? {
        guard endpoint.hasPrefix("ipc://") else { return nil }
        let path = String(endpoint.dropFirst(6))
        return path.isEmpty || path.hasPrefix("@") || path == "*" ? nil : path
    }
}

/// The socket files a socket bound: libzmq 4.3 leaves them behind on close.
final class IPCFiles {
    var paths: [String] = []

    func removeAll() {
        for p in paths { unlink(p) }
        paths.removeAll()
    }
}
