import Foundation

/// A small declarative schema for request bodies: enough to check types, required fields, lengths,
/// ranges and patterns, and to report every violation with its JSON pointer in one pass. String lengths
/// are Unicode scalars, what a contract's `maxLength` means.
///
/// Each service declares the schemas of its request bodies next to its OpenAPI document; a test checks
/// that the two agree, so the 422 answers and the published contract cannot drift apart.
package indirect enum BodySchema: Sendable {
    case string(
        minLength: Int = 0, maxLength: Int = .max, pattern: (@Sendable (String) -> Bool)? = nil, patternText: String? = nil)
    case integer(minimum: Int = .min, maximum: Int = .max)
    case number(minimum: Double, maximum: Double)
    /// One of the listed strings.
    case oneOf([String])
    case array(of: BodySchema, minItems: Int = 0, maxItems: Int = .max)
    /// An object with the given properties; unknown properties are ignored, as JSON clients expect. A
    /// required property that is null counts as missing; an optional one must be left out or valid.
    case object(required: [(String, BodySchema)], optional: [(String, BodySchema)] = [])

    /// Every violation in `value`, in document order; empty when it conforms.
    ///
    /// `pointer` is only built when a violation is reported: a conforming body, the common case, costs
    /// no string work (it was 3% of inventory's CPU under load, perf, issue 6).
    package func violations(of value: JSONValue, at pointer: @autoclosure () -> String = "") -> [FieldViolation] {
        func here() -> String {
            let text = pointer()
            return text.isEmpty ? "/" : text
        }
        switch (self, value) {
        case let (.string(minLength, maxLength, pattern, patternText), .string(text)):
            // Counted in Unicode scalars (code points), as JSON Schema's minLength and maxLength count:
            // a letter followed by 30,000 combining marks is one grapheme but 30,001 scalars.
            let length = text.unicodeScalars.count
            if length < minLength {
                return [
                    FieldViolation(here(), minLength == 1 ? "must not be empty" : "must have at least \(minLength) characters")
                ]
            }
            if length > maxLength {
                return [FieldViolation(here(), "must have at most \(maxLength) characters")]
            }
            if let pattern, !pattern(text) {
                return [FieldViolation(here(), "must match \(patternText ?? "the documented pattern")")]
            }
            return []
        case (.string, _):
            return [FieldViolation(here(), "must be a string")]
        case let (.integer(minimum, maximum), .integer(number)):
            if number < minimum || number > maximum {
                return [FieldViolation(here(), "must be between \(minimum) and \(maximum)")]
            }
            return []
        case let (.integer(minimum, maximum), .number(number)):
            // 2.0 is an integer in JSON's eyes; 2.5 is not.
            guard number.rounded() == number, let exact = Int(exactly: number) else {
                return [FieldViolation(here(), "must be an integer")]
            }
            return BodySchema.integer(minimum: minimum, maximum: maximum).violations(of: .integer(exact), at: pointer())
        case (.integer, _):
            return [FieldViolation(here(), "must be an integer")]
        case let (.number(minimum, maximum), .integer(number)):
            return BodySchema.number(minimum: minimum, maximum: maximum).violations(of: .number(Double(number)), at: pointer())
        case let (.number(minimum, maximum), .number(number)):
            guard number >= minimum, number <= maximum else {
                return [FieldViolation(here(), "must be between \(minimum) and \(maximum)")]
            }
            return []
        case (.number, _):
            return [FieldViolation(here(), "must be a number")]
        case let (.oneOf(choices), .string(text)):
            return choices.contains(text) ? [] : [FieldViolation(here(), "must be one of " + choices.joined(separator: ", "))]
        case (.oneOf(let choices), _):
            return [FieldViolation(here(), "must be one of " + choices.joined(separator: ", "))]
        case let (.array(element, minItems, maxItems), .array(items)):
            if items.count < minItems {
                return [FieldViolation(here(), minItems == 1 ? "must not be empty" : "must have at least \(minItems) items")]
            }
            if items.count > maxItems {
                return [FieldViolation(here(), "must have at most \(maxItems) items")]
            }
            return items.enumerated().flatMap { index, item in
                element.violations(of: item, at: "\(pointer())/\(index)")
            }
        case (.array, _):
            return [FieldViolation(here(), "must be an array")]
        case let (.object(required, optional), .object(fields)):
            var found: [FieldViolation] = []
            for (name, schema) in required {
                if let field = fields[name], field != .null {
                    found += schema.violations(of: field, at: "\(pointer())/\(Self.escape(name))")
                } else {
                    found.append(FieldViolation("\(pointer())/\(Self.escape(name))", "is required"))
                }
            }
            // An optional field may be left out, not set to null: no schema here allows null, and the
            // published contract does not either (`{"delayMs": null}` is a 422, as schemathesis expects).
            for (name, schema) in optional {
                if let field = fields[name] {
                    found += schema.violations(of: field, at: "\(pointer())/\(Self.escape(name))")
                }
            }
            return found
        case (.object, _):
            return [FieldViolation(here(), "must be an object")]
        }
    }

    /// RFC 6901 escaping of a key inside a JSON pointer.
    private static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
