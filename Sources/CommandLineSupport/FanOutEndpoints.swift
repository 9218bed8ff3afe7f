import ArgumentParser
import StageServices

/// The checks of a producer's `--endpoint` list: each a ZeroMQ endpoint, and several only
/// where a fan-out means something (PUSH outputs, one per worker; see `FanOutSender`).
public enum FanOutEndpoints {
    public static func check(_ endpoints: [String], pattern: StreamPattern, record: String?) throws {
        for endpoint in endpoints {
            let scheme = endpoint.replacingOccurrences(of: "bind:", with: "").replacingOccurrences(of: "connect:", with: "")
            guard ["tcp://", "ipc://", "inproc://"].contains(where: { scheme.hasPrefix($0) }) else {
                throw ValidationError("--endpoint '\(endpoint)' is not a tcp://, ipc:// or inproc:// endpoint")
            }
        }
        guard endpoints.count > 1 else { return }
        guard endpoints.count <= 64 else { throw ValidationError("--endpoint: at most 64 outputs, got \(endpoints.count)") }
        // A wildcard port (tcp://host:*) may be given twice: each bind gets a port of its own.
        let fixed = endpoints.filter { !$0.hasSuffix(":*") }
        if let twice = Dictionary(grouping: fixed, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ValidationError("--endpoint \(twice) given twice")
        }
        if pattern == .pub {
            throw ValidationError("--endpoint given \(endpoints.count) times: a PUB tap reaches every subscriber already; fan out with --pattern push")
        }
        if record != nil { throw ValidationError("--record records one stream; give one --endpoint") }
    }
}
