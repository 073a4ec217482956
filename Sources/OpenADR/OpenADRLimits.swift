/// Size bounds applied by validation, so a body can never make Curtail store or loop over an unbounded amount.
///
/// Each limit is checked where the list is; exceeding one is a validation issue at that list's pointer.
public struct OpenADRLimits: Sendable, Hashable {
    /// Maximum intervals in an event, or in one report resource. Defaults to `1000`.
    public var maxIntervals: Int
    /// Maximum target values summed over all targets of one object. Defaults to `10_000`.
    public var maxTargetValues: Int
    /// Maximum `targets` entries (valuesMaps) of one object. Defaults to `100`.
    public var maxTargets: Int
    /// Maximum payloads in one interval. Defaults to `64`.
    public var maxPayloadsPerInterval: Int
    /// Maximum values in one payload. Defaults to `1000`.
    public var maxValuesPerPayload: Int
    /// Maximum payload, report descriptors or program descriptions in one object. Defaults to `100`.
    public var maxDescriptors: Int
    /// Maximum resources in one report (or inline in a VEN). Defaults to `10_000`.
    public var maxResources: Int
    /// Maximum entries in `subscription.objectOperations`. Defaults to `100`.
    public var maxObjectOperations: Int

    public init(
        maxIntervals: Int = 1000, maxTargetValues: Int = 10_000, maxTargets: Int = 100,
        maxPayloadsPerInterval: Int = 64, maxValuesPerPayload: Int = 1000, maxDescriptors: Int = 100,
        maxResources: Int = 10_000, maxObjectOperations: Int = 100
    ) {
        self.maxIntervals = maxIntervals
        self.maxTargetValues = maxTargetValues
        self.maxTargets = maxTargets
        self.maxPayloadsPerInterval = maxPayloadsPerInterval
        self.maxValuesPerPayload = maxValuesPerPayload
        self.maxDescriptors = maxDescriptors
        self.maxResources = maxResources
        self.maxObjectOperations = maxObjectOperations
    }

    /// The defaults above.
    public static let `default` = OpenADRLimits()
}
