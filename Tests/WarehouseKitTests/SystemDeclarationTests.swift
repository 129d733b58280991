import Testing
import WarehouseKit

@Suite("SystemDeclaration")
struct SystemDeclarationTests {
    @Test("every service is declared once, on a port of its own")
    func everyServiceOnce() {
        #expect(SystemDeclaration.services.map(\.name).sorted { $0.rawValue < $1.rawValue }
            == ServiceName.allCases.sorted { $0.rawValue < $1.rawValue })
        #expect(Set(SystemDeclaration.services.map(\.defaultPort)).count == SystemDeclaration.services.count)
        for name in ServiceName.allCases { #expect(name.descriptor.name == name) }
    }

    @Test("the start order puts every service after the services it calls")
    func startOrder() {
        let order = SystemDeclaration.startOrder.map(\.name)
        #expect(order.count == ServiceName.allCases.count)
        for service in SystemDeclaration.services {
            for dependency in service.dependencies {
                #expect(order.firstIndex(of: dependency)! < order.firstIndex(of: service.name)!, "\(dependency) before \(service.name)")
            }
        }
        #expect(order == [.inventory, .order, .notification, .console, .backupVendor])
    }

    @Test("a service starts after the ones it waits for, which are among those it calls")
    func startsAfter() {
        for service in SystemDeclaration.services {
            #expect(Set(service.startsAfter).isSubset(of: Set(service.dependencies)), "\(service.name)")
        }
        #expect(ServiceName.notification.descriptor.startsAfter == [.order])
        #expect(ServiceName.order.descriptor.startsAfter.isEmpty, "the core waits for nobody to start")
    }

    @Test("databases are copied followers first: notification before order, order before inventory")
    func copyOrder() {
        #expect(SystemDeclaration.databasesInCopyOrder.map(\.name) == [.notification, .order, .inventory])
        #expect(SystemDeclaration.services.filter(\.isStandIn).map(\.name) == [.backupVendor])
        #expect(ServiceName.backupVendor.runSetting.flag == "--backup-vendor")
        #expect(ServiceName.backupVendor.portSetting.defaultText == "8083")
    }

    @Test("addresses default to each service's port on loopback")
    func addresses() {
        var addresses = SystemAddresses()
        #expect(addresses.url(of: .order).absoluteString == "http://127.0.0.1:8080")
        addresses.ports[.inventory] = 9081
        #expect(addresses.url(of: .inventory).absoluteString == "http://127.0.0.1:9081")
        #expect(addresses.endpoints.map(\.name) == SystemDeclaration.services.map(\.name))
    }

    @Test("each dependency's URL and each service's port are settings named after it")
    func derivedSettings() {
        #expect(ServiceName.inventory.urlSetting.flag == "--inventory-url")
        #expect(ServiceName.inventory.urlSetting.environmentName == "WAREHOUSE_INVENTORY_URL")
        #expect(ServiceName.inventory.urlSetting.defaultText == "http://127.0.0.1:8081")
        #expect(ServiceName.console.portSetting.environmentName == "WAREHOUSE_CONSOLE_PORT")
        #expect(ServiceName.console.portSetting.defaultText == "8090")
    }
}
