/// The body a VTN POSTs to a subscription's `callbackUrl` (`notification`).
///
/// `objectType` names the type of `object`, and decoding uses it to pick the ``NotificationObject`` case.
/// `operation` is an HTTP verb in 3.0.1 (`GET POST PUT DELETE`); 3.1 senders use CRUD words; both decode, and
/// ``Operation/normalized`` maps them to one vocabulary. For DELETE, `object` is the object as it was.
public struct Notification: Sendable, Hashable, Codable {
    public var objectType: ObjectType
    public var operation: Operation
    public var object: NotificationObject
    public var targets: [ValuesMap]?

    public init(objectType: ObjectType, operation: Operation, object: NotificationObject, targets: [ValuesMap]? = nil) {
        self.objectType = objectType
        self.operation = operation
        self.object = object
        self.targets = targets
    }

    private enum CodingKeys: String, CodingKey {
        case objectType, operation, object, targets
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        objectType = try c.decode(ObjectType.self, forKey: .objectType)
        operation = try c.decode(Operation.self, forKey: .operation)
        targets = try c.decodeIfPresent([ValuesMap].self, forKey: .targets)
        switch objectType {
        case .program: object = .program(try c.decode(Program.self, forKey: .object))
        case .event: object = .event(try c.decode(Event.self, forKey: .object))
        case .report: object = .report(try c.decode(Report.self, forKey: .object))
        case .subscription: object = .subscription(try c.decode(Subscription.self, forKey: .object))
        case .ven: object = .ven(try c.decode(VEN.self, forKey: .object))
        case .resource: object = .resource(try c.decode(Resource.self, forKey: .object))
        default: object = .other(try c.decode(JSONValue.self, forKey: .object))
        }
    }
}

/// The `object` of a ``Notification``, typed by the notification's `objectType`.
public enum NotificationObject: Sendable, Hashable, Codable {
    case program(Program)
    case event(Event)
    case report(Report)
    case subscription(Subscription)
    case ven(VEN)
    case resource(Resource)
    /// An object of a type this module does not model, kept verbatim.
    case other(JSONValue)

    /// Decodes as ``other(_:)``: the case is chosen by the enclosing ``Notification``, which knows `objectType`.
    public init(from decoder: any Decoder) throws {
        self = .other(try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .program(let o): try o.encode(to: encoder)
        case .event(let o): try o.encode(to: encoder)
        case .report(let o): try o.encode(to: encoder)
        case .subscription(let o): try o.encode(to: encoder)
        case .ven(let o): try o.encode(to: encoder)
        case .resource(let o): try o.encode(to: encoder)
        case .other(let o): try o.encode(to: encoder)
        }
    }
}
