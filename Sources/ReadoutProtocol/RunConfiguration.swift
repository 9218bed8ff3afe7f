import Foundation

/// The run-start's configuration object (docs/wire-protocol.md, "Run-start"): what a stream
/// is, so that a consumer can check it carries what the consumer needs. Each stage fills the
/// part it owns and passes its upstream's front end on, so the description reaches the end
/// of the chain. Unknown keys are ignored on reading: later producers may add more.
public struct RunConfiguration: Codable, Sendable, Equatable {
    /// The frames' producer: sensor, clock, slices, front end, ADC.
    public var frontEnd: FrontEndDescription?
    /// The network of an inference stage.
    public var model: ModelDescription?
    /// A test-pattern source (smartpix test-stream).
    public var testPattern: TestPatternDescription?
    /// The producer of this stage's input (its run-start's producer name).
    public var upstream: String?
    /// Outputs the frames' producer spreads its run over, one complete stream each (absent:
    /// one); passed down by every stage, so that a consumer fanning the workers in knows how
    /// many end-of-runs to wait for.
    public var fanOut: Int?

    public init(
        frontEnd: FrontEndDescription? = nil, model: ModelDescription? = nil, testPattern: TestPatternDescription? = nil, upstream: String? = nil,
        fanOut: Int? = nil
    ) {
        self.frontEnd = frontEnd
        self.model = model
        self.testPattern = testPattern
        self.upstream = upstream
        self.fanOut = fanOut
    }

    enum CodingKeys: String, CodingKey {
        case frontEnd = "front_end", model, testPattern = "test_pattern", upstream, fanOut = "fan_out"
    }

    /// The JSON object a run-start carries (keys sorted, so a seed gives the same bytes).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain value: encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Reads a run-start's configuration; the error says which key was wrong.
    public init(json: String) throws(DecodeError) {
        do {
            self = try JSONDecoder().decode(RunConfiguration.self, from: Data(json.utf8))
        } catch let DecodingError.typeMismatch(_, c), let DecodingError.valueNotFound(_, c), let DecodingError.keyNotFound(_, c),
            let DecodingError.dataCorrupted(c)
        {
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badValue(part: "run-start", field: path.isEmpty ? "configuration" : "configuration key \(path)", detail: c.debugDescription)
        } catch {
            throw .badValue(part: "run-start", field: "configuration", detail: "\(error)")
        }
    }
}

extension RunStart {
    /// A run-start whose configuration is `configuration`'s JSON.
    public init(producer: String, configuration: RunConfiguration) {
        self.init(producer: producer, configurationJSON: configuration.json())
    }

    /// The configuration, read with `RunConfiguration(json:)`.
    public func configuration() throws(DecodeError) -> RunConfiguration { try RunConfiguration(json: configurationJSON) }
}

/// A front end's stream: the sensor, the clock, which of the 20 time slices it sends and
/// how its pixels were digitized.
public struct FrontEndDescription: Codable, Sendable, Equatable {
    public var mode: String
    public var geometry: String
    public var pitchXUm: Double
    public var pitchYUm: Double
    public var thicknessUm: Double
    public var biasV: Double
    public var layer: String
    public var rateHz: Double
    public var occupancy: Double
    /// Indices (0-19) of the simulated slices the frames carry, in order (`TimeSlices`).
    public var sliceIndices: [Int]
    /// Their times, nanoseconds after the crossing.
    public var sliceTimesNs: [Double]
    public var noiseE: Double
    public var thresholdE: Double
    public var thresholdDispersionE: Double
    public var adc: ADCDescription
    public var seed: UInt64
    public var batch: Int
    /// A run paced to the clock: when crossing 0 happens, nanoseconds since the Unix epoch
    /// (CLOCK_REALTIME), so that a consumer in another process (or on a host with a
    /// synchronized clock) measures latency from each crossing's moment. Absent otherwise.
    public var clockOriginUnixNs: UInt64?

    public init(
        mode: String, geometry: String, pitchXUm: Double, pitchYUm: Double, thicknessUm: Double, biasV: Double, layer: String, rateHz: Double,
        occupancy: Double, sliceIndices: [Int], sliceTimesNs: [Double], noiseE: Double, thresholdE: Double, thresholdDispersionE: Double, adc: ADCDescription,
        seed: UInt64, batch: Int
    ) {
        self.mode = mode
        self.geometry = geometry
        self.pitchXUm = pitchXUm
        self.pitchYUm = pitchYUm
        self.thicknessUm = thicknessUm
        self.biasV = biasV
        self.layer = layer
        self.rateHz = rateHz
        self.occupancy = occupancy
        self.sliceIndices = sliceIndices
        self.sliceTimesNs = sliceTimesNs
        self.noiseE = noiseE
        self.thresholdE = thresholdE
        self.thresholdDispersionE = thresholdDispersionE
        self.adc = adc
        self.seed = seed
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case mode, geometry, pitchXUm = "pitch_x_um", pitchYUm = "pitch_y_um", thicknessUm = "thickness_um", biasV = "bias_v", layer
        case rateHz = "rate_hz", occupancy, sliceIndices = "slice_indices", sliceTimesNs = "slice_times_ns", noiseE = "noise_e"
        case thresholdE = "threshold_e", thresholdDispersionE = "threshold_dispersion_e", adc, seed, batch
        case clockOriginUnixNs = "clock_origin_unix_ns"
    }
}

/// How pixel charge became codes.
public struct ADCDescription: Codable, Sendable, Equatable {
    /// flash, linear or network (the network's signed input code).
    public var kind: String
    public var bits: Int
    public var signed: Bool
    public var flashThresholdsE: [Double]?
    public var stepE: Double?
    /// The input-encoding constants of the network code (kind network).
    public var inputEncoding: InputEncoding?

    public init(kind: String, bits: Int, signed: Bool, flashThresholdsE: [Double]? = nil, stepE: Double? = nil, inputEncoding: InputEncoding? = nil) {
        self.kind = kind
        self.bits = bits
        self.signed = signed
        self.flashThresholdsE = flashThresholdsE
        self.stepE = stepE
        self.inputEncoding = inputEncoding
    }

    enum CodingKeys: String, CodingKey {
        case kind, bits, signed, flashThresholdsE = "flash_thresholds_e", stepE = "step_e", inputEncoding = "input_encoding"
    }
}

/// The network an inference stage evaluates.
public struct ModelDescription: Codable, Sendable, Equatable {
    public var name: String
    public var slices: Int
    public var filters: Int
    public var parameters: Int
    public var macsPerEvent: Int
    public var inputEncoding: InputEncoding?

    public init(name: String, slices: Int, filters: Int, parameters: Int, macsPerEvent: Int, inputEncoding: InputEncoding?) {
        self.name = name
        self.slices = slices
        self.filters = filters
        self.parameters = parameters
        self.macsPerEvent = macsPerEvent
        self.inputEncoding = inputEncoding
    }

    enum CodingKeys: String, CodingKey {
        case name, slices, filters, parameters, macsPerEvent = "macs_per_event", inputEncoding = "input_encoding"
    }
}

/// smartpix test-stream's deterministic pattern.
public struct TestPatternDescription: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var rows: Int
    public var columns: Int
    public var slices: Int
    public var adcBits: Int
    public var signedCodes: Bool
    public var messages: Int
    public var batch: Int

    public init(seed: UInt64, rows: Int, columns: Int, slices: Int, adcBits: Int, signedCodes: Bool, messages: Int, batch: Int) {
        self.seed = seed
        self.rows = rows
        self.columns = columns
        self.slices = slices
        self.adcBits = adcBits
        self.signedCodes = signedCodes
        self.messages = messages
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case seed, rows, columns, slices, adcBits = "adc_bits", signedCodes = "signed_codes", messages, batch
    }
}
