import Foundation

extension SystemLauncher {
    /// Sets the stock of every SKU of `workload` to its planned level (with the admin token).
    package func restock(for workload: OrderWorkload, http: LabHTTP) async throws {
        let token = try adminToken
        for item in workload.catalogue {
            let body = try JSONSerialization.data(withJSONObject: ["name": "Lab item \(item.sku)", "stock": item.stock])
            let reply = try await http.send(
                .PUT, inventoryURL + "/products/\(item.sku)", json: body, headers: [("Authorization", "Bearer \(token)")])
            guard reply.status == 201 || reply.status == 200 else {
                throw LabError.unexpected("restock \(item.sku) answered \(reply.status)")
            }
        }
    }
}
