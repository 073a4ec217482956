/// One resource's data in a report (`report.resources[]`).
///
/// `resourceName` is 1–128 characters; ``aggregatedReport`` names the aggregate of several resources.
/// `intervalPeriod` is the default period for this resource's intervals.
public struct ReportResource: Sendable, Hashable, Codable {
    /// The special `resourceName` for an aggregate of all reported resources.
    public static let aggregatedReport = "AGGREGATED_REPORT"

    public var resourceName: String
    public var intervalPeriod: IntervalPeriod?
    public var intervals: [Interval]

    public init(resourceName: String, intervalPeriod: IntervalPeriod? = nil, intervals: [Interval]) {
        self.resourceName = resourceName
        self.intervalPeriod = intervalPeriod
        self.intervals = intervals
    }
}
