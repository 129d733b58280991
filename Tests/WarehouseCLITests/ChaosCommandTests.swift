import Foundation
import Testing
import WarehouseKit

@testable import WarehouseCLI

/// What `warehouse chaos` accepts for the system it runs on.
@Suite("warehouse chaos --postgres --replicas")
struct ChaosCommandTests {
    @Test("replicas need --postgres, and counts up passes would refuse are refused here too")
    func refused() {
        for arguments in [["--replicas", "order=2"], ["--postgres", "--replicas", "order=9"], ["--postgres", "--replicas", "console=2"]] {
            #expect(throws: (any Error).self, "\(arguments)") {
                try ChaosCommand.parse(arguments).validate()
            }
        }
    }

    @Test("--postgres alone, and with replicas where HAProxy is installed")
    func accepted() throws {
        let alone = try ChaosCommand.parse(["--postgres"])
        try alone.validate()
        #expect(alone.postgres && !alone.replicas.isReplicated)
        guard HAProxyBalancer.executable() != nil else { return }
        let replicated = try ChaosCommand.parse(["--postgres", "--replicas", "order=2,inventory=2"])
        try replicated.validate()
        #expect(replicated.replicas.instances(of: .order) == ["order-1", "order-2"])
        #expect(replicated.replicas.instances(of: .notification) == ["notification"])
    }
}
