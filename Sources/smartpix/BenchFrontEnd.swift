import ArgumentParser
import CommandLineSupport
import Foundation
import ReadoutSim
import StageServices

struct BenchFrontEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontend",
        abstract: "The front end at 40 MHz and the default occupancy into a receiving socket: clusters/s, MB/s, real-time factor.",
        discussion: """
            Library and physics modes, over inproc and tcp, one generator thread (--threads) plus \
            the socket thread; a PULL thread in the same process takes every message and checks the \
            end-of-run totals. The real-time factor is simulated time (crossings / 40 MHz) over wall \
            time: 1 keeps up with the LHC clock for one 13 x 21 region. The library is simulated \
            before timing starts. Compare the socket rate with libzmq's own perf tools at the mean \
            message size printed: scripts/bench-transport-vs-libzmq.sh SIZE.
            """
    )

    @Option(help: "Generator threads.")
    var threads = 1

    @Option(help: "Bunch crossings in library mode (40,000,000 = 1 s of LHC time).")
    var libraryCrossings: UInt64 = 40_000_000

    @Option(help: "Bunch crossings in physics mode.")
    var physicsCrossings: UInt64 = 400_000

    @OptionGroup(title: "Monitoring (to measure what it costs)") var monitoring: MetricsOptions

    @Flag(help: "Print one JSON object (library_rtf, physics_rtf, library_clusters_per_s, physics_clusters_per_s, runs).")
    var json = false

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64, got \(threads)") }
        guard libraryCrossings >= 1024, physicsCrossings >= 1024 else { throw ValidationError("crossing counts must be at least 1024") }
    }

    struct Report: Encodable {
        var library_rtf: Double, physics_rtf: Double, library_clusters_per_s: Double, physics_clusters_per_s: Double
        var runs: [FrontEndBenchmark.Result]
    }

    func run() throws {
        var bench = FrontEndBenchmark()
        bench.threads = threads
        bench.crossings = [.library: libraryCrossings, .physics: physicsCrossings]
        let monitor = try monitoring.start("bench frontend")
        defer { monitor?.finish() }
        bench.metrics = monitor?.stage("front_end")
        var runs: [FrontEndBenchmark.Result] = []
        for mode in [FrameSourceSettings.Mode.library, .physics] {
            var settings = FrameSourceSettings()
            settings.mode = mode
            if !json { printProgress("\(mode.rawValue): preparing") }
            let source = try FrameSource(settings)
            for transport in [TransportBenchmark.Transport.inproc, .tcp] {
                let r = try bench.run(mode: mode, transport: transport, source: source)
                guard r.complete else {
                    throw ValidationError("\(mode.rawValue) over \(transport.rawValue): received \(r.receivedRecords) records, the end-of-run says otherwise")
                }
                runs.append(r)
                if !json {
                    let s = r.stats
                    print(
                        "\(pad(mode.rawValue, 8))\(pad(transport.rawValue, 7))\(pad(String(Int(s.clustersPerS)), 9)) clusters/s \(pad(fmt(s.megabytesPerS, 1), 7)) MB/s  real-time factor \(fmt(s.realTimeFactor, 3))  (\(s.clusters) clusters, \(Int(r.meanMessageBytes)) B per message)"
                    )
                }
            }
        }
        func best(_ mode: String, _ key: KeyPath<FrontEndStats, Double>) -> Double {
            runs.filter { $0.mode == mode }.map { $0.stats[keyPath: key] }.max() ?? 0
        }
        if json {
            try printJSON(
                Report(
                    library_rtf: best("library", \.realTimeFactor), physics_rtf: best("physics", \.realTimeFactor),
                    library_clusters_per_s: best("library", \.clustersPerS), physics_clusters_per_s: best("physics", \.clustersPerS), runs: runs))
        }
    }
}
