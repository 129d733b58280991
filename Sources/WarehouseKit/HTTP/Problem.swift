import Foundation

/// An RFC 9457 problem document, the body of every error answer (`application/problem+json`).
///
/// `errors` lists every invalid field of a rejected request body at once, each by its JSON pointer,
/// so a client can fix all of them in one round trip.
package struct Problem: Codable, Sendable, Equatable {
    package var type: String
    package var title: String
    package var status: Int
    package var detail: String?
    package var instance: String?
    package var errors: [FieldViolation]?

    package init(
        type: String = "about:blank",
        title: String,
        status: Int,
        detail: String? = nil,
        instance: String? = nil,
        errors: [FieldViolation]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
    }
}

/// One invalid field: where it is (RFC 6901 JSON pointer) and what is wrong with it.
package struct FieldViolation: Codable, Sendable, Equatable, CustomStringConvertible {
    package var pointer: String
    package var detail: String

    package init(_ pointer: String, _ detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    package var description: String { "\(pointer): \(detail)" }
}
