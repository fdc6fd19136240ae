namespace LlmProxy.Providers.Mock;

/// <summary>The mock provider's stand-in for a tokenizer: usage that grows with the input, one token per word.</summary>
internal static class MockWords
{
    public static long Count(string? text)
    {
        long count = 0;
        var previous = ' ';
        foreach (var c in text ?? "")
        {
            count += previous == ' ' && c != ' ' ? 1 : 0;
            previous = c;
        }
        return count;
    }
}
