namespace LlmProxy.Access;

/// <summary>Which limit refused a request (a key's or its team's), for the metrics.</summary>
internal enum RefusedLimit
{
    MaxParallel,
    Rpm,
    Tpm,
    Budget,
}
