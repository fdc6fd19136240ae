using System.Reflection;

namespace LlmProxy.Hosting;

internal static class ProxyVersion
{
    /// <summary>The version from the build, with the git commit the SDK appends (e.g. <c>0.1.0+3f2a9c1</c>).</summary>
    public static string Current { get; } =
        typeof(ProxyVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
