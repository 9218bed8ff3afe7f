import Foundation
import Testing

@testable import ReadoutProtocol

@Suite struct RunConfigurationTests {
    static let frontEnd = FrontEndDescription(
        mode: "library", geometry: "type2", pitchXUm: 50, pitchYUm: 12.5, thicknessUm: 100, biasV: -100, layer: "barrel", rateHz: 4e7,
        occupancy: 0.04, sliceIndices: [0, 4], sliceTimesNs: [0.2, 1.0], noiseE: 30, thresholdE: 400, thresholdDispersionE: 20,
        adc: ADCDescription(kind: "network", bits: 4, signed: true, inputEncoding: InputEncoding(mean: 9.1, std: 1.3)), seed: 7, batch: 256)

    /// Names with quotes, backslashes, newlines and non-ASCII survive the run-start; the old
    /// string-built JSON gave a run-start every consumer rejected.
    @Test func awkwardNamesSurviveTheRunStart() throws {
        let name = "model \"q\\x\"\nline two\ttab, µm and \u{0001}"
        let config = RunConfiguration(
            frontEnd: Self.frontEnd,
            model: ModelDescription(name: name, slices: 2, filters: 5, parameters: 1, macsPerEvent: 2, inputEncoding: nil), upstream: "a\\b\"c")
        let message = StreamMessage(runID: 1, sequence: 0, payload: .runStart(RunStart(producer: "onpixel-infer", configuration: config)))
        let decoded = try StreamMessage.decode(message.encode())
        guard case .runStart(let s) = decoded.payload else { throw DecodeError.noParts }
        #expect(try s.configuration() == config)
        #expect(try JSONSerialization.jsonObject(with: Data(s.configurationJSON.utf8)) is [String: Any])
    }

    /// The slices and the input code travel in the run-start, under the documented keys.
    @Test func theFrontEndDescriptionCarriesSlicesAndEncoding() throws {
        let json = RunConfiguration(frontEnd: Self.frontEnd).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let f = try #require(object["front_end"] as? [String: Any])
        #expect(f["slice_indices"] as? [Int] == [0, 4])
        let adc = try #require(f["adc"] as? [String: Any])
        let encoding = try #require(adc["input_encoding"] as? [String: Any])
        #expect(encoding["mean"] as? Double == 9.1 && encoding["std"] as? Double == 1.3)
        #expect(f["threshold_e"] as? Double == 400 && f["noise_e"] as? Double == 30)
    }

    @Test func aConfigurationOfTheWrongTypeIsRefusedNamingTheKey() {
        do {
            _ = try RunConfiguration(json: #"{"front_end": {"slice_indices": "0,19"}}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("front_end"), "\(error)")
        }
        // Unknown keys (a later producer's) are ignored; an empty object is a valid configuration.
        #expect((try? RunConfiguration(json: #"{"something_new": 1}"#)) == RunConfiguration())
    }

    @Test func theSliceConventionHasOneOwner() throws {
        #expect(TimeSlices.network(channels: 2) == [0, 19])
        #expect(TimeSlices.network(channels: 20) == Array(0..<20))
        #expect(TimeSlices.network(channels: 3) == nil)
        #expect(TimeSlices.timeNs(ofSlice: 19) == 4.0)
        #expect(try TimeSlices.positions(of: [0, 19], in: [0, 9, 19]).get() == [0, 2])
        #expect(throws: TimeSlices.MissingSlice.self) { try TimeSlices.positions(of: [0, 19], in: [0, 4]).get() }
    }
}
