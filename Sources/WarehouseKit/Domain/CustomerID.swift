import Foundation

/// The shape of a customer id, shared by every service that takes one (order's `POST /orders` and
/// `?customerId=`, notification's inbox and subscriptions): 1 to 128 Unicode scalars of printable text
/// that is not blank.
///
/// Length is counted in scalars, as the contracts' `maxLength` is: in grapheme clusters a letter with
/// 30,000 combining marks is one character, and a 64 KiB id would pass a 128-character limit.
package enum CustomerID {
    package static let maximumLength = 128
    package static let patternText = "printable text that is not blank"

    package static func isValid(_ text: String) -> Bool {
        (1...maximumLength).contains(text.unicodeScalars.count) && isPrintableAndNotBlank(text)
    }

    /// No control characters, and not only white space.
    package static func isPrintableAndNotBlank(_ text: String) -> Bool {
        !text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
            && !text.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
    }

    /// The body schema of a customer id field.
    package static let schema = BodySchema.string(
        minLength: 1, maxLength: maximumLength, pattern: isPrintableAndNotBlank, patternText: patternText)
}
