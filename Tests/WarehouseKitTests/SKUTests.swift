import Testing
import WarehouseKit

@Suite("SKU")
struct SKUTests {
    @Test(
        "valid SKUs",
        arguments: [
            "CONSOLE-PS5", "a", "9", "cable_hdmi.2-1", "A.B_C-D", String(repeating: "x", count: 64), "0-", "Z.",
        ])
    func valid(_ sku: String) {
        #expect(SKU.isValid(sku))
    }

    @Test(
        "invalid SKUs",
        arguments: [
            "", "-ABC", ".ABC", "_ABC", "A B", "A/B", "A\nB", "A\tB", "ÄPFEL", "A+B", "A:B", " A", "A ",
            String(repeating: "x", count: 65),
        ])
    func invalid(_ sku: String) {
        #expect(!SKU.isValid(sku))
    }

    @Test("the schema rejects what isValid rejects, quoting the pattern")
    func schemaAgrees() {
        #expect(SKU.schema.violations(of: .string("CONSOLE-PS5")).isEmpty)
        #expect(SKU.schema.violations(of: .string("-bad")) == [FieldViolation("/", "must match \(SKU.patternText)")])
        #expect(SKU.schema.violations(of: .string("")) == [FieldViolation("/", "must not be empty")])
        #expect(
            SKU.schema.violations(of: .string(String(repeating: "x", count: 65)))
                == [FieldViolation("/", "must have at most 64 characters")])
    }
}
