/// Size bounds the decoders enforce, each answered with its own status.
///
/// Defaults suit an API server; every field can be tightened per server.
public struct HTTPLimits: Sendable {
    /// Longest request line (method, target, version). Past it: 414. Defaults to 8 KiB.
    public var maxRequestLineBytes: Int
    /// Largest header block, request line included. Past it: 431. Defaults to 16 KiB.
    public var maxHeaderBytes: Int
    /// Most header fields. Past it: 431. Defaults to 100.
    public var maxHeaderCount: Int
    /// Largest body, decoded. Past it: 413. Defaults to 1 MiB.
    public var maxBodyBytes: Int
    /// Longest chunk-size line, extensions included. Past it: 400. Defaults to 1 KiB.
    public var maxChunkLineBytes: Int
    /// Larger body limits for particular paths (exact match on the request path, query excluded), such as a bulk
    /// import endpoint; every other path keeps ``maxBodyBytes``. Defaults to none.
    public var maxBodyBytesByPath: [String: Int]

    public init(
        maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1024 * 1024, maxChunkLineBytes: Int = 1024, maxBodyBytesByPath: [String: Int] = [:]
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
        self.maxBodyBytesByPath = maxBodyBytesByPath
    }

    /// These limits with ``maxBodyBytes`` replaced by the override for `target`'s path, if there is one.
    func forTarget(_ target: String) -> HTTPLimits {
        guard !maxBodyBytesByPath.isEmpty else { return self }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        guard let override = maxBodyBytesByPath[path] else { return self }
        var limits = self
        limits.maxBodyBytes = override
        return limits
    }
}

/// A message the decoder refuses, with the status that tells the client why.
///
/// After one of these the connection's framing is unknown, so the server answers and closes.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    public let detail: String

    public init(_ status: HTTPStatus, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status.code): \(detail)" }
}
