import Testing
@Test func placeholderClient() { #expect(1 == 1) }
