import Foundation
import OpenAPIKit
import Yams
import WarehouseKit

/// A request body schema reduced to what both a `BodySchema` and an OpenAPI schema say about it, so
/// the two can be compared: types, required and optional properties, lengths, bounds, choices,
/// patterns, and the rules a pattern cannot say (named by `x-rule` in the document).
indirect enum SchemaShape: Equatable, CustomStringConvertible {
    case string(minLength: Int, maxLength: Int?, pattern: String?, rule: String?)
    case integer(minimum: Int?, maximum: Int?)
    case number(minimum: Double?, maximum: Double?)
    /// A string that is one of these.
    case choice([String])
    case array(of: SchemaShape, minItems: Int, maxItems: Int?)
    case object(required: [String: SchemaShape], optional: [String: SchemaShape])
    /// Something the other side cannot say (`null`, `oneOf`, a closed object), with what it is.
    case unsupported(String)

    var description: String {
        switch self {
        case let .string(minLength, maxLength, pattern, rule):
            "string(\(minLength)...\(maxLength.map(String.init) ?? "∞")\(pattern.map { ", pattern \($0)" } ?? "")\(rule.map { ", rule \($0)" } ?? ""))"
        case let .integer(minimum, maximum):
            "integer(\(minimum.map(String.init) ?? "-∞")...\(maximum.map(String.init) ?? "∞"))"
        case let .number(minimum, maximum):
            "number(\(minimum.map { "\($0)" } ?? "-∞")...\(maximum.map { "\($0)" } ?? "∞"))"
        case .choice(let values): "one of \(values)"
        case let .array(element, minItems, maxItems):
            "array(\(minItems)...\(maxItems.map(String.init) ?? "∞") of \(element))"
        case let .object(required, optional):
            "object(required: \(required.keys.sorted()), optional: \(optional.keys.sorted()))"
        case .unsupported(let what): "unsupported: \(what)"
        }
    }

    /// Where `self` (the code's) and `documented` differ, as JSON pointers with both sides; empty when
    /// they say the same.
    func differences(from documented: SchemaShape, at pointer: String = "") -> [String] {
        switch (self, documented) {
        case let (.array(element, minItems, maxItems), .array(otherElement, otherMin, otherMax)):
            let bounds = (minItems, maxItems) == (otherMin, otherMax) ? [] : ["\(pointer.isEmpty ? "/" : pointer): \(self) in the code, \(documented) in the document"]
            return bounds + element.differences(from: otherElement, at: pointer + "/items")
        case let (.object(required, optional), .object(otherRequired, otherOptional)):
            var found: [String] = []
            for (kind, mine, theirs) in [("required", required, otherRequired), ("optional", optional, otherOptional)] {
                for name in Set(mine.keys).union(theirs.keys).sorted() {
                    let path = pointer + "/" + name
                    switch (mine[name], theirs[name]) {
                    case let (code?, document?): found += code.differences(from: document, at: path)
                    case (_?, nil): found.append("\(path): \(kind) in the code, not in the document")
                    case (nil, _?): found.append("\(path): \(kind) in the document, not in the code")
                    case (nil, nil): break
                    }
                }
            }
            return found
        default:
            return self == documented ? [] : ["\(pointer.isEmpty ? "/" : pointer): \(self) in the code, \(documented) in the document"]
        }
    }
}

extension SchemaShape {
    /// What a `BodySchema` says. A string rule whose text is a regular expression (`^…$`) is a
    /// pattern; any other text names a rule (`printable text that is not blank`).
    init(_ schema: BodySchema) {
        switch schema {
        case let .string(minLength, maxLength, _, patternText):
            let isPattern = patternText?.hasPrefix("^") ?? false
            self = .string(
                minLength: minLength, maxLength: maxLength == .max ? nil : maxLength,
                pattern: isPattern ? patternText : nil, rule: isPattern ? nil : patternText)
        case let .integer(minimum, maximum):
            self = .integer(minimum: minimum == .min ? nil : minimum, maximum: maximum == .max ? nil : maximum)
        case let .number(minimum, maximum):
            self = .number(minimum: minimum, maximum: maximum)
        case .oneOf(let choices):
            self = .choice(choices)
        case let .array(element, minItems, maxItems):
            self = .array(of: SchemaShape(element), minItems: minItems, maxItems: maxItems == .max ? nil : maxItems)
        case let .object(required, optional):
            self = .object(
                required: Dictionary(required.map { ($0.0, SchemaShape($0.1)) }, uniquingKeysWith: { first, _ in first }),
                optional: Dictionary(optional.map { ($0.0, SchemaShape($0.1)) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// What an OpenAPI schema (references resolved) says.
    init(_ schema: DereferencedJSONSchema) {
        if schema.nullable {
            self = .unsupported("nullable")
            return
        }
        switch schema {
        case let .string(core, context):
            if let values = core.allowedValues {
                self = .choice(values.map { "\($0.value)" })
            } else {
                let rule = core.vendorExtensions["x-rule"].map { "\($0.value)" }
                self = .string(minLength: context.minLength, maxLength: context.maxLength, pattern: context.pattern, rule: rule)
            }
        case let .integer(_, context):
            guard context.minimum?.exclusive != true, context.maximum?.exclusive != true else {
                self = .unsupported("exclusive bound")
                return
            }
            self = .integer(minimum: context.minimum?.value, maximum: context.maximum?.value)
        case let .number(_, context):
            guard context.minimum?.exclusive != true, context.maximum?.exclusive != true else {
                self = .unsupported("exclusive bound")
                return
            }
            self = .number(minimum: context.minimum?.value, maximum: context.maximum?.value)
        case let .array(_, context):
            self = .array(
                of: context.items.map(SchemaShape.init) ?? .unsupported("array without items"), minItems: context.minItems,
                maxItems: context.maxItems)
        case let .object(_, context):
            if case .a(false) = context.additionalProperties {
                // The code ignores unknown properties, as JSON clients expect.
                self = .unsupported("object that refuses other properties")
                return
            }
            let required = Set(context.requiredProperties)
            var requiredShapes: [String: SchemaShape] = [:]
            var optionalShapes: [String: SchemaShape] = [:]
            for (name, property) in context.properties {
                if required.contains(name) { requiredShapes[name] = SchemaShape(property) } else { optionalShapes[name] = SchemaShape(property) }
            }
            self = .object(required: requiredShapes, optional: optionalShapes)
        default:
            self = .unsupported("\(schema)")
        }
    }
}

/// The JSON request bodies of an OpenAPI document, by operation id.
func documentedRequestBodies(_ yaml: String) throws -> [String: SchemaShape] {
    let document = try YAMLDecoder().decode(OpenAPI.Document.self, from: yaml)
    var bodies: [String: SchemaShape] = [:]
    for endpoint in try document.locallyDereferenced().resolved().endpoints {
        guard let operationId = endpoint.operationId, let request = endpoint.requestBody else { continue }
        bodies[operationId] = request.content[.json]?.schema.map(SchemaShape.init) ?? .unsupported("body that is not JSON")
    }
    return bodies
}
