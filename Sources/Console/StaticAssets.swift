import Foundation
import Hummingbird

/// The page's files (`Public/`, copied into the bundle as they are: no build step), read once at start.
package struct StaticAssets: Sendable {
    package struct Asset: Sendable {
        package var contentType: String
        package var body: Data
    }

    /// By the path they are served at (`/`, `/console.js`, …).
    package let byPath: [String: Asset]

    package static let contentTypes = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
    ]

    /// Loads every file of `Public/`; `index.html` is served at `/`.
    package static func load() throws -> StaticAssets {
        guard let directory = Bundle.module.url(forResource: "Public", withExtension: nil) else {
            throw StaticAssetsMissing()
        }
        var byPath: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let file = directory.appendingPathComponent(name)
            guard let contentType = contentTypes[file.pathExtension] else { continue }
            let asset = Asset(contentType: contentType, body: try Data(contentsOf: file))
            byPath[name == "index.html" ? "/" : "/" + name] = asset
        }
        return StaticAssets(byPath: byPath)
    }

    /// The asset as an answer. The page may use only what the console serves (`Content-Security-Policy`).
    package static func response(_ asset: Asset) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType,
                .cacheControl: "no-cache",
                .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.body))
        )
    }
}

struct StaticAssetsMissing: Error, CustomStringConvertible {
    var description: String { "the console's Public/ resources are missing from its bundle" }
}
