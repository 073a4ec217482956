/// The column names of one result, with a name → index lookup built once per result.
public struct PostgresColumns: Sendable, Hashable {
    /// Column names in result order. Duplicate names are allowed (`SELECT 1 AS a, 2 AS a`).
    public let names: [String]
    private let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        var lookup: [String: Int] = [:]
        for (i, name) in names.enumerated() where lookup[name] == nil { lookup[name] = i }
        indexByName = lookup
    }

    /// The index of the first column named `name`.
    public func index(of name: String) -> Int? { indexByName[name] }
}
