// swift-tools-version:6.0
import PackageDescription

// Portable by default. SMARTPIX_TARGET_CPU=haswell (or any CPU name swiftc knows) tunes the
// network engines for that CPU: AVX2's 8-lane integer multiplies roughly double the integer
// engine's throughput. The binary then needs that CPU; build it in its own folder
// (README, "Benchmarks").
let engineSettings: [SwiftSetting] = Context.environment["SMARTPIX_TARGET_CPU"].map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

let package = Package(
    name: "SmartPixelReadout",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "readout-sim", targets: ["readout-sim"]),
        .executable(name: "onpixel-infer", targets: ["onpixel-infer"]),
        .executable(name: "trigger-filter", targets: ["trigger-filter"]),
        .executable(name: "smartpix", targets: ["smartpix"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "ReadoutProtocol", targets: ["ReadoutProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Live metrics: the API (swift-metrics), its Prometheus backend, a small HTTP server.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // libzmq from Debian's libzmq3-dev: zmq.h on the default include path, linked by the
        // module map. (Not through pkg-config: Debian's libzmq.pc carries an -isystem flag from
        // its private requirements that SwiftPM refuses with a warning on every build.)
        .systemLibrary(name: "CZMQ"),
        .target(name: "ZeroMQ", dependencies: ["CZMQ"]),
        .target(name: "ReadoutProtocol"),
        // NumPy .npy/.npz reading for reference data (PixelAV clusters, TCAD maps).
        .target(name: "ReferenceData", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Seeded generators and the distributions the simulation draws from.
        .target(name: "Randomness"),
        .target(name: "ReadoutSim", dependencies: ["ReadoutProtocol", "Randomness", "ReferenceData"]),
        .target(name: "OnPixelInference", dependencies: ["ReadoutProtocol", "Randomness"], swiftSettings: engineSettings),
        // pT from the network's predictions and keep/drop policies (no sockets).
        .target(name: "TriggerFilter", dependencies: ["ReadoutProtocol"]),
        .target(
            name: "StageServices",
            dependencies: [
                "ZeroMQ", "ReadoutProtocol", "OnPixelInference", "ReadoutSim", "TriggerFilter",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),
        // The stages' metrics served over HTTP: Prometheus text and the live page.
        .target(
            name: "Monitoring",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]),
        // Figures as SVG files (no dependencies).
        .target(name: "Plots"),
        // Options shared by the executables (sensor conditions).
        .target(name: "CommandLineSupport", dependencies: ["ReadoutSim", "StageServices", "Monitoring", "OnPixelInference", "TriggerFilter", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .executableTarget(
            name: "readout-sim",
            dependencies: [
                "StageServices", "ReadoutSim", "ReadoutProtocol", "ZeroMQ", "Randomness", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "onpixel-infer",
            dependencies: [
                "StageServices", "OnPixelInference", "Plots", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "trigger-filter",
            dependencies: [
                "StageServices", "TriggerFilter", "CommandLineSupport", "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "smartpix",
            dependencies: [
                "StageServices", "ZeroMQ", "ReadoutProtocol", "ReadoutSim",
                "OnPixelInference", "ReferenceData", "Randomness", "CommandLineSupport", "Plots", "TriggerFilter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "ReadoutProtocolTests", dependencies: ["ReadoutProtocol", "Randomness"]),
        .testTarget(name: "ReadoutSimTests", dependencies: ["ReadoutSim", "ReferenceData", "Randomness"]),
        .testTarget(name: "OnPixelInferenceTests", dependencies: ["OnPixelInference", "ReadoutProtocol", "ReferenceData", "Randomness"]),
        .testTarget(name: "ReferenceDataTests", dependencies: ["ReferenceData"]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "StageServicesTests", dependencies: ["StageServices", "Randomness", "ReferenceData"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "StageServices"]),
        .testTarget(name: "CommandLineSupportTests", dependencies: ["CommandLineSupport"]),
        .testTarget(name: "TriggerFilterTests", dependencies: ["TriggerFilter", "ReadoutProtocol", "Randomness"]),
    ],
    swiftLanguageModes: [.v6]
)
