extension BodySchema {
    /// One order line, `{"sku", "quantity"}`, as both services accept it.
    package static let line = BodySchema.object(required: [
        ("sku", SKU.schema),
        ("quantity", .integer(minimum: 1, maximum: 1000)),
    ])

    /// 1 to 50 lines.
    package static let lines = BodySchema.array(of: line, minItems: 1, maxItems: 50)
}
