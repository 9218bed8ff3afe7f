import Foundation

/// Hosts for a test: network namespaces joined by veth pairs, each end with its own /30
/// address (`ip netns`, `ip link`, as root). Removed again when the value goes away.
final class TestNetwork {
    /// One cable: host `a` at `addressA`, host `b` at `addressB`, in a /30.
    struct Link {
        let a: String, addressA: String, b: String, addressB: String
    }

    private let prefix: String
    private var made: [String] = []

    /// Fails, naming the command and what `ip` said, where namespaces cannot be made (not
    /// root, no CAP_SYS_ADMIN, a kernel without them): a test must not pass without its hosts.
    init(hosts: [String], links: [Link]) throws {
        prefix = "sp\(getpid() % 100_000)"
        for h in hosts {
            try Self.ip(["netns", "add", namespace(h)])
            made.append(namespace(h))
            try Self.ip(["-n", namespace(h), "link", "set", "lo", "up"])
        }
        for (i, l) in links.enumerated() {
            // Interface names hold 15 characters.
            let endA = "\(prefix)v\(i)a", endB = "\(prefix)v\(i)b"
            try Self.ip(["link", "add", endA, "type", "veth", "peer", "name", endB])
            for (end, host, address) in [(endA, l.a, l.addressA), (endB, l.b, l.addressB)] {
                try Self.ip(["link", "set", end, "netns", namespace(host)])
                try Self.ip(["-n", namespace(host), "addr", "add", address + "/30", "dev", end])
                try Self.ip(["-n", namespace(host), "link", "set", end, "up"])
            }
        }
    }

    deinit {
        // Deleting a namespace deletes the veth ends in it, and so their peers.
        for n in made { try? Self.ip(["netns", "del", n]) }
    }

    /// The namespace that stands for `host`.
    func namespace(_ host: String) -> String { "\(prefix)-\(host)" }

    private static func ip(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw StageFailure(description: "cannot run /usr/sbin/ip (Debian's iproute2): \(error)") }
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw StageFailure(
                description: "ip \(arguments.joined(separator: " ")) failed (\(p.terminationStatus)): \(said)network namespaces need root (CAP_SYS_ADMIN)")
        }
    }
}
