// OpenADR 3.0.1 value types, validation and event-timeline resolution.
//
// Pure: Foundation only, no sockets, no SQL. Decode bodies with `OpenADRJSON.decode(_:from:)` (which turns
// `DecodingError` into `OpenADRValidationError` with a JSON-pointer path), then validate each shape in one place:
// `Event.validated(now:)`, `Program.validated()`, `Subscription.validated()`, `Report.validated()`,
// `VEN.validated()`, `Resource.validated()`.
