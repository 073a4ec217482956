import Events
import Foundation
import HTTP
import OpenADR

/// The edge of the OpenADR API: body decoding and validation, path ids, collection queries, and mapping store
/// errors to problems. Validation happens here, once, with the `OpenADR` module; the store trusts what it gets.
enum OpenADRRequestSupport {
    /// Decodes an OpenADR object. - Throws: 415 for a non-JSON body; 400 naming the field (JSON pointer) that is
    /// missing, null, of the wrong type or malformed.
    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws(APIError) -> T {
        try request.requireJSONContentType()
        do {
            return try OpenADRJSON.decode(T.self, from: request.bodyData)
        } catch {
            throw invalid(error)
        }
    }

    /// Runs an OpenADR validation. - Throws: 400 listing every issue as a pointer and a message.
    static func validate<T>(_ body: () throws(OpenADRValidationError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw invalid(error)
        }
    }

    static func invalid(_ error: OpenADRValidationError) -> APIError {
        APIError.badRequest(
            "The request body is invalid: \(error.description)",
            errors: error.issues.map {
                HTTP.Problem.FieldError(pointer: $0.pointer.isEmpty ? "/" : $0.pointer, detail: $0.message)
            })
    }

    /// Applies the SSRF policy to every `callbackUrl` of a validated subscription.
    /// - Throws: 400 naming each refused `/objectOperations/k/callbackUrl`.
    static func checkCallbacks(_ subscription: Subscription, policy: WebhookDestinationPolicy) throws(APIError) {
        let errors = subscription.objectOperations.enumerated().compactMap { k, operation in
            policy.rejection(forCallbackURL: operation.callbackUrl).map {
                HTTP.Problem.FieldError(pointer: "/objectOperations/\(k)/callbackUrl", detail: $0)
            }
        }
        guard errors.isEmpty else {
            throw APIError.badRequest(
                "The request body is invalid: a callbackUrl points where Curtail does not send webhooks.", errors: errors)
        }
    }

    /// A path id: 1–128 of `[A-Za-z0-9_-]` (the spec's objectID). - Throws: 400 naming the parameter.
    static func objectID(_ context: RequestContext, _ name: String) throws(APIError) -> String {
        let value = context.parameters[name] ?? ""
        guard (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
                    || $0 == 0x5F
            })
        else {
            throw APIError.invalidField(name, "must be 1-128 characters of A-Z, a-z, 0-9, '-' and '_'")
        }
        return value
    }

    /// The largest `limit` the spec allows (`maximum: 50`), also the default.
    static let maximumLimit = 50

    /// Reads `skip`, `limit`, `targetType`/`targetValues` and the collection's own filters. Unknown parameters are
    /// ignored (3.1 clients send 3.1-only ones). - Throws: 400 naming the parameter.
    static func listQuery(_ request: HTTPRequest) throws(APIError) -> ListQuery {
        let query = request.query
        // Filters reach PostgreSQL, which stores no U+0000 (an array literal holding one is a 500 otherwise).
        for name in ["targetType", "targetValues", "programID", "eventID", "clientName", "objects", "venName", "resourceName"]
        where query.values(name).contains(where: { $0.utf8.contains(0) }) {
            throw APIError.invalidField(name, "must not contain a NUL character (U+0000)")
        }
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
            guard let text = query[name] else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw APIError.invalidField(name, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
        var list = ListQuery()
        list.skip = try integer("skip", default: 0, range: 0...Int(Int32.max))
        list.limit = try integer("limit", default: maximumLimit, range: 0...maximumLimit)
        list.targetType = query["targetType"]
        list.targetValues = query.values("targetValues")
        if list.targetType != nil, list.targetValues.isEmpty {
            throw APIError.invalidField("targetValues", "is required with targetType")
        }
        if list.targetType == nil, !list.targetValues.isEmpty {
            throw APIError.invalidField("targetType", "is required with targetValues")
        }
        list.programID = query["programID"]
        list.eventID = query["eventID"]
        list.clientName = query["clientName"]
        list.objects = query.values("objects")
        list.venName = query["venName"]
        list.resourceName = query["resourceName"]
        return list
    }

    /// Runs a store call and encodes its result as the response body; store refusals become problems.
    static func respond<T: Encodable>(_ status: HTTPStatus = .ok, _ body: () async throws -> T) async throws
        -> HTTPResponse
    {
        let value: T
        do {
            value = try await body()
        } catch let error as OpenADRStoreError {
            throw APIError(error)
        }
        return .json(try OpenADRJSON.encode(value), status: status)
    }
}

extension APIError {
    /// 404 for a missing (or another tenant's) object, 409 for a clash, 400 naming the field for a reference to
    /// an object that does not exist.
    init(_ error: OpenADRStoreError) {
        switch error.kind {
        case .notFound: self.init(.notFound, error.detail)
        case .conflict: self.init(.conflict, error.detail)
        case .invalidReference:
            self.init(
                .badRequest, error.detail, errors: [.init(pointer: error.pointer ?? "/", detail: error.detail)])
        }
    }
}

extension Principal {
    /// The store's view of this caller: its own objects, or every tenant's for an operator.
    var viewer: Viewer { Viewer(clientKey: clientKey, seesAll: isOperator) }
}
