import Prometheus

/// The vendor's domain figures, in its Prometheus registry.
package struct VendorMetrics: Sendable {
    /// Uploads stored (the day's one).
    package let stored: Counter
    /// Uploads refused with 429: the account had used its day.
    package let refused: Counter
    /// Uploads that failed part-way or were rejected (digest, size): nothing stored, the day still free.
    package let failed: Counter
    package let storedBytes: Counter
    package let downloads: Counter

    package init(registry: PrometheusCollectorRegistry) {
        func uploads(_ outcome: String) -> Counter {
            registry.makeCounter(
                descriptor: .init(
                    metricName: "backup_vendor_uploads", unitName: "total",
                    helpText: "Pack uploads by outcome: stored, refused (429, the day was used), failed (nothing stored)."),
                labels: [("outcome", outcome)])
        }
        stored = uploads("stored")
        refused = uploads("refused")
        failed = uploads("failed")
        storedBytes = registry.makeCounter(
            descriptor: .init(metricName: "backup_vendor_stored_bytes", unitName: "total", helpText: "Bytes of the packs stored.")
        )
        downloads = registry.makeCounter(
            descriptor: .init(metricName: "backup_vendor_downloads", unitName: "total", helpText: "Packs downloaded (restores)."))
    }
}
