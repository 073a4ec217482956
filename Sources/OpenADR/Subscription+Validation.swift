extension Subscription {
    /// Validates a subscription body: the one place an incoming subscription is checked.
    ///
    /// Rules: `/clientName` 1–128 characters; `/programID` an object id; `/objectOperations` 1 to
    /// `maxObjectOperations` entries, each with:
    /// - `objects`: at least one, each one of `PROGRAM EVENT REPORT SUBSCRIPTION VEN RESOURCE`, no repeats;
    /// - `operations`: at least one, each one of `READ CREATE UPDATE DELETE` or the 3.0.1 notification verbs
    ///   `GET POST PUT` (accepted and echoed as sent; see ``Operation/normalized``), no repeats;
    /// - `callbackUrl`: an absolute `http` or `https` URL with a host, at most 2048 characters (whether private or
    ///   loopback hosts are allowed is the API edge's `WebhookDestinationPolicy`, not decided here);
    /// - `bearerToken`: when present, 1–4096 characters (never quoted in messages).
    /// `/targets` well-formed.
    /// - Returns: `self`, unchanged.
    /// - Throws: ``OpenADRValidationError`` listing every issue.
    public func validated(limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> Subscription {
        var c = IssueCollector(limits: limits)
        c.name(clientName, at: "/clientName")
        c.objectID(programID, at: "/programID")
        if objectOperations.isEmpty {
            c.add("/objectOperations", "must hold at least one entry")
        } else if c.bounded(objectOperations.count, limits.maxObjectOperations, "entries", at: "/objectOperations") {
            for (k, op) in objectOperations.enumerated() {
                let here = "/objectOperations/\(k)"
                if op.objects.isEmpty { c.add("\(here)/objects", "must name at least one object type") }
                var seenObjects: Set<ObjectType> = []
                for (m, object) in op.objects.enumerated() {
                    if !ObjectType.defined.contains(object) {
                        c.add(
                            "\(here)/objects/\(m)", "must be one of PROGRAM, EVENT, REPORT, SUBSCRIPTION, VEN, RESOURCE"
                        )
                    } else if !seenObjects.insert(object).inserted {
                        c.add("\(here)/objects/\(m)", "\(object) is listed twice")
                    }
                }
                if op.operations.isEmpty { c.add("\(here)/operations", "must name at least one operation") }
                var seenOperations: Set<Operation> = []
                for (m, operation) in op.operations.enumerated() {
                    if operation.normalized == nil {
                        c.add("\(here)/operations/\(m)", "must be one of READ, CREATE, UPDATE, DELETE")
                    } else if !seenOperations.insert(operation).inserted {
                        c.add("\(here)/operations/\(m)", "\(operation) is listed twice")
                    }
                }
                c.httpURL(op.callbackUrl, at: "\(here)/callbackUrl")
                if let token = op.bearerToken, !(1...4096).contains(token.count) {
                    c.add("\(here)/bearerToken", "must be 1 to 4096 characters when present")
                }
            }
        }
        c.targets(targets, at: "/targets")
        try c.finish()
        return self
    }
}
