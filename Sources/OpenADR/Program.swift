/// An OpenADR program (`program`, objectType `PROGRAM`): the container events belong to.
///
/// The four VTN-provisioned fields (`id`, `createdDateTime`, `modificationDateTime`, `objectType`) are optional
/// here: clients send them back (often `null` or stale) and the VTN ignores them on input and always sets them on
/// output. Every other optional field is omitted from the encoding when `nil` (no explicit `null`s, README §11).
/// Validate with ``validated(limits:)``.
public struct Program: Sendable, Hashable, Codable {
    public var id: String?
    public var createdDateTime: DateTime?
    public var modificationDateTime: DateTime?
    public var objectType: ObjectType?
    public var programName: String
    public var programLongName: String?
    public var retailerName: String?
    public var retailerLongName: String?
    public var programType: String?
    /// ISO 3166-1 alpha-2.
    public var country: String?
    /// ISO 3166-2, e.g. `CA`.
    public var principalSubdivision: String?
    /// Hours from UTC for standard time, e.g. `-PT8H`.
    public var timeZoneOffset: ISODuration?
    public var intervalPeriod: IntervalPeriod?
    public var programDescriptions: [ProgramDescription]?
    public var bindingEvents: Bool?
    public var localPrice: Bool?
    public var payloadDescriptors: [PayloadDescriptor]?
    public var targets: [ValuesMap]?

    public init(
        id: String? = nil, createdDateTime: DateTime? = nil, modificationDateTime: DateTime? = nil,
        objectType: ObjectType? = .program, programName: String, programLongName: String? = nil,
        retailerName: String? = nil, retailerLongName: String? = nil, programType: String? = nil,
        country: String? = nil, principalSubdivision: String? = nil, timeZoneOffset: ISODuration? = nil,
        intervalPeriod: IntervalPeriod? = nil, programDescriptions: [ProgramDescription]? = nil,
        bindingEvents: Bool? = nil, localPrice: Bool? = nil, payloadDescriptors: [PayloadDescriptor]? = nil,
        targets: [ValuesMap]? = nil
    ) {
        self.id = id
        self.createdDateTime = createdDateTime
        self.modificationDateTime = modificationDateTime
        self.objectType = objectType
        self.programName = programName
        self.programLongName = programLongName
        self.retailerName = retailerName
        self.retailerLongName = retailerLongName
        self.programType = programType
        self.country = country
        self.principalSubdivision = principalSubdivision
        self.timeZoneOffset = timeZoneOffset
        self.intervalPeriod = intervalPeriod
        self.programDescriptions = programDescriptions
        self.bindingEvents = bindingEvents
        self.localPrice = localPrice
        self.payloadDescriptors = payloadDescriptors
        self.targets = targets
    }
}

/// A link to a human-readable program description: `{ "URL": "https://…" }` (the key is upper-case).
public struct ProgramDescription: Sendable, Hashable, Codable {
    public var url: String

    public init(url: String) {
        self.url = url
    }

    private enum CodingKeys: String, CodingKey {
        case url = "URL"
    }
}
