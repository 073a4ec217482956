import Foundation
import OpenADR
import Postgres
import Testing

/// Cancellation (DELETE, or PUT collapsing the window into the past), the scheduler's NOTIFY, and program deletion.
@Suite struct VTNLifecycleTests {
    @Test(.timeLimit(.minutes(1))) func eventDelete_ReturnsObject_KeepsCancelledRow_AndNotifiesScheduler() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let notifications = try await vtn.pool.listen(channel: "curtail_events")
            var iterator = notifications.makeAsyncIterator()
            // The channel is shared by every test's database schema: skip other tests' events.
            func nextPayload(for id: String?) async -> String? {
                while let notification = await iterator.next() {
                    if notification.payload == id { return notification.payload }
                }
                return nil
            }

            let event = try await vtn.createEvent(token: token, programID: program.id!)
            #expect(await nextPayload(for: event.id) == event.id)

            let deleted = try await vtn.send("DELETE", "/events/\(event.id!)", token: token)
            #expect(deleted.status == 200)
            #expect(try deleted.decode(Event.self) == event)
            #expect(await nextPayload(for: event.id) == event.id)
            #expect(try await vtn.send("GET", "/events/\(event.id!)", token: token).status == 404)
            #expect(try await vtn.send("DELETE", "/events/\(event.id!)", token: token).status == 404)

            let row = try await vtn.pool.query(
                "SELECT cancelled_at IS NOT NULL AS cancelled, deleted_at IS NOT NULL AS deleted FROM events WHERE id = \(event.id!)"
            )
            #expect(try row[0].decode(Bool.self, column: "cancelled"))
            #expect(try row[0].decode(Bool.self, column: "deleted"))
        }
    }

    @Test func eventPut_CollapsedIntoThePast_IsRecordedAsCancellation() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)
            var cancel = event.withoutVTNFields
            cancel.intervalPeriod = IntervalPeriod(start: DateTime(rfc3339: "0001-01-01T00:00:00Z")!, duration: .zero)
            cancel.intervals = [Interval(id: 0, payloads: [ValuesMap(.simple, [0])])]
            let response = try await vtn.send("PUT", "/events/\(event.id!)", token: token, json: cancel)
            #expect(response.status == 200, "\(response.text)")
            #expect(try response.decode(Event.self).withoutVTNFields == cancel)
            let row = try await vtn.pool.query(
                "SELECT cancelled_at IS NOT NULL AS cancelled, revision FROM events WHERE id = \(event.id!)")
            #expect(try row[0].decode(Bool.self, column: "cancelled"))
            #expect(try row[0].decode(Int.self, column: "revision") == 2)

            // A past window that is not that shape (a real shed that already ended) is still refused.
            var stale = event.withoutVTNFields
            stale.intervalPeriod = IntervalPeriod(
                start: DateTime(rfc3339: "2020-01-01T00:00:00Z")!, duration: ISODuration(totalSeconds: 3600))
            stale.intervals[0].payloads = [ValuesMap(.simple, [7])]
            let refused = try await vtn.send("PUT", "/events/\(event.id!)", token: token, json: stale)
            #expect(refused.status == 400)
            #expect(refused.pointers.contains("/intervals/0/payloads/0/values/0"))
        }
    }

    @Test func programDelete_WithEvents_Returns409() async throws {
        try await VTN.run { vtn in
            let token = try await vtn.token("utility", VTN.businessLogic)
            let program = try await vtn.createProgram(token: token)
            let event = try await vtn.createEvent(token: token, programID: program.id!)
            let refused = try await vtn.send("DELETE", "/programs/\(program.id!)", token: token)
            #expect(refused.status == 409)
            #expect(try await vtn.send("DELETE", "/events/\(event.id!)", token: token).status == 200)
            #expect(try await vtn.send("DELETE", "/programs/\(program.id!)", token: token).status == 200)
        }
    }
}
