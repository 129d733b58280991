import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A `LogHandler` that writes one JSON object per line to standard error, secrets redacted (`LogRedaction`):
/// `{"time","level","label","message", ...metadata}`; metadata such as `request_id` and `order_id`
/// become top-level keys so log tools can filter on them.
///
/// A line logged while a request is served carries its `request_id` even when the logger that wrote
/// it is not the request's own (a service's domain code logs with the service's logger): the id is
/// read from the task-local `RequestID.current`, which child tasks inherit, and which the order
/// service passes on to inventory in `X-Request-ID`, so one id follows an order across processes.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    private let label: String

    package init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    /// Installs JSON logging for the whole process; the level comes from `LOG_LEVEL` (default info).
    package static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if merged["request_id"] == nil, let id = RequestID.current { merged["request_id"] = .string(id) }
        let line = JSONLogLine.render(
            time: Date(), level: event.level, label: label, message: LogRedaction.redact(event.message.description),
            metadata: merged.mapValues(Self.redacted))
        // One write(2) per line: lines from concurrent tasks do not interleave, and nothing waits in a
        // buffer that a crash would lose.
        line.withUnsafeBytes { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// A metadata value with its secrets masked, whatever its shape.
    private static func redacted(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(LogRedaction.redact(text))
        case .stringConvertible(let convertible): .string(LogRedaction.redact(convertible.description))
        case .array(let values): .array(values.map(redacted))
        case .dictionary(let values): .dictionary(values.mapValues(redacted))
        }
    }
}
