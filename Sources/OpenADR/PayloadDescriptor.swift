/// An entry of `program.payloadDescriptors`: the YAML's `anyOf` event or report payload descriptor.
///
/// Decoding picks `.report` when `objectType` is `REPORT_PAYLOAD_DESCRIPTOR`, or when it is absent and a
/// report-only field (`readingType`, `accuracy`, `confidence`) is present; otherwise `.event`.
public enum PayloadDescriptor: Sendable, Hashable, Codable {
    case event(EventPayloadDescriptor)
    case report(ReportPayloadDescriptor)

    /// The payload type either descriptor names.
    public var payloadType: PayloadType {
        switch self {
        case .event(let d): return d.payloadType
        case .report(let d): return d.payloadType
        }
    }

    private enum Keys: String, CodingKey {
        case objectType, readingType, accuracy, confidence
    }

    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: Keys.self)
        let objectType = try keys.decodeIfPresent(String.self, forKey: .objectType)
        let isReport: Bool
        switch objectType {
        case ReportPayloadDescriptor.objectTypeLiteral?: isReport = true
        case nil:
            isReport = keys.contains(.readingType) || keys.contains(.accuracy) || keys.contains(.confidence)
        default: isReport = false
        }
        self =
            isReport
            ? .report(try ReportPayloadDescriptor(from: decoder)) : .event(try EventPayloadDescriptor(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .event(let d): try d.encode(to: encoder)
        case .report(let d): try d.encode(to: encoder)
        }
    }
}
