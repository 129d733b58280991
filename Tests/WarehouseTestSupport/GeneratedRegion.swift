import Foundation

/// A region of a document that the code writes: the lines between `<!-- BEGIN generated: NAME -->` and
/// `<!-- END generated: NAME -->`, the rest of the file written by hand. A test renders the region
/// from the code and compares; run the tests with `WAREHOUSE_UPDATE_DOCS=1` to write it instead.
package struct GeneratedRegion {
    package let file: URL
    package let name: String

    /// The region `name` of the file at `path` from the root of the package.
    package init(_ path: String, name: String) {
        self.file = packageFile(path)
        self.name = name
    }

    /// The region as the file has it now, and what it would read with `content` in it.
    package func compare(with content: String) throws -> (current: String, expected: String) {
        let text = try String(contentsOf: file, encoding: .utf8)
        let begin = "<!-- BEGIN generated: \(name) -->\n"
        let end = "<!-- END generated: \(name) -->"
        guard let start = text.range(of: begin), let finish = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw RegionMissing(file: file.path, name: name)
        }
        let current = String(text[start.upperBound..<finish.lowerBound])
        let expected = content.hasSuffix("\n") ? content : content + "\n"
        if current != expected, ProcessInfo.processInfo.environment["WAREHOUSE_UPDATE_DOCS"] == "1" {
            try (text[..<start.upperBound] + expected + text[finish.lowerBound...]).write(to: file, atomically: true, encoding: .utf8)
            return (expected, expected)
        }
        return (current, expected)
    }

    package struct RegionMissing: Error, CustomStringConvertible {
        let file: String
        let name: String
        package var description: String { "\(file) has no region \(name) (<!-- BEGIN generated: \(name) --> … <!-- END generated: \(name) -->)" }
    }
}

/// The file at `path` from the root of this package's checkout.
package func packageFile(_ path: String, filePath: String = #filePath) -> URL {
    var root = URL(fileURLWithPath: filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path), root.path != "/" {
        root.deleteLastPathComponent()
    }
    return root.appendingPathComponent(path)
}
