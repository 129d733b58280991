extension Array where Element: Sendable {
    /// `transform` of every element, all at once, in the elements' order.
    func concurrentMap<Result: Sendable>(_ transform: @escaping @Sendable (Element) async -> Result) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            for (index, element) in enumerated() {
                group.addTask { (index, await transform(element)) }
            }
            var results: [(Int, Result)] = []
            results.reserveCapacity(count)
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
