import Foundation

extension Event {
    /// Validates the event and resolves its timeline: the one place an incoming event is checked.
    ///
    /// Rules (each failure is an issue at the pointer shown):
    /// - `/programID`: an object id (1–128 of `[A-Za-z0-9_-]`).
    /// - `/eventName`: at most 1024 characters. `/priority`: ≥ 0 when present.
    /// - `/targets`: well-formed (see ``OpenADRLimits``); 3.0.1 target types (`GROUP`, `RESOURCE_NAME`,
    ///   `VEN_NAME`, …) hold non-empty strings; at most `maxTargetValues` values in total.
    /// - `/payloadDescriptors/k`: payload type 1–128 characters; an `IMPORT_CAPACITY_LIMIT` descriptor's `units`,
    ///   when present, must be `KW` (absent means kW).
    /// - `/reportDescriptors/k`: payload type 1–128; counts ≥ -1.
    /// - `/intervalPeriod/duration`, `/intervalPeriod/randomizeStart` and each interval's: no years or months
    ///   (except the `P9999Y` infinity), not negative.
    /// - `/intervals`: 1 to `maxIntervals` intervals; `/intervals/i/id` unique.
    /// - `/intervals/i/intervalPeriod`: present when the event has no `intervalPeriod`; an interval after an
    ///   infinite one needs its own start.
    /// - `/intervals/i`: the resolved duration is positive when the interval has a `SIMPLE` or
    ///   `IMPORT_CAPACITY_LIMIT` payload (a zero duration is allowed only for payloads Curtail does not act on).
    /// - `/intervals/i/payloads/j`: at most `maxPayloadsPerInterval` payloads, `maxValuesPerPayload` values;
    ///   `SIMPLE` holds exactly one integer 0...3; `IMPORT_CAPACITY_LIMIT` exactly one finite number ≥ 0; at most one
    ///   payload of each of these two types per interval. Other types are kept and listed in
    ///   ``ValidatedEvent/notActedOn``, never rejected.
    /// - `/intervals`: not every interval may have ended at `now` (an event wholly in the past is inactive).
    ///
    /// - Parameters:
    ///   - now: the current time, injected so tests need no clock.
    ///   - limits: size bounds; defaults to ``OpenADRLimits/default``.
    /// - Returns: the event with its resolved ``EventTimeline``.
    /// - Throws: ``OpenADRValidationError`` listing every issue found, in document order.
    public func validated(now: Date, limits: OpenADRLimits = .default) throws(OpenADRValidationError) -> ValidatedEvent
    {
        var c = IssueCollector(limits: limits)
        c.objectID(programID, at: "/programID")
        c.optionalText(eventName, max: 1024, at: "/eventName")
        if let priority, priority < 0 { c.add("/priority", "must be 0 (highest) or greater") }
        c.targets(targets, at: "/targets")

        // Units for IMPORT_CAPACITY_LIMIT, from the descriptor (README §7: units from the descriptor, e.g. KW).
        var capacityKWPerUnit = 1.0
        if let descriptors = payloadDescriptors,
            c.bounded(descriptors.count, limits.maxDescriptors, "payload descriptors", at: "/payloadDescriptors")
        {
            for (k, d) in descriptors.enumerated() {
                c.name(d.payloadType.rawValue, at: "/payloadDescriptors/\(k)/payloadType")
                c.optionalText(d.units?.rawValue, at: "/payloadDescriptors/\(k)/units")
                c.optionalText(d.currency, at: "/payloadDescriptors/\(k)/currency")
                if d.payloadType == .importCapacityLimit, let units = d.units {
                    if let factor = units.kilowattsPerUnit {
                        capacityKWPerUnit = factor
                    } else {
                        c.add("/payloadDescriptors/\(k)/units", "IMPORT_CAPACITY_LIMIT units must be KW")
                    }
                }
            }
        }
        c.reportDescriptors(reportDescriptors, at: "/reportDescriptors")
        c.fixedNonNegativeDuration(intervalPeriod?.duration, at: "/intervalPeriod/duration")
        c.fixedNonNegativeDuration(intervalPeriod?.randomizeStart, at: "/intervalPeriod/randomizeStart")

        guard !intervals.isEmpty else {
            c.add("/intervals", "must hold at least one interval")
            throw OpenADRValidationError(issues: c.issues)
        }
        guard c.bounded(intervals.count, limits.maxIntervals, "intervals", at: "/intervals") else {
            throw OpenADRValidationError(issues: c.issues)
        }

        var resolved: [ResolvedInterval] = []
        var notActedOn: [OpenADRValidationError.Issue] = []
        var firstIndexOfID: [Int32: Int] = [:]
        // End of the previous interval in array order; nil when it could not be resolved (already reported).
        var previousEnd: Date? = nil

        for (i, interval) in intervals.enumerated() {
            let here = "/intervals/\(i)"
            if let first = firstIndexOfID[interval.id] {
                c.add("\(here)/id", "duplicate interval id \(interval.id) (also at /intervals/\(first))")
            } else {
                firstIndexOfID[interval.id] = i
            }
            let own = interval.intervalPeriod
            c.fixedNonNegativeDuration(own?.duration, at: "\(here)/intervalPeriod/duration")
            c.fixedNonNegativeDuration(own?.randomizeStart, at: "\(here)/intervalPeriod/randomizeStart")

            // Payloads.
            var requests: [ShedRequest] = []
            var seenActionable: Set<PayloadType> = []
            var payloadsValid = true
            if c.bounded(interval.payloads.count, limits.maxPayloadsPerInterval, "payloads", at: "\(here)/payloads") {
                for (j, payload) in interval.payloads.enumerated() {
                    let p = "\(here)/payloads/\(j)"
                    let before = c.issues.count
                    checkPayload(payload, at: p, into: &c)
                    if ShedRequest.supportedTypes.contains(payload.payloadType) {
                        if !seenActionable.insert(payload.payloadType).inserted {
                            c.add("\(p)/type", "only one \(payload.type) payload is allowed per interval")
                        }
                    } else if c.issues.count == before {
                        notActedOn.append(
                            .init(
                                pointer: p,
                                message: "payload type \(IssueCollector.quote(payload.type)) is kept but not acted on"))
                    }
                    if c.issues.count != before { payloadsValid = false }
                    requests.append(ShedRequest(validatedPayload: payload, kWPerUnit: capacityKWPerUnit))
                }
            } else {
                payloadsValid = false
            }

            // Period resolution (README §8), in array order.
            let start: Date?
            if let ownStart = own?.start {
                start = ownStart.date
            } else if i == 0 {
                start = intervalPeriod?.start.date
                if start == nil { c.add("\(here)/intervalPeriod", "required: the event has no intervalPeriod") }
            } else if intervalPeriod == nil {
                start = nil
                c.add("\(here)/intervalPeriod", "required: the event has no intervalPeriod")
            } else if let previousEnd {
                if previousEnd == .distantFuture {
                    c.add("\(here)/intervalPeriod", "needs its own start: the previous interval never ends (P9999Y)")
                    start = nil
                } else {
                    start = previousEnd
                }
            } else {
                start = nil  // The previous interval did not resolve; that issue is already reported.
            }

            let duration = own?.duration ?? intervalPeriod?.duration ?? .zero
            let durationSource =
                own?.duration != nil
                ? "\(here)/intervalPeriod/duration" : intervalPeriod?.duration != nil ? "/intervalPeriod/duration" : nil
            var end: Date? = nil
            if let start, let seconds = duration.timeInterval, seconds >= 0 {
                end = duration.isInfinite ? .distantFuture : start.addingTimeInterval(seconds)
                if seconds == 0, !seenActionable.isEmpty {
                    let from = durationSource.map { "from \($0)" } ?? "defaulted to PT0S"
                    c.add(
                        here,
                        "duration (\(from)) must be positive for \(seenActionable.map(\.rawValue).sorted().joined(separator: ", "))"
                    )
                }
            }
            previousEnd = end

            if let start, let end, payloadsValid {
                resolved.append(
                    ResolvedInterval(
                        index: i, id: interval.id, start: start, end: end, duration: duration,
                        randomizeStart: own?.randomizeStart ?? intervalPeriod?.randomizeStart,
                        payloads: interval.payloads, requests: requests))
            }
        }
        try c.finish()

        let timeline = EventTimeline(intervals: resolved)
        if timeline.hasEnded(at: now) {
            c.add(
                "/intervals",
                "every interval has ended (the last ended at \(DateTime(timeline.end))); an event wholly in the past is not accepted"
            )
        }
        try c.finish()
        return ValidatedEvent(event: self, timeline: timeline, notActedOn: notActedOn)
    }

    /// Checks one payload's values against its type's shape, where Curtail knows the type.
    private func checkPayload(_ payload: ValuesMap, at p: String, into c: inout IssueCollector) {
        c.opaquePayload(payload, at: p)
        switch payload.payloadType {
        case .simple:
            guard payload.values.count == 1 else {
                c.add("\(p)/values", "SIMPLE takes exactly one value, found \(payload.values.count)")
                return
            }
            if let level = payload.values[0].integerValue, (0...3).contains(level) { return }
            c.add("\(p)/values/0", "SIMPLE level must be an integer 0, 1, 2 or 3")
        case .importCapacityLimit:
            guard payload.values.count == 1 else {
                c.add("\(p)/values", "IMPORT_CAPACITY_LIMIT takes exactly one value, found \(payload.values.count)")
                return
            }
            if let kW = payload.values[0].doubleValue, kW.isFinite, kW >= 0 { return }
            c.add("\(p)/values/0", "IMPORT_CAPACITY_LIMIT must be a non-negative number (kW)")
        default:
            return
        }
    }
}
