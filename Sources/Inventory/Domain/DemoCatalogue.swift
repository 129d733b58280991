/// The small catalogue a fresh data directory starts with, so the system can be tried at once.
package enum DemoCatalogue {
    package static let products: [Product] = [
        Product(sku: "CONSOLE-PS5", name: "PlayStation 5 console", stock: 25),
        Product(sku: "CONSOLE-XSX", name: "Xbox Series X console", stock: 20),
        Product(sku: "GAME-ZELDA", name: "The Legend of Zelda: Tears of the Kingdom", stock: 100),
        Product(sku: "PAD-DUALSENSE", name: "DualSense wireless controller", stock: 60),
        Product(sku: "HEADSET-PULSE", name: "Pulse 3D wireless headset", stock: 15),
        Product(sku: "CABLE-HDMI21", name: "HDMI 2.1 cable, 2 m", stock: 500),
    ]
}
