namespace LlmProxy.Access;

/// <summary>
/// What a request is expected to use, taken at admission and reconciled when the provider's usage is known:
/// <see cref="InputTokens"/> estimated from the body, <see cref="OutputTokens"/> the answer limit it set (or the
/// configured default), and <see cref="PicoUsd"/> their cost at the dearest deployment of its route (10^-12 USD).
/// </summary>
internal readonly record struct Reservation(long InputTokens, long OutputTokens, long PicoUsd)
{
    public long Tokens => InputTokens + OutputTokens;
}
