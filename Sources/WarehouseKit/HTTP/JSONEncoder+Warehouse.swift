import Foundation

extension JSONEncoder {
    /// How every service writes the JSON it makes itself (problems, health reports, the latency
    /// alert, the console's tiles): compact, keys in a stable order, `/` unescaped, dates in ISO 8601.
    /// The generated code writes with the same options (`OpenAPIRuntime.Configuration.warehouse`).
    package static func warehouse() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = warehouseFormatting
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    package static let warehouseFormatting: JSONEncoder.OutputFormatting = [.sortedKeys, .withoutEscapingSlashes]
}
