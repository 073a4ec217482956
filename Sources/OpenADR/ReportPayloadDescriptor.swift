/// Describes the payloads of one type in a report (`reportPayloadDescriptor`).
///
/// Leave `objectType` out (`nil`, the default) when emitting reports: some 3.0.1 clients reject the
/// `REPORT_PAYLOAD_DESCRIPTOR` literal (README §11). `confidence` is a percentage 0–100.
public struct ReportPayloadDescriptor: Sendable, Hashable, Codable {
    /// The discriminator literal a report descriptor may carry in `objectType`.
    public static let objectTypeLiteral = "REPORT_PAYLOAD_DESCRIPTOR"

    public var objectType: String?
    public var payloadType: PayloadType
    public var readingType: String?
    public var units: Units?
    public var accuracy: Double?
    public var confidence: Int?

    public init(
        objectType: String? = nil, payloadType: PayloadType, readingType: String? = nil, units: Units? = nil,
        accuracy: Double? = nil, confidence: Int? = nil
    ) {
        self.objectType = objectType
        self.payloadType = payloadType
        self.readingType = readingType
        self.units = units
        self.accuracy = accuracy
        self.confidence = confidence
    }
}
