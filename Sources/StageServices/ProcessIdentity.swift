#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process id, for names (ipc paths) that must not collide between processes.
public enum ProcessIdentity {
    public static var current: Int32 { getpid() }
}
