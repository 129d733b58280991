import Foundation

/// Any JSON document, parsed without a schema, so a validator can report every bad field at once
/// instead of stopping at the first one as a typed `Decodable` would.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a request body, turning a syntax error into a 400 problem that says what is wrong and at
    /// which byte.
    package static func parse(_ data: Data) throws(RequestError) -> JSONValue {
        let parsed = data.withUnsafeBytes { bytes in
            Result { () throws(JSONValueParser.SyntaxError) in try JSONValueParser.parse(bytes) }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let error): throw .malformedJSON("The body is not valid JSON: \(error.message) at byte \(error.offset).")
        }
    }
}
