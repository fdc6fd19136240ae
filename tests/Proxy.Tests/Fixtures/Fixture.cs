using LlmProxy.Testing;

namespace LlmProxy.Tests.Fixtures;

/// <summary>A provider stream recorded per the provider's documented wire format, read from Fixtures/{provider}/{name}.sse.</summary>
internal static class Fixture
{
    public static byte[] Read(string provider, string name) =>
        File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "Proxy.Tests", "Fixtures", provider, name + ".sse"));

    public static TheoryData<Arrival> Arrivals => [Arrival.Whole, Arrival.RandomSplits, Arrival.ByteByByte];
}
