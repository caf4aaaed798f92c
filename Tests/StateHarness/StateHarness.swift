@main
enum StateHarness {
    static func main() {}
}
