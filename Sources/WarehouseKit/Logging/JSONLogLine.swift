import Foundation
import Logging

/// One log line as UTF-8 JSON, written by hand.
///
/// Rendering with `JSONSerialization` and a date format style cost a tenth of each service's CPU under
/// load (perf, issue 6): it boxes every value as `Any` and formats the time through the calendar. This
/// writes straight into bytes: keys sorted, strings escaped as RFC 8259 requires (and `/` left alone), the
/// time as `UTCTimestamp.iso8601` writes it.
package struct JSONLogLine {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The line for one event: `time`, `level`, `label` and `message`, then the metadata as top-level keys
    /// (a metadata key never replaces one of those four), all in key order, ending in a newline.
    package static func render(
        time: Date,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        let fixed: [(String, Logger.MetadataValue)] = [
            ("label", .string(label)), ("level", .string(level.rawValue)), ("message", .string(message)),
            ("time", .string(UTCTimestamp.iso8601(time))),
        ]
        var fields = fixed
        for (key, value) in metadata where !fixed.contains(where: { $0.0 == key }) {
            fields.append((key, value))
        }
        fields.sort { $0.0 < $1.0 }
        var line = JSONLogLine(capacity: 96 + 32 * fields.count)
        line.object(fields)
        line.bytes.append(UInt8(ascii: "\n"))
        return line.bytes
    }

    private mutating func object(_ fields: some Sequence<(String, Logger.MetadataValue)>) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in fields {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(key)
            bytes.append(UInt8(ascii: ":"))
            self.value(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func value(_ value: Logger.MetadataValue) {
        switch value {
        case .string(let text): string(text)
        case .stringConvertible(let convertible): string(convertible.description)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }

    private mutating func string(_ text: String) {
        JSONText.appendString(text, to: &bytes)
    }
}
