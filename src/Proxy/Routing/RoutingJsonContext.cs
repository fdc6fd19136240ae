using System.Text.Json.Serialization;

namespace LlmProxy.Routing;

[JsonSerializable(typeof(string))]
internal sealed partial class RoutingJsonContext : JsonSerializerContext;
