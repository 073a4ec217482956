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

    public init(
        maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1024 * 1024, maxChunkLineBytes: Int = 1024
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
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
