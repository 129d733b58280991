import Foundation
import OpenAPIKit
import Testing
import WarehouseTestSupport
import Yams

/// `docs/API.md`'s tables of requests and answers, made from the OpenAPI documents the services serve.
@Suite("API document")
struct APIDocumentTests {
    /// Each service's document, in the order the page lists them.
    static let services = [
        ("Order service", "Order"), ("Inventory service", "Inventory"), ("Notification service", "Notification"),
        ("Console", "Console"), ("Backup vendor (simulated)", "BackupVendor"),
    ]

    @Test("docs/API.md lists every operation of every document as the document says it")
    func documentMatchesTheContracts() throws {
        let region = GeneratedRegion("docs/API.md", name: "api")
        let rendered = try Self.services.map { title, folder in
            try Self.markdown(title: title, path: "Sources/\(folder)/openapi.yaml")
        }.joined(separator: "\n")
        let (current, expected) = try region.compare(with: rendered)
        #expect(current == expected, "docs/API.md differs from the OpenAPI documents: run `WAREHOUSE_UPDATE_DOCS=1 swift test --filter APIDocumentTests`")
    }

    /// One service's section: what the document says it is, and a row per operation.
    static func markdown(title: String, path: String) throws -> String {
        let yaml = try String(contentsOf: packageFile(path), encoding: .utf8)
        let document = try YAMLDecoder().decode(OpenAPI.Document.self, from: yaml)
        var text = "## \(title)\n\n"
        if let description = document.info.description {
            text += description.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
        }
        text += "Contract: [`\(path)`](../\(path)), served at `GET /openapi.yaml`.\n\n"
        text += "| request | what it does | answers |\n|---|---|---|\n"
        for endpoint in try document.locallyDereferenced().resolved().endpoints {
            let request = "`\(endpoint.method.rawValue) \(endpoint.path.rawValue)`" + credential(endpoint.security)
            let what = oneLine(endpoint.endpointSummary ?? endpoint.endpointDescription ?? endpoint.routeSummary ?? "")
            // Statuses that say the same (every problem answer, say) share one line.
            var byDescription: [(description: String, statuses: [String])] = []
            for (status, response) in endpoint.responses {
                let description = firstSentence(response.underlyingResponse.description ?? "")
                if let index = byDescription.firstIndex(where: { $0.description == description }) {
                    byDescription[index].statuses.append(status.rawValue)
                } else {
                    byDescription.append((description, [status.rawValue]))
                }
            }
            let answers = byDescription.map { description, statuses in
                statuses.map { "`\($0)`" }.joined(separator: ", ") + " " + description
            }.joined(separator: "<br>")
            text += "| \(request) | \(escaped(what)) | \(escaped(answers)) |\n"
        }
        return text
    }

    /// Who may call an operation, by the alternatives of its `security`: nothing when it is open,
    /// `(admin)`, `(service token)`, `(service or admin token)`, `(admin for more)` when it is open
    /// and the admin token shows more, or `(vendor token)` for the backup vendor's account token.
    static func credential(_ security: [DereferencedSecurityRequirement]) -> String {
        let alternatives = Set(security.map { $0.schemes.keys.sorted().joined(separator: "+") })
        switch alternatives {
        case []: return ""
        case ["adminToken"]: return " (admin)"
        case ["serviceToken"]: return " (service token)"
        case ["serviceToken", "adminToken"]: return " (service or admin token)"
        case ["", "adminToken"]: return " (admin for more)"
        case ["vendorToken"]: return " (vendor token)"
        default: return " (\(alternatives.sorted().joined(separator: " or ")))"
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// Up to the end of the first sentence, so a table cell stays short.
    static func firstSentence(_ text: String) -> String {
        let line = oneLine(text)
        guard let end = line.range(of: ". ") else { return line }
        return String(line[..<end.lowerBound]) + "."
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
