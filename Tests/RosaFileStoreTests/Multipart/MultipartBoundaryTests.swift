import Testing

@testable import RosaFileStore

@Suite struct MultipartBoundaryTests {
    @Test(arguments: [
        // curl -F
        (
            "multipart/form-data; boundary=------------------------d74496d66958873e",
            "------------------------d74496d66958873e"
        ),
        // the ABF console client: a uuid4 hex
        ("multipart/form-data; boundary=9f3c2a7be1d04c6f8a5b0e2d4c6f8a1b", "9f3c2a7be1d04c6f8a5b0e2d4c6f8a1b"),
        // a browser
        (
            "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
            "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        ),
        // quoted, with the RFC 2046 example's interior space
        ("multipart/form-data; boundary=\"simple boundary\"", "simple boundary"),
        // quoted, holding characters a token cannot: = ? / : ( ) , and an escaped quote
        (#"multipart/form-data; boundary="=_Part_(1):a/b?c,d\"e""#, #"=_Part_(1):a/b?c,d"e"#),
        // unquoted but not a token, as some mailers send it
        ("multipart/form-data; boundary==_Part_0_1", "=_Part_0_1"),
        // media type and parameter name in any case
        ("Multipart/Form-Data; BOUNDARY=abc", "abc"),
        ("MULTIPART/FORM-DATA; Boundary=\"abc\"", "abc"),
        // other parameters before and after, one with a quoted `;` and `boundary=` inside
        ("multipart/form-data; charset=utf-8; boundary=abc; x=\"; boundary=no\"", "abc"),
        // whitespace: around `;` and `=`, tabs, none at all, trailing, and empty list elements
        ("  multipart/form-data ;\tboundary = abc \t", "abc"),
        ("multipart/form-data;boundary=abc", "abc"),
        ("multipart/form-data;; boundary=abc;", "abc"),
    ])
    func extractsTheBoundaryFromAContentType(contentType: String, expected: String) throws {
        #expect(try MultipartBoundary(contentType: contentType).value == expected)
    }

    @Test(arguments: [
        ("application/json", MultipartError.notFormData(mediaType: "application/json")),
        ("", .notFormData(mediaType: "")),
        ("multipart/mixed; boundary=abc", .notFormData(mediaType: "multipart/mixed")),
        ("multipart/form-data-x; boundary=abc", .notFormData(mediaType: "multipart/form-data-x")),
        ("multipart/form-data", .missingBoundary),
        ("multipart/form-data; charset=utf-8", .missingBoundary),
        ("multipart/form-data; boundary", .malformedContentType),
        ("multipart/form-data; =abc", .malformedContentType),
        ("multipart/form-data; boundary=\"abc", .malformedContentType),
        ("multipart/form-data; boundary=\"abc\" junk", .malformedContentType),
        ("multipart/form-data; boundary=abc def", .malformedContentType),
        ("multipart/form-data; boundary=abc; boundary=abc", .malformedContentType),
        ("multipart/form-data; boundary=abc; BOUNDARY=def", .malformedContentType),
        ("multipart/form-data; boundary=\"a\u{1}b\"", .malformedContentType),
        ("multipart/form-data; boundary=", .emptyBoundary),
        ("multipart/form-data; boundary=\"\"", .emptyBoundary),
        ("multipart/form-data; boundary=\"abc \"", .invalidBoundary),
        ("multipart/form-data; boundary=\"abc\tdef\"", .invalidBoundary),
        ("multipart/form-data; boundary=grenzé", .invalidBoundary),
        ("multipart/form-data; boundary=" + String(repeating: "b", count: 71), .boundaryTooLong(length: 71)),
    ])
    func rejectsAContentTypeWithoutAUsableBoundary(contentType: String, expected: MultipartError) {
        #expect(throws: expected) { try MultipartBoundary(contentType: contentType) }
    }

    @Test func acceptsTheLongestBoundaryRFC2046Allows() throws {
        let longest = String(repeating: "b", count: MultipartBoundary.maximumLength)
        #expect(try MultipartBoundary(longest).value == longest)
        #expect(throws: MultipartError.boundaryTooLong(length: 71)) { try MultipartBoundary(longest + "b") }
    }

    @Test func validatesABoundaryGivenDirectly() throws {
        #expect(try MultipartBoundary("a b").value == "a b")
        #expect(try MultipartBoundary("!#$%&'*+-.^_`|~\"").delimiter == bytes("\r\n--!#$%&'*+-.^_`|~\""))
        #expect(throws: MultipartError.emptyBoundary) { try MultipartBoundary("") }
        #expect(throws: MultipartError.invalidBoundary) { try MultipartBoundary("a\r\nb") }
        #expect(throws: MultipartError.invalidBoundary) { try MultipartBoundary("a\u{7F}") }
        #expect(throws: MultipartError.invalidBoundary) { try MultipartBoundary("trailing ") }
    }

    @Test func errorMessagesSayWhatIsWrongAndCutClientText() {
        #expect(MultipartError.boundaryTooLong(length: 71).message.contains("71"))
        #expect(
            MultipartError.notFormData(mediaType: "").message
                == "The request has no Content-Type; expected multipart/form-data.")
        let echoed = MultipartError.notFormData(mediaType: String(repeating: "x", count: 1000)).message
        #expect(echoed.count < 200)
        #expect(MultipartError.truncated.description == MultipartError.truncated.message)
    }
}
