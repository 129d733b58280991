import Foundation

/// Several `http://` or `https://` URLs with a host, comma-separated: the instances of a service.
/// Empty is a valid value (`""`: none given).
package struct ServiceURLList: SettingValue, CustomStringConvertible {
    package let urls: [URL]

    package init(_ urls: [URL] = []) { self.urls = urls }

    package init?(settingText: String) {
        var urls: [URL] = []
        for entry in settingText.split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let url = ServiceURL(settingText: text)?.url else { return nil }
            urls.append(url)
        }
        self.urls = urls
    }

    package var settingText: String { urls.map(\.absoluteString).joined(separator: ",") }
    package var description: String { settingText }
    package static var settingKind: String { "http(s) URLs, comma-separated" }
    package static var settingExpectation: String { "http:// or https:// URLs with a host, separated by commas" }
}
