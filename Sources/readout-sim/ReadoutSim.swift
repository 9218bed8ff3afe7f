import ArgumentParser
import CommandLineSupport
import Foundation
import Randomness
import ReadoutProtocol
import ReadoutSim
import StageServices
import ZeroMQ

/// Asked to stop by SIGINT/SIGTERM; the run then ends with its end-of-run and exits 0.
let stopFlag = processStopFlag

extension StreamPattern: ExpressibleByArgument {}
extension FrameSourceSettings.Mode: ExpressibleByArgument {}
extension FrameSourceSettings.Layer: ExpressibleByArgument {}

enum ADCChoice: String, ExpressibleByArgument, CaseIterable { case flash, linear, network }
enum SpectrumChoice: String, ExpressibleByArgument, CaseIterable { case physical, flat }

@main
struct ReadoutSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readout-sim",
        abstract: "The pixel front end: simulated clusters on a bunch-crossing clock, streamed as frames over ZeroMQ.",
        discussion: """
            Each bunch crossing carries a Poisson number of clusters (mean --occupancy) in one \
            13 x 21 region of a barrel layer at 30 mm in 3.8 T (or an end-cap disk), from tracks \
            with a minimum-bias or flat pT spectrum, simulated by the full physics chain \
            (--mode physics) or drawn from a cluster library that the full chain fills at start-up \
            (--mode library, default), then digitized by the front end. Frames batches leave in \
            crossing order; every record carries its crossing number, its crossing time in \
            nanoseconds since the run started (simulated time, so a seed gives the same bytes), \
            and the module coordinates. Runs as fast as it can unless --realtime. Ends at a stop \
            condition or SIGINT/SIGTERM with an end-of-run carrying the totals, a summary on stdout \
            and exit code 0. Protocol: docs/wire-protocol.md; physics: docs/physics.md; this \
            stage: docs/readout-sim.md.
            """
    )

    @Option(help: ArgumentHelp("Bunch-crossing frequency with units: Hz, kHz, MHz, GHz.", valueName: "frequency"))
    var rate = "40MHz"

    @Option(help: "Sensor geometry: type1 ... type7 (../shared/seed/types.txt).")
    var geometry = "type2"

    @OptionGroup(title: "Sensor conditions") var conditions: SensorConditionOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions

    @Option(help: ArgumentHelp("Time slices sent: 2 (first and last of 20), 20, or a list of slice indices 0-19 such as 0,4,9,19.", valueName: "slices"))
    var slices = "2"

    @Option(
        help: ArgumentHelp(
            "Mean clusters per bunch crossing in the region (Poisson).",
            discussion: "Default 0.04: HL-LHC at pileup 200 on the layer at 30 mm (docs/readout-sim.md)."))
    var occupancy = FrameSourceSettings.highLuminosityOccupancy

    @Option(help: "physics: the full chain for every cluster; library: draws from clusters pre-simulated by the full chain.")
    var mode: FrameSourceSettings.Mode = .library

    @Option(help: "barrel (30 mm, 3.8 T) or endcap (disk at 300 mm).")
    var layer: FrameSourceSettings.Layer = .barrel

    @Option(help: "pT spectrum: physical (minimum-bias-like) or flat (0-5 GeV).")
    var spectrum: SpectrumChoice = .physical

    @Option(help: "ADC: flash (thresholds), linear (n bits) or network (the network's signed 4-bit input code).")
    var adc: ADCChoice = .flash

    @Option(help: ArgumentHelp("Flash ADC thresholds in electrons, increasing: 1, 3, 15 or 255 of them.", valueName: "e,e,e"))
    var flashThresholds = "400,1600,2400"

    @Option(help: "Linear ADC bits: 2, 4 or 8.")
    var adcBits = 4

    @Option(help: "Linear ADC step, electrons per count.")
    var adcStep = 600.0

    @Option(help: "Network input code: mean of sign(q) log2(1 + |q|) over hit pixels (with --encoding-std); default: fitted on 2,000 simulated clusters.")
    var encodingMean: Double?

    @Option(help: "Network input code: standard deviation (with --encoding-mean).")
    var encodingStd: Double?

    @Option(
        help: ArgumentHelp(
            "The model's own input (a name in models/ or a model file), so that onpixel-infer --model MODEL takes the frames as trained: with --adc network its input code's constants, with --adc flash a flash-input model's learned thresholds.",
            valueName: "model"))
    var encodingFrom: String?

    @Option(help: "Equivalent noise charge per sample, electrons.")
    var noise = 30.0

    @Option(help: "Mean pixel threshold, electrons.")
    var threshold = 400.0

    @Option(help: "Pixel-to-pixel threshold dispersion (rms), electrons.")
    var thresholdDispersion = 20.0

    @Option(help: "Seed: the same seed and flags give the same bytes.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME; give it once per inference worker to fan out.",
            discussion: """
                Binds unless prefixed connect:. Default stays on loopback. With several, each is a complete \
                stream of its own (stream ids 0, 1, ...: run-start, a share of the frames, end-of-run) and \
                a batch goes to the next one, in turn, that takes it without waiting (docs/deployment.md).
                """))
    var endpoint: [String] = ["tcp://127.0.0.1:5555"]

    @Option(help: "push: lossless pipeline with back-pressure; pub: monitoring tap that drops (and counts) at the high-water mark.")
    var pattern: StreamPattern = .push

    @Option(name: .customLong("hwm"), help: "High-water mark, messages.")
    var highWaterMark = 1000

    @Option(help: "Records (clusters) per message.")
    var batch = 256

    @Option(help: "Longest a record waits in an unfilled batch, microseconds of crossing time (wall time with --realtime).")
    var flushUs = 1000.0

    @Option(help: "Generator threads (the socket has its own).")
    var threads = 1

    @Option(help: ArgumentHelp("Stop after this much wall time, with units: ms, s (e.g. 10s).", valueName: "duration"))
    var duration: String?

    @Option(help: "Stop after this many bunch crossings.")
    var bunchCrossings: UInt64?

    @Option(help: "Stop after this many clusters.")
    var clusters: UInt64?

    @Flag(help: "Pace to the wall clock (records leave when their crossing has happened) instead of as fast as possible.")
    var realtime = false

    @Flag(help: "Send the truth labels of every cluster (their own message part).")
    var truth = false

    @Flag(help: "Send the front end's measured charge (float32 electrons) beside the codes.")
    var charge = false

    @Option(help: "Also write every message to this run file (also when replaying); it takes its name when the run ends, PATH.partial until then.")
    var record: String?

    @Option(help: "Stream this run file again, byte for byte (with --realtime, paced at --rate).")
    var replay: String?

    @Option(help: "Write the final statistics as JSON to this file.")
    var statsJSON: String?

    @Option(help: "Run id written in every header.")
    var runID: UInt64 = 1

    func validate() throws {
        guard Quantities.frequency(rate) != nil else { throw ValidationError("--rate '\(rate)' is not a positive frequency such as 40MHz, 1kHz or 100Hz") }
        _ = try keptSlices()
        do { _ = try conditions.sensor(.named(geometry)) } catch let e as SensorGeometry.Invalid { throw ValidationError("--geometry: \(e)") }
        guard occupancy >= 0, occupancy <= 1000, occupancy.isFinite else {
            throw ValidationError("--occupancy must be 0 to 1000 clusters per crossing, got \(occupancy)")
        }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1...100000, got \(batch)") }
        guard flushUs > 0, flushUs.isFinite else { throw ValidationError("--flush-us must be positive, got \(flushUs)") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256, got \(threads)") }
        guard highWaterMark >= 0 else { throw ValidationError("--hwm must not be negative, got \(highWaterMark)") }
        if let duration {
            guard let d = Quantities.duration(duration), d > .zero else {
                throw ValidationError("--duration '\(duration)' is not a positive duration such as 10s or 500ms")
            }
        }
        try OutputPath.check(statsJSON, flag: "--stats-json")
        try OutputPath.check(record, flag: "--record")
        if let record, let replay, URL(fileURLWithPath: record).standardizedFileURL == URL(fileURLWithPath: replay).standardizedFileURL {
            throw ValidationError("--record \(record): the same file as --replay")
        }
        if (encodingMean == nil) != (encodingStd == nil) { throw ValidationError("--encoding-mean and --encoding-std go together") }
        if encodingFrom != nil, encodingMean != nil { throw ValidationError("--encoding-from and --encoding-mean/--encoding-std exclude each other") }
        if encodingFrom != nil, adc != .network, adc != .flash {
            throw ValidationError("--encoding-from needs --adc network (or flash, for a flash-input model)")
        }
        if let s = encodingStd, !(s > 0) { throw ValidationError("--encoding-std must be positive, got \(s)") }
        if let replay, !FileManager.default.fileExists(atPath: replay) { throw ValidationError("--replay \(replay): no such file") }
        try FanOutEndpoints.check(endpoint, pattern: pattern, record: record)
        if endpoint.count > 1, replay != nil { throw ValidationError("--replay sends the file's one stream; give one --endpoint") }
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be non-negative electrons, got \(noise)") }
        guard threshold >= 0, threshold.isFinite else { throw ValidationError("--threshold must be non-negative electrons, got \(threshold)") }
        guard thresholdDispersion >= 0, thresholdDispersion.isFinite else {
            throw ValidationError("--threshold-dispersion must be non-negative electrons, got \(thresholdDispersion)")
        }
        do { try frontEndSettings(encoding: nil).validate() } catch {
            let flag = adc == .flash ? "--flash-thresholds" : adc == .linear ? "--adc-bits/--adc-step" : "front end"
            throw ValidationError("\(flag): \(error)")
        }
    }

    /// --slices as indices of the 20 simulated slices.
    func keptSlices() throws -> [Int] {
        switch slices {
        case "2": return TimeSlices.network(channels: 2)!
        case "20": return TimeSlices.network(channels: 20)!
        default:
            let parts = slices.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count > 1 || slices.contains(","), parts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--slices '\(slices)': give 2, 20 or a comma-separated list of slice indices 0-19")
            }
            let list = parts.map { $0! }
            guard list.allSatisfy({ (0...19).contains($0) }), zip(list, list.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ValidationError("--slices '\(slices)': indices must be 0-19 and increasing")
            }
            return list
        }
    }

    func frontEndSettings(encoding: InputEncoding?) throws -> FrontEndSettings {
        var f = FrontEndSettings()
        f.noise = noise
        f.threshold = threshold
        f.thresholdDispersion = thresholdDispersion
        switch adc {
        case .flash:
            let t = flashThresholds.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard t.allSatisfy({ $0 != nil }) else { throw ValidationError("--flash-thresholds '\(flashThresholds)' is not a list of numbers") }
            f.adc = .flash(thresholds: t.map { $0! })
        case .linear: f.adc = .linear(bits: adcBits, lsb: adcStep)
        case .network: f.adc = .networkInput(encoding ?? InputEncoding(mean: 10, std: 1))
        }
        return f
    }

    func run() throws {
        installStopSignals()
        let interactive = isatty(STDERR_FILENO) == 1
        let note: (String) -> Void = { FileHandle.standardError.write(Data("readout-sim: \($0)\n".utf8)) }
        let hz = Quantities.frequency(rate)!
        var c = FrontEndService.Configuration()
        c.endpoints = endpoint
        c.pattern = pattern
        c.highWaterMark = highWaterMark
        c.batch = batch
        c.flushInterval = .nanoseconds(Int64(flushUs * 1000))
        c.threads = threads
        c.maxCrossings = bunchCrossings
        c.maxClusters = clusters
        c.maxDuration = duration.flatMap(Quantities.duration)
        c.realtime = realtime
        c.runID = runID
        let monitor = try monitoring.start("readout-sim")
        defer { monitor?.finish() }
        c.metrics = monitor?.stage("front_end")
        let context = try Context()
        let status: (FrontEndStats) -> Void = { s in
            guard interactive else { return }
            let line = String(
                format: "\r%.0f clusters/s, %.1f MB/s, real-time factor %.3f, %llu crossings, %llu dropped   ", s.clustersPerS, s.megabytesPerS,
                s.realTimeFactor, s.bunchCrossings, s.droppedRecords)
            FileHandle.standardError.write(Data(line.utf8))
        }

        let stats: FrontEndStats
        if let replay {
            note("replaying \(replay) on \(endpoint[0])\(realtime ? " at \(rate)" : "")")
            do {
                stats = try FrontEndService.replay(
                    replay, context: context, configuration: c, rate: realtime ? hz : nil, stop: stopFlag, record: record, progress: status)
            } catch let e as ZMQError {
                throw ValidationError("--endpoint: \(e)")
            } catch let e as ReplayError {
                throw ValidationError("--replay \(e)")
            } catch let e as RunFileReader.Failure {
                throw ValidationError("--replay \(e)")
            }
            for w in stats.warnings { note("warning: --replay \(replay): \(w)") }
        } else {
            // The socket first: a bad endpoint is reported before any simulation starts.
            var sender: FanOutSender
            do {
                sender = try FrontEndService.outputs(context: context, configuration: c, record: record)
            } catch let e as ZMQError {
                throw ValidationError("--endpoint: \(e)")
            } catch {
                throw ValidationError("--record \(record ?? ""): \(error)")
            }
            var settings = FrameSourceSettings()
            settings.simulation.sensor = try conditions.sensor(.named(geometry))
            settings.keptSlices = try keptSlices()
            settings.mode = mode
            settings.layer = layer
            settings.spectrum = spectrum == .flat ? .flat() : .minimumBias()
            settings.rate = hz
            settings.occupancy = occupancy
            settings.includeTruth = truth
            settings.includeCharge = charge
            settings.seed = seed
            var encoding: InputEncoding? = nil
            // A flash-input model's learned thresholds replace --flash-thresholds.
            var modelFlash: FlashInput? = nil
            if let encodingFrom, adc == .flash {
                let (path, m) = try ModelCatalog.load(encodingFrom, flag: "--encoding-from")
                guard let f = m.flashInput else { throw ValidationError("--encoding-from \(path): the model takes the network input code: give --adc network") }
                modelFlash = f
                note("flash thresholds of \(m.name): \(f.thresholds.map { String(format: "%.1f", $0) }.joined(separator: ", ")) e")
            }
            if adc == .network {
                if let encodingFrom {
                    let (path, m) = try ModelCatalog.load(encodingFrom, flag: "--encoding-from")
                    if m.flashInput != nil { throw ValidationError("--encoding-from \(path): the model takes 2-bit flash codes: give --adc flash") }
                    guard let e = m.inputEncoding else { throw ValidationError("--encoding-from \(path): the model file has no input-encoding constants") }
                    encoding = e
                } else {
                    encoding = try encodingMean.map { InputEncoding(mean: $0, std: encodingStd!) } ?? settings.fittedInputEncoding()
                }
                note(String(format: "network input code: mean %.4f, std %.4f", encoding!.mean, encoding!.std))
            }
            settings.frontEnd = try frontEndSettings(encoding: encoding)
            if let modelFlash { settings.frontEnd.adc = .flash(thresholds: modelFlash.thresholds) }
            if mode == .library { note("simulating the cluster library (\(settings.libraryGrid.entries) clusters, all cores) ...") }
            let source: FrameSource
            do {
                source = try FrameSource(settings)
            } catch { throw ValidationError("\(error)") }
            var service = FrontEndService(source: source, sender: sender, configuration: c)
            note(
                "\(mode.rawValue) mode, \(settings.simulation.sensor.geometry) (\(settings.simulation.sensor.conditions)), \(rate), occupancy \(occupancy); \(pattern) on \(service.endpoints.joined(separator: ", "))"
            )
            stats = try service.run(stop: stopFlag, progress: status)
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        print(
            "\(stats.bunchCrossings) bunch crossings (\(String(format: "%.6f", stats.simulatedSeconds)) s simulated), \(stats.clusters) clusters in \(stats.messages) messages, \(stats.bytes) bytes"
        )
        print(
            String(
                format: "%.0f clusters/s, %.2f MB/s, real-time factor %.3f over %.2f s wall; dropped %llu; end-of-run %@ (%@)", stats.clustersPerS,
                stats.megabytesPerS, stats.realTimeFactor, stats.wallSeconds, stats.droppedRecords, stats.endOfRunDelivered ? "delivered" : "NOT delivered",
                stats.stopReason))
        for o in stats.outputs {
            print(
                "output \(o.streamID) (\(o.endpoint)): \(o.records) clusters in \(o.messages) messages; end-of-run \(o.endOfRunDelivered ? "delivered" : "NOT delivered (its consumer is gone or stuck: what it had not taken is lost, and its downstream reports the share missing)")"
            )
        }
        if let statsJSON { try OutputPath.writeJSON(stats, to: statsJSON, flag: "--stats-json") }
    }
}
