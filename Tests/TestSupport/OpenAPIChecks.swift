import Foundation

/// Reads an OpenAPI document as plain JSON, for the checks every API's description must
/// pass (the Rosti and Rosa test suites run the same ones).
public struct OpenAPIChecks {
    public let document: [String: Any]

    /// Throws when the bytes are not a JSON object.
    public init(_ bytes: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw RawClientError(description: "the OpenAPI document is not a JSON object")
        }
        document = object
    }

    public static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    public var paths: [String: [String: Any]] {
        (document["paths"] as? [String: Any] ?? [:]).compactMapValues { $0 as? [String: Any] }
    }

    /// `"GET /path"` of every operation.
    public var operations: Set<String> {
        var found: Set<String> = []
        for (path, item) in paths {
            for method in item.keys where Self.methods.contains(method) { found.insert("\(method.uppercased()) \(path)") }
        }
        return found
    }

    /// Each operation with its object.
    public var operationObjects: [(key: String, path: String, operation: [String: Any])] {
        paths.flatMap { path, item in
            item.compactMap { method, value -> (key: String, path: String, operation: [String: Any])? in
                guard Self.methods.contains(method), let operation = value as? [String: Any] else { return nil }
                return ("\(method.uppercased()) \(path)", path, operation)
            }
        }.sorted { $0.key < $1.key }
    }

    /// Problems with path parameters: a `{name}` of a path its operation does not declare
    /// (required, `in: path`), or a declared path parameter the path does not have.
    public var pathParameterProblems: [String] {
        var problems: [String] = []
        for (key, path, operation) in operationObjects {
            let inPath = Set(path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) })
            let declared = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
            let declaredNames = Set(declared.compactMap { $0["name"] as? String })
            for name in inPath.subtracting(declaredNames) { problems.append("\(key): {\(name)} is not declared") }
            for name in declaredNames.subtracting(inPath) { problems.append("\(key): declares \(name), not in the path") }
            for parameter in declared where parameter["required"] as? Bool != true {
                problems.append("\(key): path parameter \(parameter["name"] ?? "?") is not required")
            }
        }
        return problems
    }

    /// Operation ids that are missing or used twice, and links to operation ids that do not exist.
    public var operationIDProblems: [String] {
        var problems: [String] = []
        var seen: [String: String] = [:]
        for (key, _, operation) in operationObjects {
            guard let id = operation["operationId"] as? String, !id.isEmpty else {
                problems.append("\(key) has no operationId")
                continue
            }
            if let other = seen[id] { problems.append("\(key) and \(other) share the operationId \(id)") }
            seen[id] = key
        }
        for (key, _, operation) in operationObjects {
            for (status, response) in operation["responses"] as? [String: [String: Any]] ?? [:] {
                for (name, link) in response["links"] as? [String: [String: Any]] ?? [:] {
                    let target = link["operationId"] as? String ?? ""
                    if seen[target] == nil { problems.append("\(key) \(status) links \(name) to no operation (\(target))") }
                }
            }
        }
        return problems
    }

    /// Operations the server answers but its describer had nothing for (marked
    /// `x-rostra-undescribed`).
    public var undescribedOperations: [String] {
        operationObjects.filter { $0.operation["x-rostra-undescribed"] as? Bool == true }.map(\.key)
    }

    /// Every `$ref` that names nothing in the document.
    public var danglingReferences: [String] {
        var dangling: [String] = []
        func visit(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String, resolve(reference) == nil { dangling.append(reference) }
                object.values.forEach(visit)
            } else if let array = value as? [Any] {
                array.forEach(visit)
            }
        }
        visit(document)
        return dangling
    }

    /// The value a local `$ref` (`#/components/schemas/App`) names.
    public func resolve(_ reference: String) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var current: Any = document
        for part in reference.dropFirst(2).split(separator: "/") {
            guard let object = current as? [String: Any], let next = object[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// The property names of `components.schemas.<name>`.
    public func propertyNames(ofSchema name: String) -> Set<String> {
        let schema = resolve("#/components/schemas/\(name)") as? [String: Any]
        return Set((schema?["properties"] as? [String: Any] ?? [:]).keys)
    }

    public func operation(_ method: String, _ path: String) -> [String: Any]? {
        paths[path]?[method.lowercased()] as? [String: Any]
    }
}

/// Files of the repository the tests run from.
public enum RepositoryFile {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}
