import Inventory
import Testing

@Suite("DeductionRule")
struct DeductionRuleTests {
    @Test("every line fits: applied")
    func applied() {
        let lines = [StockLine(sku: "A", quantity: 2), StockLine(sku: "B", quantity: 5)]
        #expect(DeductionRule.decide(lines, stock: ["A": 2, "B": 10]) == .applied)
    }

    @Test("an unknown SKU is refused by name")
    func unknownSKU() {
        let outcome = DeductionRule.decide([StockLine(sku: "NOPE", quantity: 1)], stock: [:])
        #expect(outcome == .rejected(sku: "NOPE", reason: "Unknown SKU NOPE."))
    }

    @Test("too little stock is refused with the numbers")
    func insufficientStock() {
        let outcome = DeductionRule.decide([StockLine(sku: "A", quantity: 5)], stock: ["A": 3])
        #expect(outcome == .rejected(sku: "A", reason: "Not enough stock for A: 5 requested, 3 available."))
    }

    @Test("zero stock refuses even one unit")
    func zeroStock() {
        #expect(
            DeductionRule.decide([StockLine(sku: "A", quantity: 1)], stock: ["A": 0])
                == .rejected(sku: "A", reason: "Not enough stock for A: 1 requested, 0 available."))
    }

    @Test("the first line that does not fit, in SKU order, is named")
    func firstFailureInSKUOrder() {
        let lines = [StockLine(sku: "Z", quantity: 100), StockLine(sku: "M", quantity: 1), StockLine(sku: "B", quantity: 9)]
        let outcome = DeductionRule.decide(lines, stock: ["Z": 1, "B": 1])
        #expect(outcome == .rejected(sku: "B", reason: "Not enough stock for B: 9 requested, 1 available."))
    }

    @Test("repeated SKUs are added up before the check")
    func repeatedSKUsAddUp() {
        let lines = [StockLine(sku: "A", quantity: 2), StockLine(sku: "A", quantity: 2)]
        #expect(DeductionRule.decide(lines, stock: ["A": 4]) == .applied)
        #expect(
            DeductionRule.decide(lines, stock: ["A": 3])
                == .rejected(sku: "A", reason: "Not enough stock for A: 4 requested, 3 available."))
    }

    @Test("normalized lines merge by SKU and sort; the fingerprint ignores order and splitting")
    func normalization() {
        let split = [StockLine(sku: "B", quantity: 1), StockLine(sku: "A", quantity: 1), StockLine(sku: "B", quantity: 2)]
        #expect(StockLine.normalized(split) == [StockLine(sku: "A", quantity: 1), StockLine(sku: "B", quantity: 3)])
        #expect(StockLine.fingerprint(split) == "A*1,B*3")
        #expect(
            StockLine.fingerprint(split)
                == StockLine.fingerprint([StockLine(sku: "B", quantity: 3), StockLine(sku: "A", quantity: 1)]))
        #expect(
            StockLine.fingerprint(split)
                != StockLine.fingerprint([StockLine(sku: "A", quantity: 1), StockLine(sku: "B", quantity: 2)]))
    }
}
