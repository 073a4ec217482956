import Events
import Foundation
import HTTP
import OpenADR

/// The OpenADR 3.0.1 VTN under `/openadr3/3.0.1`: programs, events, reports, subscriptions, VENs and resources.
///
/// | method | path | scope | success |
/// | --- | --- | --- | --- |
/// | GET | `/programs`, `/events`, `/reports`, `/subscriptions`, `/vens`, `/vens/{venID}/resources` | `read_all` | 200 `[object]` |
/// | POST | the same | `write_programs`, `write_events`, `write_reports`, `write_subscriptions`, `write_vens` | 201 object |
/// | GET | `…/{id}` | `read_all` | 200 object |
/// | PUT | `…/{id}` | the collection's write scope | 200 object |
/// | DELETE | `…/{id}` | the collection's write scope | 200 deleted object |
///
/// Errors are problems: 400 (invalid body, naming each field by JSON pointer; invalid query parameter; unknown
/// `programID`/`eventID`), 401 (no or bad token), 403 (missing scope), 404 (missing or another tenant's
/// object), 409 (duplicate `programName`/`venName`/`resourceName`; deleting a program that has events), 415.
///
/// Tenancy: a client sees and changes only what it owns (reports also to the owner of the reported event);
/// operators (`fleet_read`/`fleet_write`) see everything.
public struct OpenADRRoutes: Sendable {
    /// Every path is relative to this base.
    public static let basePath = "/openadr3/3.0.1"

    let store: OpenADRStore
    let authenticator: Authenticator
    let clock: @Sendable () -> Date
    let webhookPolicy: WebhookDestinationPolicy

    /// - Parameters:
    ///   - webhookPolicy: where subscription `callbackUrl`s may point; others are refused with 400.
    ///   - clock: "now" for event validation (an event wholly in the past is refused). Defaults to the system clock.
    public init(
        store: OpenADRStore, authenticator: Authenticator, webhookPolicy: WebhookDestinationPolicy = .publicOnly,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.authenticator = authenticator
        self.webhookPolicy = webhookPolicy
        self.clock = clock
    }

    public func register(on router: inout Router) {
        registerPrograms(on: &router)
        registerEvents(on: &router)
        registerReports(on: &router)
        registerSubscriptions(on: &router)
        registerVENs(on: &router)
    }

    private typealias Support = OpenADRRequestSupport

    private func registerPrograms(on router: inout Router) {
        let path = Self.basePath + "/programs"
        router.get(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.programs(query, viewer: viewer) }
        }
        router.post(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .writePrograms).viewer
            let body = try Support.decode(Program.self, from: request)
            let program = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond(.created) { try await store.createProgram(program, viewer: viewer) }
        }
        router.get(path + "/:programID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let id = try Support.objectID(context, "programID")
            return try await Support.respond { try await store.program(id: id, viewer: viewer) }
        }
        router.put(path + "/:programID") { request, context in
            let viewer = try await authenticator.authorize(request, .writePrograms).viewer
            let id = try Support.objectID(context, "programID")
            let body = try Support.decode(Program.self, from: request)
            let program = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond { try await store.replaceProgram(id: id, with: program, viewer: viewer) }
        }
        router.delete(path + "/:programID") { request, context in
            let viewer = try await authenticator.authorize(request, .writePrograms).viewer
            let id = try Support.objectID(context, "programID")
            return try await Support.respond { try await store.deleteProgram(id: id, viewer: viewer) }
        }
    }

    private func registerEvents(on router: inout Router) {
        let path = Self.basePath + "/events"
        router.get(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.events(query, viewer: viewer) }
        }
        router.post(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .writeEvents).viewer
            let body = try Support.decode(Event.self, from: request)
            let now = clock()
            let validated = try Support.validate { () throws(OpenADRValidationError) in try body.validated(now: now) }
            return try await Support.respond(.created) {
                try await store.createEvent(EventWrite(validated), viewer: viewer)
            }
        }
        router.get(path + "/:eventID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let id = try Support.objectID(context, "eventID")
            return try await Support.respond { try await store.event(id: id, viewer: viewer) }
        }
        router.put(path + "/:eventID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeEvents).viewer
            let id = try Support.objectID(context, "eventID")
            let body = try Support.decode(Event.self, from: request)
            let write = try Self.eventWrite(for: body, now: clock())
            return try await Support.respond { try await store.replaceEvent(id: id, with: write, viewer: viewer) }
        }
        router.delete(path + "/:eventID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeEvents).viewer
            let id = try Support.objectID(context, "eventID")
            return try await Support.respond { try await store.deleteEvent(id: id, viewer: viewer) }
        }
    }

    /// A PUT body: a valid event, or a cancellation that collapses the event's window into the past (3.1 UG).
    static func eventWrite(for event: Event, now: Date) throws(APIError) -> EventWrite {
        do {
            return EventWrite(try event.validated(now: now))
        } catch {
            if let cancellation = EventWrite.cancellation(event, now: now) { return cancellation }
            throw OpenADRRequestSupport.invalid(error)
        }
    }

    private func registerReports(on router: inout Router) {
        let path = Self.basePath + "/reports"
        router.get(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.reports(query, viewer: viewer) }
        }
        router.post(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .writeReports).viewer
            let body = try Support.decode(Report.self, from: request)
            let report = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond(.created) { try await store.createReport(report, viewer: viewer) }
        }
        router.get(path + "/:reportID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let id = try Support.objectID(context, "reportID")
            return try await Support.respond { try await store.report(id: id, viewer: viewer) }
        }
        router.put(path + "/:reportID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeReports).viewer
            let id = try Support.objectID(context, "reportID")
            let body = try Support.decode(Report.self, from: request)
            let report = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond { try await store.replaceReport(id: id, with: report, viewer: viewer) }
        }
        router.delete(path + "/:reportID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeReports).viewer
            let id = try Support.objectID(context, "reportID")
            return try await Support.respond { try await store.deleteReport(id: id, viewer: viewer) }
        }
    }

    private func registerSubscriptions(on router: inout Router) {
        let path = Self.basePath + "/subscriptions"
        router.get(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.subscriptions(query, viewer: viewer) }
        }
        router.post(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .writeSubscriptions).viewer
            let body = try Support.decode(Subscription.self, from: request)
            let subscription = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            try Support.checkCallbacks(subscription, policy: webhookPolicy)
            return try await Support.respond(.created) {
                try await store.createSubscription(subscription, viewer: viewer)
            }
        }
        router.get(path + "/:subscriptionID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let id = try Support.objectID(context, "subscriptionID")
            return try await Support.respond { try await store.subscription(id: id, viewer: viewer) }
        }
        router.put(path + "/:subscriptionID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeSubscriptions).viewer
            let id = try Support.objectID(context, "subscriptionID")
            let body = try Support.decode(Subscription.self, from: request)
            let subscription = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            try Support.checkCallbacks(subscription, policy: webhookPolicy)
            return try await Support.respond {
                try await store.replaceSubscription(id: id, with: subscription, viewer: viewer)
            }
        }
        router.delete(path + "/:subscriptionID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeSubscriptions).viewer
            let id = try Support.objectID(context, "subscriptionID")
            return try await Support.respond { try await store.deleteSubscription(id: id, viewer: viewer) }
        }
    }

    private func registerVENs(on router: inout Router) {
        let path = Self.basePath + "/vens"
        router.get(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.vens(query, viewer: viewer) }
        }
        router.post(path) { request, _ in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let body = try Support.decode(VEN.self, from: request)
            let ven = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond(.created) { try await store.createVEN(ven, viewer: viewer) }
        }
        router.get(path + "/:venID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let id = try Support.objectID(context, "venID")
            return try await Support.respond { try await store.ven(id: id, viewer: viewer) }
        }
        router.put(path + "/:venID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let id = try Support.objectID(context, "venID")
            let body = try Support.decode(VEN.self, from: request)
            let ven = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond { try await store.replaceVEN(id: id, with: ven, viewer: viewer) }
        }
        router.delete(path + "/:venID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let id = try Support.objectID(context, "venID")
            return try await Support.respond { try await store.deleteVEN(id: id, viewer: viewer) }
        }

        let resources = path + "/:venID/resources"
        router.get(resources) { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let venID = try Support.objectID(context, "venID")
            let query = try Support.listQuery(request)
            return try await Support.respond { try await store.resources(query, venID: venID, viewer: viewer) }
        }
        router.post(resources) { request, context in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let venID = try Support.objectID(context, "venID")
            let body = try Support.decode(Resource.self, from: request)
            let resource = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond(.created) {
                try await store.createResource(resource, venID: venID, viewer: viewer)
            }
        }
        router.get(resources + "/:resourceID") { request, context in
            let viewer = try await authenticator.authorize(request, .readAll).viewer
            let venID = try Support.objectID(context, "venID")
            let id = try Support.objectID(context, "resourceID")
            return try await Support.respond { try await store.resource(id: id, venID: venID, viewer: viewer) }
        }
        router.put(resources + "/:resourceID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let venID = try Support.objectID(context, "venID")
            let id = try Support.objectID(context, "resourceID")
            let body = try Support.decode(Resource.self, from: request)
            let resource = try Support.validate { () throws(OpenADRValidationError) in try body.validated() }
            return try await Support.respond {
                try await store.replaceResource(id: id, venID: venID, with: resource, viewer: viewer)
            }
        }
        router.delete(resources + "/:resourceID") { request, context in
            let viewer = try await authenticator.authorize(request, .writeVENs).viewer
            let venID = try Support.objectID(context, "venID")
            let id = try Support.objectID(context, "resourceID")
            return try await Support.respond { try await store.deleteResource(id: id, venID: venID, viewer: viewer) }
        }
    }
}
