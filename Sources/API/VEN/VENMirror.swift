import Events
import Foundation
import OpenADR
import Postgres
import Secrets

/// Applies upstream programs and events to Curtail's own VTN store, so the engine acts on them exactly as on an
/// event a utility POSTed directly: the same ``OpenADRStore`` calls, the same validation at the edge
/// (`Program.validated()`, ``OpenADRRoutes/eventWrite(for:now:)``), the same tables, notifications and
/// `NOTIFY curtail_events`.
///
/// - **Ids.** A mirrored object's local id is derived from its upstream id (``localID(_:_:)``), and `ven_mirror`
///   maps one to the other. A create retried after a crash therefore finds the object it already made.
/// - **Idempotent, in order.** An upstream version identical to (SHA-256 of its JSON) or not newer
///   (`modificationDateTime`) than the one applied is ignored, so duplicated and reordered notifications and polls change nothing. A deletion is final: a late
///   create or update of a deleted object is ignored.
/// - **Ownership.** Mirrored objects belong to the link's local client (``VENLinkState/owner``), which has no
///   scopes; Curtail's report publisher reports on them like on any event.
/// Calls are serialised within a process (``Serializer``); two processes racing on one object at worst apply
/// the same version twice, and the next poll settles any difference.
public struct VENMirror: Sendable {
    let pool: PostgresPool
    let store: OpenADRStore
    let owner: Viewer
    /// Events whose `VEN_NAME` targets do not name this VEN are for other VENs of the upstream.
    let venName: String
    let clock: @Sendable () -> Date
    let serializer: Serializer

    init(pool: PostgresPool, owner: String, venName: String, serializer: Serializer, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.pool = pool
        self.venName = venName
        self.store = OpenADRStore(pool: pool)
        self.owner = Viewer(clientKey: owner, seesAll: false)
        self.clock = clock
        self.serializer = serializer
    }

    /// What applying an upstream object did.
    public enum Outcome: Sendable, Equatable {
        case created, updated, deleted
        /// Already applied (same or older version), or deleted before.
        case unchanged
        /// The object fails Curtail's validation (for example an event wholly in the past); nothing changed.
        case rejected(String)
    }

    /// `ven-` and 32 hex digits of SHA-256 over the type and upstream id: a valid objectID whatever the upstream's
    /// id looks like, and never one Curtail assigns itself (those are UUIDs).
    public static func localID(_ type: ObjectType, _ upstreamID: String) -> String {
        "ven-" + Hex.encode(Digest.sha256(Array("\(type.rawValue):\(upstreamID)".utf8))).prefix(32)
    }

    struct Row {
        let localID: String
        let modified: Date?
        let digest: [UInt8]?
        let deleted: Bool
    }

    func row(_ type: ObjectType, _ upstreamID: String) async throws -> Row? {
        let rows = try await pool.query(
            """
            SELECT local_id, upstream_modified_at, upstream_digest, deleted_at IS NOT NULL AS deleted FROM ven_mirror
            WHERE object_type = \(type.rawValue) AND upstream_id = \(upstreamID)
            """)
        return try rows.first.map {
            Row(
                localID: try $0.decode(String.self, column: "local_id"), modified: try $0.decode(Date?.self, column: "upstream_modified_at"),
                digest: try $0.decode([UInt8]?.self, column: "upstream_digest"), deleted: try $0.decode(Bool.self, column: "deleted"))
        }
    }

    private func record(_ type: ObjectType, _ upstreamID: String, modified: Date?, digest: [UInt8]? = nil, deleted: Bool) async throws {
        try await pool.execute(
            """
            INSERT INTO ven_mirror (object_type, upstream_id, local_id, upstream_modified_at, upstream_digest, deleted_at)
            VALUES (\(type.rawValue), \(upstreamID), \(Self.localID(type, upstreamID)), \(modified), \(digest), \(deleted ? clock() : nil))
            ON CONFLICT (object_type, upstream_id) DO UPDATE SET
                upstream_modified_at = GREATEST(ven_mirror.upstream_modified_at, EXCLUDED.upstream_modified_at),
                upstream_digest = COALESCE(EXCLUDED.upstream_digest, ven_mirror.upstream_digest),
                deleted_at = COALESCE(ven_mirror.deleted_at, EXCLUDED.deleted_at)
            """)
    }

    /// Whether this version is already applied: the object was deleted, is byte-for-byte what was applied, or is
    /// not newer than it.
    private func isApplied(_ row: Row?, _ version: DateTime?, _ digest: [UInt8]) -> Bool {
        guard let row else { return false }
        if row.deleted || row.digest == digest { return true }
        guard let applied = row.modified, let version else { return false }
        return version.date <= applied
    }

    // MARK: - Programs

    /// Creates or updates the mirror of upstream `program`.
    public func apply(_ program: Program) async throws -> Outcome {
        guard let upstreamID = program.id else { return .rejected("the program has no id") }
        return try await serializer.run {
            let existing = try await row(.program, upstreamID)
            let digest = Digest.sha256(try OpenADRJSON.encode(program))
            if isApplied(existing, program.modificationDateTime, digest) { return .unchanged }
            let validated: Program
            do throws(OpenADRValidationError) {
                validated = try Self.strip(program).validated()
            } catch {
                return .rejected(error.description)
            }
            let localID = Self.localID(.program, upstreamID)
            let outcome: Outcome
            if (try? await store.program(id: localID, viewer: owner)) != nil {
                _ = try await store.replaceProgram(id: localID, with: validated, viewer: owner)
                outcome = .updated
            } else {
                _ = try await store.createProgram(validated, viewer: owner, id: localID)
                outcome = .created
            }
            try await record(.program, upstreamID, modified: program.modificationDateTime?.date, digest: digest, deleted: false)
            return outcome
        }
    }

    /// Deletes the mirror of upstream program `upstreamID`, deleting (cancelling) its mirrored events first.
    public func deleteProgram(upstreamID: String) async throws -> Outcome {
        try await serializer.run {
            let existing = try await row(.program, upstreamID)
            if existing?.deleted == true { return .unchanged }
            let localID = Self.localID(.program, upstreamID)
            let events = try await pool.query(
                """
                SELECT m.upstream_id FROM ven_mirror m JOIN events e ON e.id = m.local_id
                WHERE m.object_type = 'EVENT' AND m.deleted_at IS NULL AND e.program_id = \(localID)
                """)
            for event in events {
                _ = try await deleteEventLocked(upstreamID: try event.decode(String.self, column: "upstream_id"))
            }
            var outcome = Outcome.unchanged
            do {
                _ = try await store.deleteProgram(id: localID, viewer: owner)
                outcome = .deleted
            } catch let error as OpenADRStoreError where error.kind == .notFound {}
            try await record(.program, upstreamID, modified: nil, deleted: true)
            return outcome
        }
    }

    // MARK: - Events

    /// Creates or updates the mirror of upstream `event`, whose program must be mirrored already (the caller
    /// fetches and applies it first; see ``localProgramID(upstreamID:)``).
    public func apply(_ event: Event) async throws -> Outcome {
        guard let upstreamID = event.id else { return .rejected("the event has no id") }
        return try await serializer.run {
            let existing = try await row(.event, upstreamID)
            let digest = Digest.sha256(try OpenADRJSON.encode(event))
            if isApplied(existing, event.modificationDateTime, digest) { return .unchanged }
            if !isAddressedToThisVEN(event) {
                // Retargeted away from us: stop acting on it, as for a deletion.
                if existing != nil { return try await deleteEventLocked(upstreamID: upstreamID) }
                return .rejected("the event's VEN_NAME targets name other VENs")
            }
            guard let programID = try await localProgramID(upstreamID: event.programID) else {
                return .rejected("program \(event.programID) is not mirrored")
            }
            var local = Self.strip(event)
            local.programID = programID
            let write: EventWrite
            do throws(APIError) {
                write = try OpenADRRoutes.eventWrite(for: local, now: clock())
            } catch {
                return .rejected(error.detail)
            }
            let localID = Self.localID(.event, upstreamID)
            let outcome: Outcome
            if (try? await store.event(id: localID, viewer: owner)) != nil {
                _ = try await store.replaceEvent(id: localID, with: write, viewer: owner)
                outcome = .updated
            } else {
                _ = try await store.createEvent(write, viewer: owner, id: localID)
                outcome = .created
            }
            try await record(.event, upstreamID, modified: event.modificationDateTime?.date, digest: digest, deleted: false)
            return outcome
        }
    }

    /// Deletes (cancels) the mirror of upstream event `upstreamID`: the engine restores its vehicles, as for a
    /// local DELETE. Recorded even when it was never mirrored, so a late create does not resurrect it.
    public func deleteEvent(upstreamID: String) async throws -> Outcome {
        try await serializer.run { try await deleteEventLocked(upstreamID: upstreamID) }
    }

    private func deleteEventLocked(upstreamID: String) async throws -> Outcome {
        if try await row(.event, upstreamID)?.deleted == true { return .unchanged }
        var outcome = Outcome.unchanged
        do {
            _ = try await store.deleteEvent(id: Self.localID(.event, upstreamID), viewer: owner)
            outcome = .deleted
        } catch let error as OpenADRStoreError where error.kind == .notFound {}
        try await record(.event, upstreamID, modified: nil, deleted: true)
        return outcome
    }

    /// False when the event names VENs (`VEN_NAME` targets) and this VEN is not one of them.
    func isAddressedToThisVEN(_ event: Event) -> Bool {
        let named = (event.targets ?? []).filter { $0.type == TargetType.venName.rawValue }.flatMap(\.values)
        return named.isEmpty || named.contains(.string(venName))
    }

    /// The local id of mirrored, live upstream program `upstreamID`, or `nil`.
    public func localProgramID(upstreamID: String) async throws -> String? {
        guard let row = try await row(.program, upstreamID), !row.deleted else { return nil }
        return row.localID
    }

    /// The upstream ids of live mirrored objects of `type` (what a poll compares with the upstream's listing).
    func liveUpstreamIDs(_ type: ObjectType) async throws -> Set<String> {
        let rows = try await pool.query(
            "SELECT upstream_id FROM ven_mirror WHERE object_type = \(type.rawValue) AND deleted_at IS NULL")
        return Set(try rows.map { try $0.decode(String.self, column: "upstream_id") })
    }

    /// The body without the upstream's VTN-provisioned fields (the local store sets its own).
    static func strip(_ program: Program) -> Program {
        var program = program
        program.id = nil
        program.createdDateTime = nil
        program.modificationDateTime = nil
        return program
    }

    static func strip(_ event: Event) -> Event {
        var event = event
        event.id = nil
        event.createdDateTime = nil
        event.modificationDateTime = nil
        return event
    }
}

/// Runs one operation at a time, in arrival order: the mirror's read-compare-write steps never interleave within
/// a process.
actor Serializer {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task<T, any Error> {
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
