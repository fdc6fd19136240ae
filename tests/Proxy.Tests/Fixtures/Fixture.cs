using LlmProxy.Testing;

namespace LlmProxy.Tests.Fixtures;

/// <summary>A provider stream recorded per the provider's documented wire format, read from Fixtures/{provider}/{name}.sse.</summary>
internal static class Fixture
{
    public static byte[] Read(string provider, string name) =>
        File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "Proxy.Tests", "Fixtures", provider, name + ".sse"));

    /// <summary>
    /// A Bedrock ConverseStream recorded as Fixtures/bedrock/{name}.events, one message a line (<c>eventType json</c>,
    /// or <c>!exceptionType message</c>), encoded into AWS event-stream frames as Bedrock sends them.
    /// </summary>
    public static byte[] ReadEvents(string name) =>
        AwsEventStreamWriter.EncodeLines(File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "Proxy.Tests", "Fixtures", "bedrock", name + ".events")));

    public static TheoryData<Arrival> Arrivals => [Arrival.Whole, Arrival.RandomSplits, Arrival.ByteByByte];
}
