// OpenADR 3.0.1 value types, validation and event-timeline resolution.
//
// Pure: Foundation only, no sockets, no SQL. The flow at the edge is:
//
//     let event = try OpenADRJSON.decode(Event.self, from: body)     // shape: 400 with a JSON pointer
//     let validated = try event.validated(now: clock.now)            // rules: every issue, with pointers
//     validated.activeInterval(at: now)?.requests                    // [ShedRequest] the planner acts on
//
// Programs, subscriptions, reports, VENs and resources have `validated(limits:)` likewise. Errors are one type,
// `OpenADRValidationError` (a list of pointer + message issues); `Problem(validationError:)` renders it.
//
// Decisions recorded here (README references are to shared/openadr/README.md):
// - Date-times: RFC 3339 with any offset and fractional seconds are accepted and always emitted in UTC `Z`.
//   The 3.0-era sentinel `0000-00-00` is rejected (400), not mapped to "now"; "do it now" is a start in the past
//   with an end in the future (or `0001-01-01T00:00:00Z` + `P9999Y`).
// - Durations keep their components as written, so echoing a BL's `P9999Y` or `P0D` is exact. Years and months
//   are accepted on input everywhere the schema allows them, but event and report interval durations and every
//   `randomizeStart` must be fixed-length (days or less); only `P9999Y` ("until changed or deleted") is allowed,
//   and it resolves to `Date.distantFuture`. Program periods may use years and months (UTC Gregorian calendar).
// - An interval's resolved duration must be positive when it carries SIMPLE or IMPORT_CAPACITY_LIMIT (README §8:
//   shed and cap signals need an explicit positive duration). Intervals with only other payload types may be
//   instantaneous (`PT0S`): those types are kept and flagged as not acted on, never rejected.
// - Overlapping intervals (possible when intervals carry their own starts): the one that started last is active.
// - IMPORT_CAPACITY_LIMIT is read in kW: descriptor units absent or `KW`; any other unit is rejected. Whether a
//   cap on a GROUP is the group's aggregate or a per-site cap is the Planner's decision, not this module's.
// - Randomization (`randomizeStart`) is carried on each resolved interval and never applied here.
// - The VTN-provisioned fields (`id`, `createdDateTime`, `modificationDateTime`, `objectType`) decode when present
//   and are not validated; the VTN overwrites them.
