import Foundation
import HTTP
import Logging
import OpenADR
import Postgres

/// Curtail's webhook as a VEN: `POST /openadr3/ven/notifications` receives the upstream VTN's notifications.
///
/// - The `Authorization: Bearer` token must be the link's webhook token (``VENLink``): anything else is a 401
///   problem and nothing is read or changed.
/// - The body is a 3.0.1 (or 3.1) `notification`. PROGRAM and EVENT objects are applied to the mirror
///   (``VENMirror``): POST/CREATE and PUT/UPDATE create or update, DELETE deletes (cancels). An event of a program
///   not mirrored yet fetches that program first. Other object types are acknowledged and ignored.
/// - 200 once applied (also for a stale duplicate, or an object Curtail refuses, e.g. an event in the past:
///   retrying would not change that); 400 for a body that is not a notification; 503 when the upstream or the
///   database failed, so the VTN retries.
///
/// `GET /openadr3/ven/notifications?echo=<value>` answers the 3.1 callback verification with the value.
public struct VENRoutes: Sendable {
    let link: VENLink
    let upstream: UpstreamVTN
    let serializer: Serializer
    let logger: Logger

    public init(pool: PostgresPool, upstream: UpstreamVTN, serializer: VENSerializer, logger: Logger) {
        self.link = VENLink(pool: pool, configuration: upstream.configuration)
        self.upstream = upstream
        self.serializer = serializer.serializer
        self.logger = logger
    }

    public func register(on router: inout Router) {
        let path = VENConfiguration.notificationsPath
        router.post(path) { request, _ in try await receive(request) }
        router.get(path) { request, _ in
            guard let echo = request.query["echo"], echo.utf8.count <= 1024 else {
                throw APIError.invalidField("echo", "is required (1-1024 characters)")
            }
            return .text(echo)
        }
    }

    struct Acknowledgement: Encodable {
        let outcome: String
    }

    func receive(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let state = try await link.load() else {
            throw APIError(.serviceUnavailable, "VEN mode has not registered with the upstream VTN yet.")
        }
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer "),
            link.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), state)
        else {
            throw APIError.unauthorized("The notification does not carry this VEN's subscription bearer token.", invalidToken: true)
        }
        let notification = try OpenADRRequestSupport.decode(Notification.self, from: request)
        try await link.recordNotification()
        let mirror = VENMirror(pool: link.pool, owner: state.owner, venName: link.configuration.venName, serializer: serializer)
        let deleting = notification.operation.normalized == .delete
        let outcome: VENMirror.Outcome
        do {
            switch notification.object {
            case .program(let program):
                guard let id = program.id else { throw APIError.invalidField("/object/id", "is required") }
                outcome = deleting ? try await mirror.deleteProgram(upstreamID: id) : try await mirror.apply(program)
            case .event(let event):
                guard let id = event.id else { throw APIError.invalidField("/object/id", "is required") }
                if deleting {
                    outcome = try await mirror.deleteEvent(upstreamID: id)
                } else {
                    if try await mirror.localProgramID(upstreamID: event.programID) == nil {
                        let program = try await upstream.get("/programs/\(UpstreamVTN.query(event.programID))", as: Program.self)
                        _ = try await mirror.apply(program)
                    }
                    outcome = try await mirror.apply(event)
                }
            default:
                outcome = .unchanged
            }
        } catch let failure as UpstreamVTN.Failure {
            logger.warning("notification not applied: upstream call failed", metadata: ["error": "\(failure)"])
            throw APIError(.serviceUnavailable, "The upstream VTN could not be read; retry later.")
        }
        switch outcome {
        case .rejected(let reason):
            logger.warning("upstream object refused", metadata: ["object_type": "\(notification.objectType)", "reason": "\(reason)"])
        case .unchanged:
            break
        default:
            logger.info("upstream notification applied", metadata: ["object_type": "\(notification.objectType)", "outcome": "\(Self.word(outcome))"])
        }
        return try .json(encoding: Acknowledgement(outcome: Self.word(outcome)))
    }

    static func word(_ outcome: VENMirror.Outcome) -> String {
        switch outcome {
        case .created: "created"
        case .updated: "updated"
        case .deleted: "deleted"
        case .unchanged: "unchanged"
        case .rejected: "rejected"
        }
    }
}
