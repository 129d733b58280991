import WarehouseKit

/// How long inventory keeps a deduction key's record before `DeductionPruner` forgets it.
package enum DeductionRetention {
    package static let defaultHours = 720

    package static let setting = Setting<Int>(
        "deduction-retention-h", group: "Inventory service", default: defaultHours, rule: .within(48...24 * 3650),
        help: "Hours a deduction key's record (applied, refused or unknown SKU) is kept before it is forgotten, a small batch at a time; keep it longer than the order service's --idempotency-retention-h (warehouse up refuses less).")
}
