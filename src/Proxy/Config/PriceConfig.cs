namespace LlmProxy.Config;

/// <summary>
/// USD per million tokens, used for cost accounting; each at most 10^6 with at most 6 decimal places (the reader refuses
/// more), so each is also a whole number of 10^-12 USD per token, at most 10^12: the <c>PicoPerToken</c> forms, which
/// costs are computed from in integers.
/// </summary>
internal sealed record PriceConfig(decimal InputPerMTok, decimal OutputPerMTok, decimal CacheReadPerMTok, decimal CacheWritePerMTok)
{
    // Get-only, so that no `with` copy can change a price and keep a stale per-token form.
    public decimal InputPerMTok { get; } = InputPerMTok;

    public decimal OutputPerMTok { get; } = OutputPerMTok;

    public decimal CacheReadPerMTok { get; } = CacheReadPerMTok;

    public decimal CacheWritePerMTok { get; } = CacheWritePerMTok;

    public long InputPicoPerToken { get; } = PicoPerToken(InputPerMTok);

    public long OutputPicoPerToken { get; } = PicoPerToken(OutputPerMTok);

    public long CacheReadPicoPerToken { get; } = PicoPerToken(CacheReadPerMTok);

    public long CacheWritePicoPerToken { get; } = PicoPerToken(CacheWritePerMTok);

    // USD per 10^6 tokens to 10^-12 USD per token: * 10^12 / 10^6.
    private static long PicoPerToken(decimal usdPerMTok) => (long)(usdPerMTok * 1_000_000m);
}
