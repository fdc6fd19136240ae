namespace LlmProxy.Providers;

/// <summary>
/// The waits of one upstream call: connect; first byte (streams: until response headers); idle gap between stream
/// reads, reset on every read; total for non-stream calls. A healthy stream has no total limit.
/// </summary>
internal readonly record struct UpstreamTimeouts(int ConnectMs, int FirstByteMs, int IdleMs, int TotalMs);
