namespace LlmProxy.Canonical;

/// <summary>How much of a client's own input an error message repeats: enough to recognise it, never a megabyte of it.</summary>
internal static class ErrorText
{
    public const int MaxQuoted = 200;

    /// <summary>UTF-8 text, decoded only as far as it is quoted (a client may send a megabyte as a model name).</summary>
    public static string Quote(ReadOnlySpan<byte> utf8) => utf8.Length <= MaxQuoted
        ? System.Text.Encoding.UTF8.GetString(utf8)
        : $"{System.Text.Encoding.UTF8.GetString(utf8[..MaxQuoted])}… ({utf8.Length} bytes)";

    /// <summary><paramref name="value"/>, cut to <see cref="MaxQuoted"/> characters with an ellipsis and the full length when longer.</summary>
    public static string Quote(string? value) => value is null ? "" : value.Length <= MaxQuoted
        ? value
        : $"{value.AsSpan(0, MaxQuoted)}… ({value.Length} characters)";
}
