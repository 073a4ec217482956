import Logging

#if canImport(Glibc)
import Glibc
#endif

enum LoggingSetup {
    /// Logs to stderr (stdout is for command output), at `CURTAIL_LOG_LEVEL` (default `info`).
    static func bootstrap() {
        let level = Environment.get("CURTAIL_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
