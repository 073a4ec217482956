// OpenADR 3 objects in Postgres (the VTN's store) and webhook notifications.
//
//     OpenADRStore      programs, events, reports, subscriptions, VENs, resources: one transaction per change,
//                       with its notification_outbox rows and (events) NOTIFY curtail_events '<id>'
//     NotificationOutbox   which subscriptions a change notifies (inside the change's transaction)
//     NotificationDeliveryWorker   claims due outbox rows (FOR UPDATE SKIP LOCKED + lease), POSTs, retries
//     WebhookTransport  the POST itself (URLSession today; Curtail's HTTPClient when it lands)
//
// Decisions recorded here (README references are to shared/openadr/README.md):
// - Tenancy: the tenant is the API client (`clients.id`). A client sees and changes only what it owns; another
//   tenant's object is `notFound` (404), exactly like a missing one. Operators (fleet scopes) see everything. An
//   event belongs to its program's owner, even when an operator creates it. A report belongs to the client that
//   posted it and is also readable by the owner of the reported event; a report may only be posted about an
//   event the poster can see, so Curtail's own reporting identity is an operator. Subscriptions (which hold
//   bearer tokens) are visible only to their owner (3.1 makes this object privacy mandatory).
// - Uniqueness: `programName` and `venName` are unique per tenant, not per VTN (a VTN-wide rule would tell one
//   utility another's names); `resourceName` per VEN. A clash is 409.
// - References: an event or subscription naming an unknown (or another tenant's) program, or a report naming an
//   unknown event, or an event of another program, is a 400 at that field's pointer (README §9 leaves it open).
// - Deletion: events are soft-deleted (`deleted_at`, `cancelled_at`): the API forgets them, the engine restores
//   their vehicles and reports can still refer to them. A PUT that collapses the window into the past (3.1 UG:
//   start 0001-01-01, PT0S) is stored and marked cancelled too. Deleting a program that still has events is a 409:
//   deleting a program never silently ends an event. Programs are soft-deleted (events keep pointing at them) and
//   their name becomes free again.
// - Notifications: operation words are HTTP verbs (3.0.1); subscriptions may use either vocabulary. A
//   subscription matches an object of its program (VENs and resources: any program of the owner), of a tenant it
//   may see, and whose targets pass its target filter: for each target type both name, they share a value. One
//   outbox row per matching callback URL and token. Delivery is at least once, ordered only roughly.
// - Not yet: SSRF policy for callback URLs (private and loopback hosts are allowed) and the verification GET
//   (`callbackUrl?echo=`) of README §9.
