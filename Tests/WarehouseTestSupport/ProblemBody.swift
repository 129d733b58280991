/// The problem+json body of an error answer, as a test reads it.
package struct ProblemBody: Decodable, Equatable {
    package struct FieldError: Decodable, Equatable {
        package var pointer: String
        package var detail: String

        package init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    package var type: String?
    package var title: String
    package var status: Int
    package var detail: String?
    package var instance: String?
    package var errors: [FieldError]?
}
