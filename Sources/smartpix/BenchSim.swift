import ArgumentParser
import Foundation
import ReadoutSim

struct BenchSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulator throughput on one core: full chain (20 slices) and cluster-library draws (2 slices).",
        discussion: """
            Both modes draw barrel tracks (30 mm, 3.8 T, minimum-bias pT spectrum, |eta| < 2.5) on \
            the type-2 sensor and digitize them with the default front end (30 e noise, 400 e \
            threshold with 20 e dispersion, 2-bit flash ADC). The full chain runs deposition, \
            drift and induction for every cluster; library mode first simulates the library \
            grid on all cores (reported separately), then times draws on one thread.
            """
    )

    @Option(help: "Full-chain clusters to time.")
    var fullClusters = 20_000

    @Option(help: "Library draws to time.")
    var libraryClusters = 2_000_000

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object (full_clusters_per_s, library_clusters_per_s, library_build_s, ...).")
    var json = false

    func validate() throws {
        guard fullClusters >= 100, libraryClusters >= 1000 else { throw ValidationError("--full-clusters must be >= 100 and --library-clusters >= 1000") }
    }

    func run() throws {
        var bench = SimulationBenchmark()
        bench.fullClusters = fullClusters
        bench.libraryClusters = libraryClusters
        bench.seed = seed
        let r = try bench.run(progress: json ? nil : printProgress)
        if json {
            try printJSON(r)
            return
        }
        print("full chain, 20 slices:  \(Int(r.fullClustersPerSecond)) clusters/s per core (\(fmt(r.fullPixelsPerCluster, 1)) pixels kept per cluster)")
        print("library, 2 slices:      \(Int(r.libraryClustersPerSecond)) clusters/s per core")
        print("library build:          \(r.libraryEntries) clusters in \(fmt(r.librarySeconds, 1)) s on all cores, \(fmt(r.libraryMegabytes, 1)) MB")
    }
}

/// A line on stderr, so that stdout stays the result.
@Sendable func printProgress(_ line: String) {
    FileHandle.standardError.write(Data("  \(line)\n".utf8))
}
