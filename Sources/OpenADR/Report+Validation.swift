extension Report {
    /// Validates a report body: the one place an incoming report is checked.
    ///
    /// Rules: `/programID` and `/eventID` object ids; `/clientName` 1–128 characters; `/reportName` at most 1024;
    /// `/payloadDescriptors/k`: payload type 1–128, `confidence` 0–100, `accuracy` finite;
    /// `/resources`: at most `maxResources`; each `resourceName` 1–128; its `intervalPeriod` and each interval's
    /// durations fixed (no years or months) and not negative; `intervals` at most `maxIntervals` with unique ids
    /// per resource; payload types 1–128 with bounded value counts. Report payload values are measurements, so
    /// their values are not range-checked.
    /// - Returns: `self`, unchanged.
    /// - Throws: ``OpenADRValidationError`` listing every issue.
    public func validated(limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> Report {
        var c = IssueCollector(limits: limits)
        c.objectID(programID, at: "/programID")
        c.objectID(eventID, at: "/eventID")
        c.name(clientName, at: "/clientName")
        c.optionalText(reportName, max: 1024, at: "/reportName")
        if let descriptors = payloadDescriptors,
            c.bounded(descriptors.count, limits.maxDescriptors, "payload descriptors", at: "/payloadDescriptors")
        {
            for (k, d) in descriptors.enumerated() {
                let here = "/payloadDescriptors/\(k)"
                c.name(d.payloadType.rawValue, at: "\(here)/payloadType")
                c.optionalText(d.readingType, at: "\(here)/readingType")
                c.optionalText(d.units?.rawValue, at: "\(here)/units")
                if let confidence = d.confidence, !(0...100).contains(confidence) {
                    c.add("\(here)/confidence", "must be 0 to 100")
                }
                if let accuracy = d.accuracy, !accuracy.isFinite {
                    c.add("\(here)/accuracy", "must be a finite number")
                }
            }
        }
        if c.bounded(resources.count, limits.maxResources, "resources", at: "/resources") {
            for (r, resource) in resources.enumerated() {
                let here = "/resources/\(r)"
                c.name(resource.resourceName, at: "\(here)/resourceName")
                c.fixedNonNegativeDuration(resource.intervalPeriod?.duration, at: "\(here)/intervalPeriod/duration")
                guard c.bounded(resource.intervals.count, limits.maxIntervals, "intervals", at: "\(here)/intervals")
                else { continue }
                var firstIndexOfID: [Int32: Int] = [:]
                for (i, interval) in resource.intervals.enumerated() {
                    let ip = "\(here)/intervals/\(i)"
                    if let first = firstIndexOfID[interval.id] {
                        c.add("\(ip)/id", "duplicate interval id \(interval.id) (also at \(here)/intervals/\(first))")
                    } else {
                        firstIndexOfID[interval.id] = i
                    }
                    c.fixedNonNegativeDuration(interval.intervalPeriod?.duration, at: "\(ip)/intervalPeriod/duration")
                    guard
                        c.bounded(
                            interval.payloads.count, limits.maxPayloadsPerInterval, "payloads", at: "\(ip)/payloads")
                    else { continue }
                    for (j, payload) in interval.payloads.enumerated() {
                        c.opaquePayload(payload, at: "\(ip)/payloads/\(j)")
                    }
                }
            }
        }
        try c.finish()
        return self
    }
}
