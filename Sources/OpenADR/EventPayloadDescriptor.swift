/// Describes the payloads of one type in an event (`eventPayloadDescriptor`): their units and currency.
///
/// `objectType`, when present, is `EVENT_PAYLOAD_DESCRIPTOR`; it is kept as decoded so round trips are exact.
public struct EventPayloadDescriptor: Sendable, Hashable, Codable {
    /// The discriminator literal this descriptor carries in `objectType`.
    public static let objectTypeLiteral = "EVENT_PAYLOAD_DESCRIPTOR"

    public var objectType: String?
    public var payloadType: PayloadType
    public var units: Units?
    /// ISO 4217 currency code.
    public var currency: String?

    public init(
        objectType: String? = EventPayloadDescriptor.objectTypeLiteral, payloadType: PayloadType, units: Units? = nil,
        currency: String? = nil
    ) {
        self.objectType = objectType
        self.payloadType = payloadType
        self.units = units
        self.currency = currency
    }
}
