import ArgumentParser
import TriggerFilter

/// The trigger policy as command-line options, shared by trigger-filter, smartpix pipeline
/// and smartpix soak (docs/trigger.md explains each policy).
public struct TriggerPolicyOptions: ParsableArguments {
    public enum Choice: String, ExpressibleByArgument, CaseIterable, Sendable {
        case pointCut = "point-cut", uncertaintyAware = "uncertainty-aware", keepWhenUncertain = "keep-when-uncertain", onSensor = "on-sensor"
    }

    @Option(help: "Decision policy.")
    public var policy: Choice = .uncertaintyAware

    @Option(help: "pT threshold, GeV.")
    public var threshold = 0.2

    @Option(help: "uncertainty-aware: the probability that |pT| is above the threshold needed to keep, in (0, 1).")
    public var confidence = 0.5

    @Option(help: "keep-when-uncertain: the predicted cotBeta sigma above which a cluster is kept.")
    public var sigmaLimit = 0.05

    public init() {}

    public var chosen: TriggerPolicy {
        switch policy {
        case .pointCut: .pointCut(threshold: threshold)
        case .uncertaintyAware: .uncertaintyAware(threshold: threshold, confidence: confidence)
        case .keepWhenUncertain: .keepWhenUncertain(threshold: threshold, sigmaLimit: sigmaLimit)
        case .onSensor: .onSensorClasses(threshold: threshold)
        }
    }

    /// The same choice as trigger-filter's command line, for a chain of processes.
    public var arguments: [String] {
        ["--policy", policy.rawValue, "--threshold", "\(threshold)", "--confidence", "\(confidence)", "--sigma-limit", "\(sigmaLimit)"]
    }

    public func validate() throws {
        guard threshold > 0, threshold.isFinite else { throw ValidationError("--threshold must be positive GeV, got \(threshold)") }
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must be in (0, 1), got \(confidence)") }
        guard sigmaLimit > 0, sigmaLimit.isFinite else { throw ValidationError("--sigma-limit must be a positive cotBeta, got \(sigmaLimit)") }
    }
}
