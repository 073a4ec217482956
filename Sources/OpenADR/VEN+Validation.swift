extension VEN {
    /// Validates a VEN body: `/venName` 1–128 characters; `/attributes` and `/targets` well-formed; inline
    /// `/resources` at most `maxResources`, each valid as by ``Resource/validated(limits:)`` (pointers prefixed
    /// with `/resources/k`).
    /// - Returns: `self`, unchanged.
    /// - Throws: ``OpenADRValidationError`` listing every issue.
    public func validated(limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> VEN {
        var c = IssueCollector(limits: limits)
        c.name(venName, at: "/venName")
        c.attributes(attributes, at: "/attributes")
        c.targets(targets, at: "/targets")
        if let resources, c.bounded(resources.count, limits.maxResources, "resources", at: "/resources") {
            for (k, resource) in resources.enumerated() {
                resource.check(into: &c, prefix: "/resources/\(k)")
            }
        }
        try c.finish()
        return self
    }
}

extension Resource {
    /// Validates a resource body: `/resourceName` 1–128 characters; `/attributes` and `/targets` well-formed.
    /// `venID` is not checked: the VTN sets it from the path.
    /// - Returns: `self`, unchanged.
    /// - Throws: ``OpenADRValidationError`` listing every issue.
    public func validated(limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> Resource {
        var c = IssueCollector(limits: limits)
        check(into: &c, prefix: "")
        try c.finish()
        return self
    }

    func check(into c: inout IssueCollector, prefix: String) {
        c.name(resourceName, at: "\(prefix)/resourceName")
        c.attributes(attributes, at: "\(prefix)/attributes")
        c.targets(targets, at: "\(prefix)/targets")
    }
}
