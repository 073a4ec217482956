extension Program {
    /// Validates a program body: the one place an incoming program is checked.
    ///
    /// Rules: `/programName` 1–128 characters; `/programLongName`, `/retailerName`, `/retailerLongName`,
    /// `/programType` at most 128; `/country` two upper-case letters (ISO 3166-1 alpha-2);
    /// `/principalSubdivision` at most 3 letters or digits; `/timeZoneOffset` a fixed duration (no years or months)
    /// of at most 24 hours either way; `/intervalPeriod/duration` not negative (years and months allowed: a
    /// program may span a calendar year); `/programDescriptions/k/URL` an absolute http(s) URL;
    /// `/payloadDescriptors/k/payloadType` 1–128; `/targets` well-formed; lists bounded by ``OpenADRLimits``.
    /// - Returns: `self`, unchanged.
    /// - Throws: ``OpenADRValidationError`` listing every issue.
    public func validated(limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> Program {
        var c = IssueCollector(limits: limits)
        c.name(programName, at: "/programName")
        c.optionalText(programLongName, at: "/programLongName")
        c.optionalText(retailerName, at: "/retailerName")
        c.optionalText(retailerLongName, at: "/retailerLongName")
        c.optionalText(programType, at: "/programType")
        if let country, !(country.count == 2 && country.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            c.add("/country", "must be an ISO 3166-1 alpha-2 code such as US")
        }
        if let principalSubdivision,
            !((1...3).contains(principalSubdivision.count)
                && principalSubdivision.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }))
        {
            c.add("/principalSubdivision", "must be an ISO 3166-2 subdivision code such as CA")
        }
        if let timeZoneOffset, !(timeZoneOffset.timeInterval.map { abs($0) <= 86_400 } ?? false) {
            c.add("/timeZoneOffset", "must be a duration of at most 24 hours, without years or months, e.g. -PT8H")
        }
        if let duration = intervalPeriod?.duration, duration.isNegative, !duration.isZero {
            c.add("/intervalPeriod/duration", "must not be negative")
        }
        if let randomizeStart = intervalPeriod?.randomizeStart {
            c.fixedNonNegativeDuration(randomizeStart, at: "/intervalPeriod/randomizeStart")
        }
        if let descriptions = programDescriptions,
            c.bounded(descriptions.count, limits.maxDescriptors, "descriptions", at: "/programDescriptions")
        {
            for (k, d) in descriptions.enumerated() { c.httpURL(d.url, at: "/programDescriptions/\(k)/URL") }
        }
        if let descriptors = payloadDescriptors,
            c.bounded(descriptors.count, limits.maxDescriptors, "payload descriptors", at: "/payloadDescriptors")
        {
            for (k, d) in descriptors.enumerated() {
                c.name(d.payloadType.rawValue, at: "/payloadDescriptors/\(k)/payloadType")
            }
        }
        c.targets(targets, at: "/targets")
        try c.finish()
        return self
    }
}
