#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM of this process: `installStopSignals()` makes them set this flag, which
/// a stage loop reads to finish cleanly (end-of-run, totals, statistics).
public let processStopFlag = StopFlag()

/// Sets `processStopFlag` on SIGINT and SIGTERM. They are also unblocked: a process started by
/// a parent that blocks them (some launchers do) would otherwise never see them.
public func installStopSignals() {
    signal(SIGINT) { _ in processStopFlag.stop() }
    signal(SIGTERM) { _ in processStopFlag.stop() }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
