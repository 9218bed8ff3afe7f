import Foundation
import ReadoutProtocol
import StageServices
import ZeroMQ

/// A small frames batch whose records are numbered from `first`.
func testFrames(first: UInt64, count: Int) -> FrameBatch {
    var b = FrameBatch(shape: FrameShape(rows: 13, columns: 21, slices: 2), codeFormat: CodeFormat(bits: 2, signed: false))
    for i in 0..<count {
        b.append(
            bunchCrossing: first + UInt64(i), timestamp: 0, yLocal: 1, xLocal: 2,
            codes: (0..<546).map { Int16(($0 + i) % 4) })
    }
    return b
}

/// Starts a producer thread that binds, and returns once it has reported its endpoint.
func startProducer(_ body: @escaping @Sendable (_ ready: (String) -> Void) -> Void) -> (WorkerThread, String) {
    let endpoint = SharedValue<String>("")
    let bound = DispatchSemaphore(value: 0)
    let thread = WorkerThread(name: "producer") {
        body { e in
            endpoint.value = e
            bound.signal()
        }
    }
    bound.wait()
    return (thread, endpoint.value)
}

/// A trigger service on its own thread: the test pushes predictions to `input` over inproc
/// and reads the decisions from `decisions`; `finish` waits for the run's end.
final class TriggerUnderTest {
    let context: Context
    let configuration: TriggerService.Configuration
    let input: String
    var decisions: StreamReceiver
    private let result = SharedValue<TriggerStats?>(nil)
    private let thread: WorkerThread

    /// `configure` sets what the test varies; the endpoints and a 30 s idle timeout are set here.
    init(_ configure: (inout TriggerService.Configuration) -> Void) throws {
        let context = try Context()
        let name = UUID().uuidString
        var c = TriggerService.Configuration()
        c.input = "bind:inproc://p-\(name)"
        c.output = "connect:inproc://d-\(name)"
        c.idleTimeout = .seconds(30)
        configure(&c)
        decisions = try StreamReceiver(context: context, endpoint: "bind:inproc://d-\(name)", pattern: .push)
        let config = c, result = result
        let ready = DispatchSemaphore(value: 0)
        thread = WorkerThread(name: "trigger") {
            var s = try! TriggerService(context: context, configuration: config)
            ready.signal()
            result.value = try! s.run(stop: StopFlag())
        }
        ready.wait()
        self.context = context
        configuration = c
        input = "connect:inproc://p-\(name)"
    }

    /// The run's statistics, once the service has ended.
    func finish() -> TriggerStats? {
        thread.join()
        return result.value
    }
}
