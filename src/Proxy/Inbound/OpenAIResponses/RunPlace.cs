namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>Where the run of a background response is, as the instances sharing a Redis see it.</summary>
internal enum RunPlace
{
    /// <summary>No instance registered a run for it: it ended, or never ran with Redis.</summary>
    None,

    /// <summary>Registered by this instance.</summary>
    Here,

    /// <summary>Registered by another instance that is still stamping its id.</summary>
    Elsewhere,

    /// <summary>Registered by an instance that stopped stamping its id: nothing will finish it.</summary>
    Gone,

    /// <summary>Redis cannot be reached now: a run may be going on another instance, or none.</summary>
    Unknown,
}
