namespace LlmProxy.Inbound;

/// <summary>HTTP field values the proxy passes on from one side to the other (RFC 9110 section 5.5).</summary>
internal static class FieldValue
{
    /// <summary>True for visible ASCII, spaces and tabs: what every HTTP stack accepts; anything else may be refused on the way.</summary>
    public static bool IsAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }
        return true;
    }
}
