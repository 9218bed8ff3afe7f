import Foundation
import ReadoutProtocol
import ReadoutSim
import ZeroMQ

/// The front end at its clock into a receiving socket in the same process: a PULL thread
/// takes every message (headers checked, payloads not decoded, so the consumer costs what a
/// forwarding consumer costs), and the end-of-run totals must match what it counted.
public struct FrontEndBenchmark: Sendable {
    public var crossings: [FrameSourceSettings.Mode: UInt64] = [.library: 40_000_000, .physics: 400_000]
    public var threads = 1
    public var seed: UInt64 = 1
    /// The front end's live metrics (to measure what publishing them costs).
    public var metrics: StageMetrics?

    public init() {}

    public struct Result: Sendable, Codable {
        public var mode: String
        public var transport: String
        public var stats: FrontEndStats
        public var meanMessageBytes: Double
        public var receivedRecords: UInt64
        public var complete: Bool

        enum CodingKeys: String, CodingKey {
            case mode, transport, stats, meanMessageBytes = "mean_message_bytes", receivedRecords = "received_records", complete
        }
    }

    public func run(mode: FrameSourceSettings.Mode, transport: TransportBenchmark.Transport, source: FrameSource) throws -> Result {
        let context = try Context()
        let pull = try Socket(context, .pull)
        let endpoint = try transport.bindLocal(pull, name: "smartpix-bench-frontend")
        let limit = crossings[mode] ?? 1_000_000
        let threads = self.threads, metrics = self.metrics
        let outcome = SharedValue<Result?>(nil)
        let producer = WorkerThread(name: "front end") {
            var c = FrontEndService.Configuration()
            c.endpoint = "connect:" + endpoint
            c.maxCrossings = limit
            c.threads = threads
            c.metrics = metrics
            do {
                var service = try FrontEndService(source: source, context: context, configuration: c)
                let stats = try service.run(stop: StopFlag())
                outcome.value = Result(
                    mode: mode.rawValue, transport: transport.rawValue, stats: stats, meanMessageBytes: 0, receivedRecords: 0, complete: false)
            } catch {
                FileHandle.standardError.write(Data("front end failed: \(error)\n".utf8))
            }
        }
        let parts = MessageParts()
        var records: UInt64 = 0, announced: UInt64?
        while try pull.receive(into: parts) {
            let header = try parts[0].bytes.withMemoryRebound(to: UInt8.self) { try MessageHeader.decode(UnsafeRawBufferPointer($0)) }
            if header.kind == .frames { records += UInt64(header.recordCount) }
            if header.kind == .endOfRun {
                announced = try StreamMessage.decode(buffers: parts.buffers).endOfRunTotals?.records
                break
            }
        }
        producer.join()
        guard var result = outcome.value else { throw BenchmarkFailure(description: "the front end did not finish") }
        result.receivedRecords = records
        result.complete = announced == records
        result.meanMessageBytes = result.stats.messages > 0 ? Double(result.stats.bytes) / Double(result.stats.messages) : 0
        return result
    }

    public struct BenchmarkFailure: Error, CustomStringConvertible {
        public let description: String
    }
}

extension StreamMessage {
    /// The totals of an end-of-run message.
    var endOfRunTotals: EndOfRun? {
        if case .endOfRun(let e) = payload { return e }
        return nil
    }
}
