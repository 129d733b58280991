/// A product of the catalogue and how many units are in stock.
package struct Product: Sendable, Equatable, Codable {
    package var sku: String
    package var name: String
    package var stock: Int64

    package init(sku: String, name: String, stock: Int64) {
        self.sku = sku
        self.name = name
        self.stock = stock
    }
}

/// How many units of one SKU a deduction takes.
package struct StockLine: Sendable, Equatable, Codable, Hashable {
    package var sku: String
    package var quantity: Int

    package init(sku: String, quantity: Int) {
        self.sku = sku
        self.quantity = quantity
    }

    /// Lines merged by SKU and sorted, so `[A×1, B×2, A×1]` and `[B×2, A×2]` are the same request.
    package static func normalized(_ lines: [StockLine]) -> [StockLine] {
        Dictionary(lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +)
            .map { StockLine(sku: $0.key, quantity: $0.value) }
            .sorted { $0.sku < $1.sku }
    }

    /// A canonical text of normalized lines: two requests with the same fingerprint ask for the same thing.
    package static func fingerprint(_ lines: [StockLine]) -> String {
        normalized(lines).map { "\($0.sku)*\($0.quantity)" }.joined(separator: ",")
    }
}
